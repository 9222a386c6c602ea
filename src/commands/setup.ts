import { Flags } from '@oclif/core';

import { AiproxyCommand, EXIT_CODES_HELP } from '../base-command.js';
import { createAwsContext } from '../lib/aws/clients.js';
import { ExitCode, type ExitCodeValue } from '../lib/errors.js';
import { DEFAULT_PREFIX } from '../lib/names.js';
import {
  buildSetupTemplate,
  connectionChoice,
  CONNECTION_PROVIDERS,
  runSetup,
  runSetupDelete,
  writeSetupTemplate,
  type AttachTarget,
  type SetupEvent,
  type SetupTemplate,
} from '../lib/setup/index.js';
import type { ChangeSetReview, PollingOptions } from '../lib/stacks/index.js';
import { renderChangeSet } from '../lib/ui/changes.js';
import { createStackProgress, type StackProgress } from '../lib/ui/progress.js';
import { confirmOrDecline } from '../lib/ui/prompt.js';
import * as out from '../lib/ui/setup-output.js';
import { colorEnabled } from '../lib/ui/style.js';

/** What tests replace: who answers, how fast stacks are polled, and Ctrl-C. */
export interface SetupSeams {
  interactive?: boolean;
  ask?: (message: string) => Promise<boolean>;
  polling?: PollingOptions;
  signal?: AbortSignal;
}

export default class Setup extends AiproxyCommand {
  static override summary = "Deploy the account's global aiproxy stack (admins, once per region).";

  static override description = `Creates or updates the global stack <prefix>-global: the workload boundary, the CloudFormation execution role, the pipeline role, the developer policy and the version marker.

Checks the caller first, stops on roles under /<prefix>/ without the boundary, shows the change set with its IAM changes, asks, then follows the stack events. --dry-run prints the template without any AWS access; --delete removes the stack once no branch stack is left.

EXIT CODES
${EXIT_CODES_HELP}`;

  static override examples = [
    '<%= config.bin %> setup --dry-run > global.yaml && cfn-lint global.yaml',
    '<%= config.bin %> setup --create-connection github --attach-to-group developers',
    '<%= config.bin %> setup --yes --json',
    '<%= config.bin %> setup --delete',
  ];

  // Written out: oclif's generated usage renders the exclusive flags as empty alternatives.
  static override usage = [
    'setup [--yes] [--prefix <value>] [--connection-arn <value> | --create-connection github|gitlab|bitbucket] [--attach-to-group <value>] [--attach-to-role <value>]',
    'setup --dry-run | --output <file> [--prefix <value>]',
    'setup --delete [--yes] [--prefix <value>]',
  ];

  static override flags = {
    prefix: Flags.string({
      description: 'Application prefix of every name.',
      default: DEFAULT_PREFIX,
    }),
    'connection-arn': Flags.string({
      description: 'An existing CodeStar/CodeConnections connection.',
    }),
    'create-connection': Flags.string({
      description: 'Create a connection (it starts pending; the console link is printed).',
      options: [...CONNECTION_PROVIDERS],
      exclusive: ['connection-arn'],
    }),
    yes: Flags.boolean({ char: 'y', description: 'Do not ask (CI).', default: false }),
    'dry-run': Flags.boolean({ description: 'Print the template; no AWS access.', default: false }),
    output: Flags.string({ char: 'o', description: 'Write the template to FILE; no AWS access.' }),
    delete: Flags.boolean({
      description: 'Delete the global stack (refused while branch stacks exist).',
      default: false,
      exclusive: [
        'dry-run',
        'output',
        'connection-arn',
        'create-connection',
        'attach-to-group',
        'attach-to-role',
      ],
    }),
    'attach-to-group': Flags.string({ description: 'Attach the developer policy to this group.' }),
    'attach-to-role': Flags.string({ description: 'Attach the developer policy to this role.' }),
  };

  /** Replaced by tests only. */
  protected seams: SetupSeams = {};

