import { Args, Flags } from '@oclif/core';

import { AiproxyCommand, EXIT_CODES_HELP } from '../base-command.js';
import type { AwsContext } from '../lib/aws/clients.js';
import { diagnoseLogFile } from '../lib/doctor/diagnose-log.js';
import type { ApplyPlan, ApplyResult } from '../lib/doctor/live/apply.js';
import { liveExitCode } from '../lib/doctor/live/outcome.js';
import type { LiveDiagnosis } from '../lib/doctor/live/types.js';
import type { AiproxyError } from '../lib/errors.js';
import { ExitCode, InputError, RefusedError, type ExitCodeValue } from '../lib/errors.js';
import { renderDoctorReport } from '../lib/ui/doctor-report.js';

const LIVE_FLAGS = ['branch', 'execution-id', 'build-id', 'stack', 'apply', 'direct'] as const;

export default class Doctor extends AiproxyCommand {
  static override summary =
    'Explain the access denials behind a failed pipeline or build log, with the smallest safe fix.';

  static override description = `Against AWS: finds the pipeline's latest failed run (or the run, build or stack named), reads its failed actions (CodeBuild logs from CloudWatch Logs or S3, CloudFormation events with nested stacks, the actions' own error messages), explains every access denial, says where the fix belongs (project config, application template, global setup, or the role's owner), checks the patch with the IAM policy simulator, and applies it only with --apply.

Offline: --log-file reads a build log (- for standard input) and needs no AWS access.

EXIT CODES
${EXIT_CODES_HELP}`;

  static override examples = [
    '<%= config.bin %> doctor aiproxy-main-pipeline',
    '<%= config.bin %> doctor --branch feature/login --verbose',
    '<%= config.bin %> doctor --build-id aiproxy-main-build:0b6c… --json',
    '<%= config.bin %> doctor --branch main --apply',
    '<%= config.bin %> doctor --log-file examples/codebuild-ecr-login-denied.log',
  ];

  static override args = {
    // ignoreStdin: oclif would otherwise read piped input into the argument, and piped input
    // is the log of `--log-file -`.
    pipeline: Args.string({
      description: 'Pipeline to diagnose.',
      required: false,
      ignoreStdin: true,
    }),
  };

  static override flags = {
    'log-file': Flags.string({
      char: 'f',
      description: 'Build log to read offline; - reads standard input.',
    }),
    branch: Flags.string({
      description: 'Diagnose this branch’s pipeline (default: the current git branch).',
    }),
    'execution-id': Flags.string({
      description: 'Diagnose this pipeline execution instead of the latest failed one.',
    }),
    'build-id': Flags.string({ description: 'Diagnose this CodeBuild build directly.' }),
    stack: Flags.string({
      description: 'Diagnose this CloudFormation stack’s last failed operation.',
    }),
    apply: Flags.boolean({
      description: 'Apply the fix where it belongs, after showing it and asking.',
      default: false,
    }),
    direct: Flags.boolean({
      description: 'With --apply: put the patch on the role as an inline policy (emergencies).',
      default: false,
    }),
    yes: Flags.boolean({ char: 'y', description: 'Apply without asking (CI).', default: false }),
  };

