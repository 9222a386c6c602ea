import { Flags } from '@oclif/core';

import { AiproxyCommand, EXIT_CODES_HELP } from '../base-command.js';
import { createAwsContext, type AwsContext } from '../lib/aws/clients.js';
import { deployPipeline, type DeployPipelineResult } from '../lib/deploy/deploy.js';
import { runPreflight } from '../lib/deploy/preflight.js';
import { resolveProject } from '../lib/deploy/project.js';
import { planPipelineTemplate, type PipelineTemplatePlan } from '../lib/deploy/template.js';
import { watchPipeline } from '../lib/deploy/watch.js';
import { diagnoseLive } from '../lib/doctor/live/diagnose.js';
import { liveExitCode } from '../lib/doctor/live/outcome.js';
import type { LiveDiagnosis } from '../lib/doctor/live/types.js';
import { ExitCode, type ExitCodeValue } from '../lib/errors.js';
import { resolveBranch } from '../lib/git.js';
import type { PollingOptions } from '../lib/stacks/types.js';
import { stripControl, toSingleLine } from '../lib/text.js';
import { renderChangeSet } from '../lib/ui/changes.js';
import * as out from '../lib/ui/deploy-output.js';
import { renderLiveReport } from '../lib/ui/doctor-live.js';
import { createStackProgress } from '../lib/ui/progress.js';
import { confirmOrDecline } from '../lib/ui/prompt.js';
import { colorEnabled } from '../lib/ui/style.js';

/** What tests replace: who answers, how fast stacks and pipelines are polled, and Ctrl-C. */
export interface DeploySeams {
  interactive?: boolean;
  ask?: (message: string) => Promise<boolean>;
  polling?: PollingOptions;
  signal?: AbortSignal;
  cwd?: string;
}

export default class Deploy extends AiproxyCommand {
  static override summary = 'Deploy the CI/CD pipeline stack of a branch (any developer).';

  static override description = `Creates or updates <prefix>-<branch>-cicd: artifact bucket, ECR repository, CodeBuild project with its own bounded role, and a CodePipeline that builds the branch and deploys the application stack <prefix>-<branch>-app. Checks the caller and the global stack first, shows the change set, asks, then runs it as the execution role (never with your own rights). --watch follows the pipeline run and, when it fails, prints the doctor's diagnosis. --dry-run prints the template without any AWS access.

EXIT CODES
${EXIT_CODES_HELP}`;

  static override examples = [
    '<%= config.bin %> deploy',
    '<%= config.bin %> deploy --branch feature/login --watch',
    '<%= config.bin %> deploy --branch main --yes --json',
    '<%= config.bin %> deploy --dry-run > pipeline.yaml && cfn-lint pipeline.yaml',
  ];

  static override flags = {
    branch: Flags.string({
      char: 'b',
      description: 'The git branch to build (default: the current git branch).',
    }),
    prefix: Flags.string({
      description: 'Application prefix (default: the config’s, or aiproxy).',
    }),
    repository: Flags.string({
      description: 'Source repository owner/name (overrides the config).',
    }),
    'connection-arn': Flags.string({
      description: 'CodeConnections connection (default: the config’s, else the global stack’s).',
    }),
    'app-template': Flags.string({ description: 'Application template path in the repository.' }),
    buildspec: Flags.string({ description: 'Buildspec path in the repository.' }),
    yes: Flags.boolean({ char: 'y', description: 'Do not ask (CI).', default: false }),
    watch: Flags.boolean({
      char: 'w',
      description: 'Follow the pipeline run; diagnose it when it fails.',
      default: false,
    }),
    'dry-run': Flags.boolean({ description: 'Print the template; no AWS access.', default: false }),
  };

  /** Replaced by tests only. */
  protected seams: DeploySeams = {};