  protected async execute(): Promise<ExitCodeValue> {
    const { flags } = await this.parse(Setup);
    const connection = connectionChoice({
      connectionArn: flags['connection-arn'],
      createConnection: flags['create-connection'],
    });
    if (flags['dry-run'] || flags.output !== undefined) {
      return this.printTemplate(buildSetupTemplate({ prefix: flags.prefix, connection }), flags);
    }

    const quiet = flags.json && !flags.verbose;
    const { interactive, polling, signal } = this.seams;
    const progress = createStackProgress({ silent: quiet });
    const common = {
      ctx: createAwsContext({
        ...(flags.profile === undefined ? {} : { profile: flags.profile }),
        ...(flags.region === undefined ? {} : { region: flags.region }),
      }),
      prefix: flags.prefix,
      confirm: async (question: { message: string }) => {
        await progress.finish();
        return this.answer(question.message, {
          ...flags,
          // Deleting has no --dry-run; deploying the stack does.
          ...(flags.delete ? {} : { review: 'Review the template with --dry-run.' }),
        });
      },
      report: (event: SetupEvent) => this.onEvent(event, progress, quiet),
      // Waiting for a running operation only makes sense when we may go ahead afterwards.
      waitIfBusy: flags.yes || (interactive ?? (process.stdin.isTTY && process.stderr.isTTY)),
      ...(signal === undefined ? {} : { signal }),
      ...(polling === undefined ? {} : { polling }),
    };

    try {
      if (flags.delete) {
        const result = await runSetupDelete(common);
        await progress.finish();
        if (flags.json) this.printJson(out.deleteResultJson(result));
        else this.print(out.renderDeleteResult(result, this.style));
        return out.deleteExitCode(result);
      }

      const result = await runSetup({
        ...common,
        connection,
        attachTo: attachTargets(flags['attach-to-group'], flags['attach-to-role']),
        ...(flags.json ? {} : { show: (review) => this.showChangeSet(review, progress) }),
      });
      await progress.finish();
      if (flags.json) this.printJson(out.setupResultJson(result));
      else this.print(out.renderSetupResult(result, this.style));
      return out.setupExitCode(result);
    } finally {
      await progress.finish();
    }
  }

  /** `--dry-run` and `--output`: the template, and not a single AWS call. */
  private async printTemplate(
    template: SetupTemplate,
    flags: { json: boolean; output?: string | undefined },
  ): Promise<ExitCodeValue> {
    if (flags.json) this.printJson({ version: template.version, template: template.body });
    else if (flags.output === undefined) this.print(template.body);
    if (flags.output !== undefined) {
      await writeSetupTemplate(flags.output, template);
      this.note(`Wrote the global template (version ${template.version}) to ${flags.output}.`);
    }
    return ExitCode.Ok;
  }

  /** Asks (or answers for `--yes`); a "no" is false, "nobody to ask" stays an error. */
  private async answer(
    message: string,
    flags: { yes: boolean; json: boolean; review?: string },
  ): Promise<boolean> {
    const { interactive, ask } = this.seams;
    // The flow handles a "no" itself (clean-up, its own message).
    return confirmOrDecline(message, {
      yes: flags.yes,
      json: flags.json,
      ...(flags.review === undefined ? {} : { review: flags.review }),
      ...(interactive === undefined ? {} : { interactive }),
      ...(ask === undefined ? {} : { ask }),
    });
  }

  /** The change set and its IAM tables, on stdout: the plan being asked about. */
  private async showChangeSet(review: ChangeSetReview, progress: StackProgress): Promise<void> {
    await progress.finish();
    const { changes, currentTemplate, newTemplate, changeSet } = review;
    const color = colorEnabled(process.stdout);
    this.print(await renderChangeSet(changes, currentTemplate, newTemplate, { color, changeSet }));
  }

  /** Caller and stack facts as notes (stderr); stack events to the progress display. */
  private onEvent(event: SetupEvent, progress: StackProgress, quiet: boolean): void {
    if (event.type === 'deploy') {
      // Absent and updatable stacks were already described, with their version.
      const said =
        event.progress.type === 'state' && ['absent', 'stable'].includes(event.progress.state.kind);
      if (!said) progress.report(event.progress);
      return;
    }
    if (quiet) return;
    const text =
      event.type === 'caller'
        ? out.renderCaller(event.check, this.style)
        : out.renderExisting(event.existing, event.connectionKept, this.style);
    if (text !== undefined) this.note(text);
  }
}

function attachTargets(group: string | undefined, role: string | undefined): AttachTarget[] {
  return [
    ...(group === undefined ? [] : [{ kind: 'group' as const, name: group }]),
    ...(role === undefined ? [] : [{ kind: 'role' as const, name: role }]),
  ];
}
