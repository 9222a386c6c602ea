import { Flags } from '@oclif/core';

import { AiproxyCommand, EXIT_CODES_HELP } from '../base-command.js';
import { createAwsContext } from '../lib/aws/clients.js';
import { callerIdentity } from '../lib/aws/identity.js';
import { listBranchPipelines } from '../lib/deploy/list.js';
import { resolvePrefix } from '../lib/deploy/project.js';
import { ExitCode, type ExitCodeValue } from '../lib/errors.js';
import * as out from '../lib/ui/deploy-output.js';

export default class List extends AiproxyCommand {
  static override summary = "List this application's branch pipelines and their last run.";

  static override description = `Lists the pipeline stacks <prefix>-*-cicd in the region, each with its stack status, the
status of its pipeline's last run and its application stack. Reads only.

EXIT CODES
${EXIT_CODES_HELP}`;

  static override examples = ['<%= config.bin %> list', '<%= config.bin %> list --json'];

  static override flags = {
    prefix: Flags.string({
      description: 'Application prefix (default: the config’s, or aiproxy).',
    }),
  };

  /** Replaced by tests only. */
  protected seams: { cwd?: string } = {};

  protected async execute(): Promise<ExitCodeValue> {
    const { flags } = await this.parse(List);
    const prefix = await resolvePrefix(this.seams.cwd ?? process.cwd(), flags.prefix);
    const ctx = createAwsContext({
      ...(flags.profile === undefined ? {} : { profile: flags.profile }),
      ...(flags.region === undefined ? {} : { region: flags.region }),
    });

    // First, so missing credentials or region give one clear line.
    const identity = await callerIdentity(ctx);
    const rows = await listBranchPipelines(ctx, { prefix });

    if (flags.json) this.printJson(out.listJson(prefix, identity.region, rows));
    else this.print(out.renderBranchTable(rows, this.style));
    return ExitCode.Ok;
  }
}