  protected async execute(): Promise<ExitCodeValue> {
    const { args, flags } = await this.parse(Doctor);

    // oclif's dependsOn cannot see a boolean that defaults to false, so these are checked here.
    if (flags.direct && !flags.apply) {
      throw new InputError('USAGE', '--direct only changes how --apply applies a fix.', {
        suggestions: ['Add --apply (with --direct), or drop --direct to diagnose only.'],
      });
    }
    if (flags.yes && !flags.apply) {
      throw new InputError('USAGE', '--yes only answers the question --apply asks.', {
        suggestions: ['Add --apply (with --yes) to apply the fix, or drop --yes to diagnose only.'],
      });
    }

    const logFile = flags['log-file'];
    if (logFile !== undefined) {
      const conflicting = LIVE_FLAGS.filter((f) => flags[f] !== undefined && flags[f] !== false);
      if (args.pipeline !== undefined || conflicting.length > 0) {
        throw new InputError(
          'USAGE',
          '--log-file reads a log offline; it takes no pipeline, build, stack or --apply.',
          {
            suggestions: ['Drop --log-file to diagnose against AWS, or drop the other flags.'],
          },
        );
      }
      const diagnosis = await diagnoseLogFile(logFile);
      if (flags.json) this.printJson(diagnosis.json);
      else this.print(renderDoctorReport(diagnosis.report, diagnosis.context, this.style));
      return diagnosis.report.denials.length > 0 ? ExitCode.DenialsFound : ExitCode.Ok;
    }

    const live = await import('../lib/doctor/live/modules.js');
    const cwd = process.cwd();
    const prefix = await live.projectPrefix(cwd);
    const { request, branch } = await live.resolveTarget(
      {
        pipeline: args.pipeline,
        branch: flags.branch,
        executionId: flags['execution-id'],
        buildId: flags['build-id'],
        stack: flags.stack,
      },
      { prefix, cwd },
    );
    const ctx = live.createAwsContext({
      ...(flags.profile === undefined ? {} : { profile: flags.profile }),
      ...(flags.region === undefined ? {} : { region: flags.region }),
    });
    const diagnosis = await live.diagnoseLive(ctx, request, { prefix, branch });
    if (flags.verbose) {
      this.note(
        `AWS requests: ${diagnosis.requests.beforeRoles} to find the failure and read it, ${diagnosis.requests.total} in all.`,
      );
    }
    if (!flags.json) this.print(live.renderLiveReport(diagnosis, this.style));

    const outcome = liveExitCode(diagnosis.outcome);
    if (!flags.apply || diagnosis.outcome !== 'denials') {
      if (flags.apply) this.note(nothingToApply(diagnosis));
      if (flags.json) this.printJson(live.liveDoctorJson(diagnosis));
      return outcome;
    }

    const applied = await this.applyFixes(ctx, diagnosis, {
      direct: flags.direct,
      yes: flags.yes,
      json: flags.json,
      cwd,
    });
    if (flags.json) this.printJson({ ...live.liveDoctorJson(diagnosis), apply: applied.json });
    if (applied.error !== null && !flags.json) throw applied.error;
    if (applied.error !== null) return ExitCode.Refused;
    return applied.results.some((r) => r.mode === 'print') ? ExitCode.DenialsFound : ExitCode.Ok;
  }

  /**
   * Plans, shows, asks and applies. A refusal or a "no" comes back as an error, so that with
   * --json it joins the one JSON document instead of replacing it.
   */
  private async applyFixes(
    ctx: AwsContext,
    diagnosis: LiveDiagnosis,
    options: { direct: boolean; yes: boolean; json: boolean; cwd: string },
  ): Promise<{ results: ApplyResult[]; error: AiproxyError | null; json: unknown }> {
    const live = await import('../lib/doctor/live/modules.js');
    const results: ApplyResult[] = [];
    const show = (text: string): void => (options.json ? this.note(text) : this.print(text));
    try {
      const plans = await live.planApply(diagnosis, { direct: options.direct, cwd: options.cwd });
      for (const plan of plans) {
        show(`\n${live.renderApplyPlan(plan, this.style)}`);
        if (plan.mode !== 'print') {
          await live.confirmAction(question(plan), { yes: options.yes, json: options.json });
        }
        const result = await live.executeApply(ctx, plan);
        results.push(result);
        show(live.renderApplyResult(result, this.style));
      }
      return { results, error: null, json: { results, refused: null } };
    } catch (error) {
      if (!(error instanceof RefusedError)) throw error;
      const refused = { code: error.code, message: error.message, suggestions: error.suggestions };
      return { results, error, json: { results, refused } };
    }
  }
}

function nothingToApply(diagnosis: LiveDiagnosis): string {
  return diagnosis.outcome === 'undetermined'
    ? 'Nothing to apply: no access denial was found in what doctor could read.'
    : 'Nothing to apply: no access denial was found.';
}

function question(plan: ApplyPlan): string {
  return plan.mode === 'direct'
    ? `Put inline policy ${plan.policyName} on ${plan.roleName}, exactly as shown?`
    : `Write these statements to ${plan.mode === 'config' ? plan.configPath : 'the config'}?`;
}
