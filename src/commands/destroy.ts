import { Flags } from '@oclif/core';

import { AiproxyCommand, EXIT_CODES_HELP } from '../base-command.js';
import { createAwsContext } from '../lib/aws/clients.js';
import { destroyBranch, planDestroy, type DestroyResult } from '../lib/deploy/destroy.js';
import { runPreflight } from '../lib/deploy/preflight.js';
import { resolvePrefix } from '../lib/deploy/project.js';
import { ExitCode, RefusedError, type ExitCodeValue } from '../lib/errors.js';
import { resolveBranch } from '../lib/git.js';
import type { PollingOptions } from '../lib/stacks/types.js';
import { toSingleLine } from '../lib/text.js';
import * as out from '../lib/ui/deploy-output.js';
import { createStackProgress } from '../lib/ui/progress.js';
import { confirmAction } from '../lib/ui/prompt.js';

/** What tests replace: who answers, how fast stacks are polled, and Ctrl-C. */
export interface DestroySeams {
  interactive?: boolean;
  ask?: (message: string) => Promise<boolean>;
  polling?: PollingOptions;
  signal?: AbortSignal;
  cwd?: string;
}

export default class Destroy extends AiproxyCommand {
  static override summary = 'Delete the pipeline stack of a branch (and its application stack).';

  static override description = `Deletes <prefix>-<branch>-cicd as the execution role, after emptying its artifact bucket
(CloudFormation deletes only empty buckets; the ECR repository empties itself). With
--with-app, deletes <prefix>-<branch>-app first. Needs nothing beyond the developer policy.
--branch also takes the AWS name of a branch (its slug, as in <prefix>-<slug>-cicd).

EXIT CODES
${EXIT_CODES_HELP}`;

  static override examples = [
    '<%= config.bin %> destroy --branch feature/login',
    '<%= config.bin %> destroy --branch feature/login --with-app --yes',
  ];

  static override flags = {
    branch: Flags.string({
      char: 'b',
      description: 'The branch whose stacks to delete (default: the current git branch).',
    }),
    prefix: Flags.string({
      description: 'Application prefix (default: the config’s, or aiproxy).',
    }),
    'with-app': Flags.boolean({
      description: 'Delete the application stack too (first).',
      default: false,
    }),
    yes: Flags.boolean({ char: 'y', description: 'Do not ask (CI).', default: false }),
  };

  /** Replaced by tests only. */
  protected seams: DestroySeams = {};

  protected async execute(): Promise<ExitCodeValue> {
    const { flags } = await this.parse(Destroy);
    const { interactive, ask, polling, signal } = this.seams;
    const cwd = this.seams.cwd ?? process.cwd();
    const quiet = flags.json && !flags.verbose;
    const say = (text: string): void => (quiet ? undefined : this.note(text));

    // Checked before any AWS call: a name git refuses cannot have stacks worth reading.
    const { branch, source } = await resolveBranch(flags.branch, { cwd });
    const prefix = await resolvePrefix(cwd, flags.prefix);
    const ctx = createAwsContext({
      ...(flags.profile === undefined ? {} : { profile: flags.profile }),
      ...(flags.region === undefined ? {} : { region: flags.region }),
    });
    // Deletes run as the execution role too: the global stack must be there to name it. Any
    // version will do, and CloudFormation's answer to DeleteStack is the PassRole check.
    const preflight = await runPreflight(ctx, {
      prefix,
      checkVersion: false,
      checkPassRole: false,
    });
    const plan = await planDestroy(ctx, {
      branch,
      prefix,
      withApp: flags['with-app'],
      identity: preflight.identity,
    });
    say(
      plan.awsNameOf === null
        ? out.renderBranchLine(branch, source, plan.names.slug)
        : out.renderAwsNameLine(plan),
    );
    if (!flags.json) this.print(out.renderDestroyPlan(plan, this.style));
    if (plan.targets.length === 0) {
      if (flags.json) this.printJson(out.destroyJson(plan, null));
      return ExitCode.Ok;
    }

    const what = plan.targets.map((t) => toSingleLine(t.stackName)).join(' and ');
    try {
      await confirmAction(`Delete ${what} and everything in them?`, {
        yes: flags.yes,
        json: flags.json,
        ...(interactive === undefined ? {} : { interactive }),
        ...(ask === undefined ? {} : { ask }),
      });
    } catch (error) {
      if (flags.json && error instanceof RefusedError) {
        this.printJson(out.destroyJson(plan, null, error));
        return error.exitCode;
      }
      throw error;
    }

    const progress = createStackProgress({ silent: quiet });
    let result: DestroyResult;
    try {
      result = await destroyBranch({
        ctx,
        plan,
        prefix,
        preflight,
        onProgress: async (event) => {
          // Stack events are AWS's text, which the progress display prints as it is.
          if (event.type === 'activity') {
            return progress.activity(out.stripControlDeep(event.activity));
          }
          // Close the live display before a line of our own, so the two never interleave.
          await progress.finish();
          say(out.renderDestroyStep(event));
        },
        ...(polling === undefined ? {} : { polling }),
        ...(signal === undefined ? {} : { signal }),
      });
    } finally {
      await progress.finish();
    }

    if (flags.json) this.printJson(out.destroyJson(plan, result));
    else this.print(out.renderDestroyResult(result, this.style));
    return out.destroyExitCode(result);
  }
}