  protected async execute(): Promise<ExitCodeValue> {
    const { flags } = await this.parse(Deploy);
    const cwd = this.seams.cwd ?? process.cwd();
    const quiet = flags.json && !flags.verbose;
    const say = (text: string): void => (quiet || text === '' ? undefined : this.note(text));

    const { branch, source: branchSource } = await resolveBranch(flags.branch, { cwd });
    const project = await resolveProject(cwd, {
      prefix: flags.prefix,
      repository: flags.repository,
      connectionArn: flags['connection-arn'],
      appTemplate: flags['app-template'],
      buildspec: flags.buildspec,
    });
    const { prefix } = project;
    const plan = planPipelineTemplate({ branch, prefix, config: project.config });
    say(out.renderBranchLine(branch, branchSource, plan.names.slug));
    say(out.renderRefusals(plan.refused, project.path, this.style));

    if (flags['dry-run']) {
      if (flags.json) this.printJson(out.dryRunJson(branch, plan));
      else this.print(plan.templateBody);
      return ExitCode.Ok;
    }

    const ctx = createAwsContext({
      ...(flags.profile === undefined ? {} : { profile: flags.profile }),
      ...(flags.region === undefined ? {} : { region: flags.region }),
    });
    const preflight = await runPreflight(ctx, { prefix });
    say(out.renderPreflight(preflight, this.style));

    const since = new Date();
    const result = await this.deploy(ctx, prefix, plan, preflight, flags);
    const code = this.exitCodeOf(result);
    if (!flags.watch || code !== ExitCode.Ok || result.stack.kind === 'declined') {
      if (flags.json) {
        this.printJson(
          out.deployJson({ branch, branchSource, preflight, result, refused: plan.refused }),
        );
      } else this.print(out.renderDeploySummary(result, this.style));
      return code;
    }

    if (!flags.json) this.print(out.renderDeploySummary(result, this.style));
    const watched = await watchPipeline({
      codepipeline: ctx.codepipeline,
      pipelineName: result.links.pipelineName,
      region: result.links.region,
      created: result.stack.kind === 'deployed' && result.stack.operation === 'create',
      since,
      onProgress: (event) => say(out.renderWatchProgress(event, this.style)),
      ...this.timing(),
    });
    if (!flags.json) this.print(out.renderWatchEnd(watched, result.links, this.style));

    let diagnosis: LiveDiagnosis | null = null;
    if (watched.kind === 'ended' && watched.status === 'Failed') {
      say(`Running the doctor on run ${toSingleLine(watched.executionId)}…`);
      diagnosis = await diagnoseLive(
        ctx,
        { kind: 'pipeline', name: result.links.pipelineName, executionId: watched.executionId },
        { prefix, branch },
      );
      if (!flags.json) this.print(renderLiveReport(diagnosis, this.style));
    }
    if (flags.json) {
      const watch = { result: watched, diagnosis };
      this.printJson(
        out.deployJson({ branch, branchSource, preflight, result, refused: plan.refused, watch }),
      );
    }
    return diagnosis === null ? out.watchExitCode(watched) : liveExitCode(diagnosis.outcome);
  }

  /** The change-set flow with its prompt, change-set display and live progress. */
  private async deploy(
    ctx: AwsContext,
    prefix: string,
    plan: PipelineTemplatePlan,
    preflight: Awaited<ReturnType<typeof runPreflight>>,
    flags: { yes: boolean; json: boolean; verbose: boolean },
  ): Promise<DeployPipelineResult> {
    const { interactive, ask } = this.seams;
    const progress = createStackProgress({ silent: flags.json && !flags.verbose });
    try {
      return await deployPipeline({
        ctx,
        prefix,
        preflight,
        plan,
        // Stack names, statuses and reasons come from AWS; the progress display prints them.
        onProgress: (event) => progress.report(out.stripControlDeep(event)),
        confirm: async (question) => {
          await progress.finish();
          // A "no" is an answer the flow cleans up after; "nobody to ask" stays an error.
          return confirmOrDecline(stripControl(question.message), {
            yes: flags.yes,
            json: flags.json,
            review: 'Review the template with --dry-run.',
            ...(interactive === undefined ? {} : { interactive }),
            ...(ask === undefined ? {} : { ask }),
          });
        },
        ...(flags.json
          ? {}
          : {
              show: async ({ changes, currentTemplate, newTemplate, changeSet }) => {
                await progress.finish();
                const color = colorEnabled(process.stdout);
                // The change set and the deployed template are AWS's text, printed as they are.
                const clean = out.stripControlDeep({ changes, currentTemplate, changeSet });
                this.print(
                  await renderChangeSet(clean.changes, clean.currentTemplate, newTemplate, {
                    color,
                    changeSet: clean.changeSet,
                  }),
                );
              },
            }),
        // Only wait out a running operation when we may go ahead afterwards.
        waitIfBusy: flags.yes || (interactive ?? process.stdin.isTTY === true),
        ...this.timing(),
      });
    } finally {
      await progress.finish();
    }
  }

  private timing(): { polling?: PollingOptions; signal?: AbortSignal } {
    const { polling, signal } = this.seams;
    return {
      ...(polling === undefined ? {} : { polling }),
      ...(signal === undefined ? {} : { signal }),
    };
  }

  private exitCodeOf(result: DeployPipelineResult): ExitCodeValue {
    switch (result.stack.kind) {
      case 'deployed':
      case 'no-changes':
        return ExitCode.Ok;
      case 'failed':
        return out.stackFailureExitCode(result.explanation);
      default:
        return ExitCode.Refused;
    }
  }
}
