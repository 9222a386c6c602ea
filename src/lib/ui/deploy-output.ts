/**
 * What `deploy`, `destroy` and `list` print: the preflight, refused build statements, the
 * summary with the pipeline's console link and the stacks made, stage-by-stage progress of
 * `--watch`, the branch table and the destroy plan. Text for people here; the `…Json`
 * builders give the one `--json` document of each command.
 *
 * Branch names and every value read from AWS (names, statuses, ids, reasons) may hold terminal
 * escapes, so each goes through `stripControl` (or `toSingleLine` for a one-line field) before
 * it is shown; JSON output escapes them itself.
 */
import type { BranchPipeline } from '../deploy/list.js';
import type { DeployPipelineResult, PipelineLinks } from '../deploy/deploy.js';
import type { DestroyPlan, DestroyProgress, DestroyResult } from '../deploy/destroy.js';
import type { FailureExplanation } from '../deploy/explain-failure.js';
import type { PreflightResult } from '../deploy/preflight.js';
import type { PipelineTemplatePlan } from '../deploy/template.js';
import type { WatchProgress, WatchResult } from '../deploy/watch.js';
import type { LiveDiagnosis } from '../doctor/live/types.js';
import { ExitCode, type ExitCodeValue } from '../errors.js';
import type { BranchSource } from '../git.js';
import type { StackActivity } from '../stacks/types.js';
import type { StatementRefusal } from '../templates/pipeline-statements.js';
import { stripControl, toSingleLine } from '../text.js';
import { renderDoctorReport } from './doctor-report.js';
import { formatActivity } from './progress.js';
import type { Style } from './style.js';

/**
 * `value` with `stripControl` applied to every string in it, keys included: for structures
 * from AWS that a renderer outside this file prints (stack progress, change sets). Plain
 * objects and arrays are copied; anything else (a Date) is kept as it is.
 */
export function stripControlDeep<T>(value: T): T {
  if (typeof value === 'string') return stripControl(value) as T;
  if (Array.isArray(value)) return (value as unknown[]).map((item) => stripControlDeep(item)) as T;
  if (typeof value !== 'object' || value === null) return value;
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) return value;
  const entries = Object.entries(value as Record<string, unknown>).map(([key, item]) => [
    stripControl(key),
    stripControlDeep(item),
  ]);
  return Object.fromEntries(entries) as T;
}

/** The line that says which branch a command works on. */
export function renderBranchLine(branch: string, source: BranchSource, slug: string): string {
  const from = source === 'git' ? 'the current git branch' : '--branch';
  const named = slug === branch ? '' : ` (named ${toSingleLine(slug)} in AWS)`;
  return `Branch ${toSingleLine(branch)}${named}, from ${from}.`;
}

/**
 * The line that says which stacks `destroy` found by the AWS name it was given, rather than by
 * a branch (see `DestroyPlan.awsNameOf`).
 */
export function renderAwsNameLine(plan: DestroyPlan): string {
  const slug = toSingleLine(plan.names.slug);
  const branch = plan.awsNameOf?.branch ?? null;
  return branch === null
    ? `${toSingleLine(plan.branch)} is the AWS name of stacks that record no branch: working on those.`
    : `Branch ${toSingleLine(branch)} (named ${slug} in AWS), found by the AWS name given.`;
}

/** Who and where, the global stack's version, and what is known about passing the role. */
export function renderPreflight(preflight: PreflightResult, style: Style): string {
  const { identity, global, passRole } = preflight;
  const pass =
    passRole.status === 'allowed'
      ? style.green('can pass it')
      : style.yellow(`not checked: ${toSingleLine(passRole.detail)}`);
  const [arn, account, region] = [identity.arn, identity.account, identity.region].map(
    toSingleLine,
  );
  const version = global.version ?? '?';
  return [
    `Caller ${arn} in account ${account}, ${region}.`,
    `Global stack ${toSingleLine(global.stackName)} version ${version} (matches this CLI).`,
    `Execution role ${toSingleLine(global.executionRoleArn)}: ${pass}.`,
  ].join('\n');
}

/** The extra statements left out of the build role, each with why and what to change. */
export function renderRefusals(
  refused: readonly StatementRefusal[],
  configPath: string | null,
  style: Style,
): string {
  if (refused.length === 0) return '';
  const where = configPath ?? 'the project config';
  const head = style.yellow(
    `Not applied: ${refused.length} extra build statement(s) from ${where} (the rest are applied):`,
  );
  const lines = refused.flatMap((r) => [
    `  ✗ ${stripControl(r.message)}`,
    `    ${style.dim(`fix: ${stripControl(r.fix)}`)}`,
  ]);
  return [head, ...lines].join('\n');
}

/** The end of a deploy: what happened, the pipeline's console link and the stacks made. */
export function renderDeploySummary(result: DeployPipelineResult, style: Style): string {
  const { stack } = result;
  const links = cleanLinks(result.links);
  const stackName = 'stackName' in stack ? toSingleLine(stack.stackName) : '';
  switch (stack.kind) {
    case 'deployed':
    case 'no-changes': {
      const what =
        stack.kind === 'no-changes'
          ? `No changes: ${links.pipelineStackName} is already up to date.`
          : `${stack.operation === 'create' ? 'Created' : 'Updated'} ${links.pipelineStackName}.`;
      return [style.green(`✓ ${what}`), '', ...linkLines(links)].join('\n');
    }
    case 'declined':
      return `Declined: nothing was deployed${stack.stage === 'recreate' ? ` (${stackName} was left as it is)` : ''}.`;
    case 'refused':
      return style.red(`Refused: ${stripControl(stack.refusal.reason)}`);
    case 'interrupted':
      return `Stopped watching ${stackName} (${toSingleLine(stack.status)}); the deployment goes on.\nFollow it with: ${toSingleLine(stack.followCommand)}`;
    case 'failed':
      return renderStackFailure(
        `${stack.operation === 'create' ? 'Creating' : stack.operation === 'update' ? 'Updating' : 'Deleting'} ${stackName} failed`,
        stack,
        result.explanation,
        style,
      );
  }
}

// Built from our own names, but the region and partition in them come from AWS.
function cleanLinks(links: PipelineLinks): PipelineLinks {
  return {
    pipelineName: toSingleLine(links.pipelineName),
    consoleUrl: toSingleLine(links.consoleUrl),
    pipelineStackName: toSingleLine(links.pipelineStackName),
    appStackName: toSingleLine(links.appStackName),
    region: toSingleLine(links.region),
  };
}

function linkLines(links: PipelineLinks): string[] {
  return [
    `Pipeline  ${links.pipelineName}`,
    `          ${links.consoleUrl}`,
    'Stacks',
    `  ${links.pipelineStackName.padEnd(40)} pipeline stack (deployed by aiproxy deploy)`,
    `  ${links.appStackName.padEnd(40)} application stack (deployed by the pipeline)`,
  ];
}

/** A failed stack operation: the status, the first failed event, and the doctor's report. */
export function renderStackFailure(
  title: string,
  failed: { status: string; statusReason?: string; failure?: StackActivity },
  explanation: FailureExplanation | null,
  style: Style,
): string {
  const lines = [style.red(`✗ ${stripControl(title)}: ${toSingleLine(failed.status)}.`)];
  if (failed.failure !== undefined) {
    lines.push(`  First failure: ${formatActivity(stripControlDeep(failed.failure), style)}`);
  } else if (failed.statusReason !== undefined) {
    lines.push(`  ${stripControl(failed.statusReason)}`);
  }
  if (explanation !== null) {
    lines.push('', renderDoctorReport(explanation.report, explanation.context, style).trimEnd());
  }
  return lines.join('\n');
}

/** The exit code of a failed stack operation: the doctor's, for what its event says. */
export function stackFailureExitCode(explanation: FailureExplanation | null): ExitCodeValue {
  return explanation !== null && explanation.report.denials.length > 0
    ? ExitCode.DenialsFound
    : ExitCode.OtherFailure;
}

/** One line of `--watch` progress, or nothing. */
export function renderWatchProgress(event: WatchProgress, style: Style): string {
  switch (event.type) {
    case 'execution': {
      const how = {
        created: 'the first run of the new pipeline',
        'in-progress': 'the run in progress',
        started: 'started now',
        appeared: 'started by a push',
      }[event.origin];
      return `Following run ${toSingleLine(event.executionId)} (${how}).`;
    }
    case 'waiting':
      return style.dim(`Waiting ${stripControl(event.reason)}… (Ctrl-C stops watching)`);
    case 'note':
      return style.yellow(stripControl(event.message));
    case 'stage': {
      const shown = toSingleLine(event.status);
      const status =
        event.status === 'Succeeded'
          ? style.green(shown)
          : event.status === 'Failed'
            ? style.red(shown)
            : style.cyan(shown);
      const failed = event.failedAction;
      const why =
        failed === undefined
          ? ''
          : `  ${style.dim(`${toSingleLine(failed.name)}: ${stripControl(failed.message ?? 'failed')}`)}`;
      return `  ${toSingleLine(event.stage).padEnd(10)} ${status}${why}`;
    }
  }
}

/** The end of a watch, before any diagnosis. */
export function renderWatchEnd(result: WatchResult, links: PipelineLinks, style: Style): string {
  if (result.kind === 'no-execution') return style.yellow(stripControl(result.reason));
  const { consoleUrl, appStackName } = cleanLinks(links);
  if (result.kind === 'interrupted') {
    return `Stopped watching; the pipeline goes on.\nFollow it with: ${toSingleLine(result.followCommand)}\nor open ${consoleUrl}`;
  }
  const run = toSingleLine(result.executionId);
  if (result.status === 'Succeeded') {
    return style.green(`✓ Run ${run} succeeded: ${appStackName} is deployed.`);
  }
  return style.red(`✗ Run ${run} ended ${toSingleLine(result.status)}.`);
}

/** The exit code of a watch that did not end in a diagnosis. */
export function watchExitCode(result: WatchResult): ExitCodeValue {
  if (result.kind === 'ended' && result.status === 'Succeeded') return ExitCode.Ok;
  if (result.kind === 'interrupted') return ExitCode.Refused;
  return ExitCode.OtherFailure;
}

/** The `deploy --dry-run --json` document: the template and what it would make. */
export function dryRunJson(branch: string, plan: PipelineTemplatePlan): Record<string, unknown> {
  return {
    branch,
    slug: plan.names.slug,
    pipelineStack: plan.names.pipelineStackName,
    appStack: plan.names.appStackName,
    pipelineName: plan.names.pipelineName,
    resourceTypes: plan.resourceTypes,
    refusedStatements: refusalsJson(plan.refused),
    template: plan.template,
  };
}

function refusalsJson(refused: readonly StatementRefusal[]) {
  return refused.map(({ index, reason, message, fix }) => ({ index, reason, message, fix }));
}

/** The `deploy --json` document. */
export function deployJson(input: {
  branch: string;
  branchSource: BranchSource;
  preflight: PreflightResult;
  result: DeployPipelineResult;
  refused: readonly StatementRefusal[];
  watch?: { result: WatchResult; diagnosis: LiveDiagnosis | null };
}): Record<string, unknown> {
  const { stack, links } = input.result;
  const deployed = stack.kind === 'deployed' || stack.kind === 'no-changes';
  return {
    branch: input.branch,
    branchSource: input.branchSource,
    account: input.preflight.identity.account,
    region: links.region,
    result: stack.kind === 'deployed' ? `${stack.operation}d` : stack.kind,
    pipeline: { name: links.pipelineName, consoleUrl: links.consoleUrl },
    stacks: [
      {
        role: 'pipeline',
        name: links.pipelineStackName,
        ...(deployed || stack.kind === 'failed' ? { id: stack.stackId } : {}),
        deployedBy: 'aiproxy deploy',
      },
      { role: 'app', name: links.appStackName, deployedBy: 'the pipeline' },
    ],
    outputs: deployed ? stack.outputs : {},
    ...(stack.kind === 'failed'
      ? {
          failure: {
            status: stack.status,
            reason: stack.failure?.reason ?? stack.statusReason ?? null,
            denials: input.result.explanation?.report.denials ?? [],
          },
        }
      : {}),
    passRole: input.preflight.passRole,
    refusedStatements: refusalsJson(input.refused),
    ...(input.watch === undefined ? {} : { watch: watchJson(input.watch) }),
  };
}

function watchJson(watch: { result: WatchResult; diagnosis: LiveDiagnosis | null }) {
  const { result, diagnosis } = watch;
  return {
    ...result,
    ...(diagnosis === null
      ? {}
      : {
          diagnosis: {
            outcome: diagnosis.outcome,
            failedActions: diagnosis.failedActions,
            denials: diagnosis.report.denials,
            patches: diagnosis.report.patches,
            placement: diagnosis.placement,
            notes: diagnosis.notes,
          },
        }),
  };
}

// The whole note is in `--json`; a table cell keeps the start of it.
const NOTE_WIDTH = 48;

function shorten(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, width - 1)}…`;
}

/** The branch table of `aiproxy list`. */
export function renderBranchTable(rows: readonly BranchPipeline[], style: Style): string {
  if (rows.length === 0)
    return 'No branch pipelines yet: `aiproxy deploy --branch NAME` makes one.';
  const table = rows.map((row) => [
    // Marked, so a slug is not taken for the name of a branch (destroy takes either).
    row.branch === null ? `${toSingleLine(row.slug)} (AWS name)` : toSingleLine(row.branch),
    toSingleLine(row.stackStatus),
    row.lastExecution === null
      ? shorten(toSingleLine(row.note ?? 'never run'), NOTE_WIDTH)
      : toSingleLine(
          `${row.lastExecution.status} ${row.lastExecution.startTime?.slice(0, 16).replace('T', ' ') ?? ''}`,
        ),
    row.appStack === null ? '-' : toSingleLine(row.appStack.status),
    toSingleLine(row.pipelineName),
  ]);
  const header = ['BRANCH', 'PIPELINE STACK', 'LAST RUN', 'APP STACK', 'PIPELINE'];
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((r) => r[i]?.length ?? 0)));
  const format = (cells: string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join('  ');
  const colour = (row: string[], text: string): string => {
    const status = row[2] ?? '';
    if (status.startsWith('Failed')) return style.red(text);
    if (status.startsWith('InProgress')) return style.cyan(text);
    return text;
  };
  return [style.bold(format(header)), ...table.map((row) => colour(row, format(row)))].join('\n');
}

/** What `destroy` is about to delete, before the question. */
export function renderDestroyPlan(plan: DestroyPlan, style: Style): string {
  const lines =
    plan.targets.length === 0
      ? [`Nothing to delete for branch ${toSingleLine(plan.branch)}.`]
      : [style.bold(`To delete, in this order (as the execution role):`)];
  for (const target of plan.targets) {
    const status = target.state.kind === 'absent' ? '' : ` (${toSingleLine(target.state.status)})`;
    lines.push(`  ${toSingleLine(target.stackName)}${status}  ${target.role} stack`);
    if (target.role !== 'pipeline') continue;
    lines.push(
      plan.artifactBucket === null
        ? style.yellow(
            '    its artifact bucket is unknown: if it holds artifacts, the delete fails',
          )
        : `    after emptying the artifact bucket ${toSingleLine(plan.artifactBucket)}`,
    );
  }
  if (plan.appStackLeft !== null) {
    const { name, status } = plan.appStackLeft;
    lines.push(
      style.yellow(
        `  ${toSingleLine(name)} (${toSingleLine(status)}) stays: pass --with-app to delete it too.`,
      ),
    );
  }
  return lines.join('\n');
}

const EMPTYING_ACTIONS = 's3:ListBucketVersions, s3:DeleteObject and s3:DeleteObjectVersion';

/** One line of destroy progress (stack events use the stack progress display). */
export function renderDestroyStep(event: Exclude<DestroyProgress, { type: 'activity' }>): string {
  if (event.type === 'emptying')
    return `Emptying the artifact bucket ${toSingleLine(event.bucket)}…`;
  if (event.type === 'emptied')
    return `Emptied ${toSingleLine(event.bucket)}: ${event.objects} object(s) deleted.`;
  return `Deleting ${toSingleLine(event.stackName)}`;
}

/** The end of a destroy. */
export function renderDestroyResult(result: DestroyResult, style: Style): string {
  const done = result.deleted.map((name) => `  deleted ${toSingleLine(name)}`);
  switch (result.kind) {
    case 'destroyed':
      return [style.green('✓ Nothing is left of the branch’s stacks.'), ...done].join('\n');
    case 'bucket-not-emptied': {
      const bucket = toSingleLine(result.bucket);
      return [
        style.red(`✗ Could not empty ${bucket}: ${toSingleLine(result.action)} was refused.`),
        ...done,
        '  CloudFormation deletes only empty buckets, so the pipeline stack was left in place.',
        `  The developer policy grants ${EMPTYING_ACTIONS} on artifact buckets: ask an admin to attach it,`,
        `  or to empty the bucket (\`aws s3 rm s3://${bucket} --recursive\`); then run destroy again.`,
      ].join('\n');
    }
    case 'failed':
      return [
        renderStackFailure(
          `Deleting ${toSingleLine(result.stackName)} failed`,
          result,
          result.explanation,
          style,
        ),
        ...done,
      ].join('\n');
    case 'interrupted':
      return `Stopped watching ${toSingleLine(result.stackName)}; the delete goes on.\nFollow it with: ${toSingleLine(result.followCommand)}`;
  }
}

/** The exit code of a destroy. */
export function destroyExitCode(result: DestroyResult): ExitCodeValue {
  switch (result.kind) {
    case 'destroyed':
      return ExitCode.Ok;
    case 'bucket-not-emptied':
      return ExitCode.Aws;
    case 'failed':
      return stackFailureExitCode(result.explanation);
    case 'interrupted':
      return ExitCode.Refused;
  }
}

/** The `destroy --json` document; `result` is null when nothing ran (nothing to do, or refused). */
export function destroyJson(
  plan: DestroyPlan,
  result: DestroyResult | null,
  refusal?: { code: string; message: string },
): Record<string, unknown> {
  return {
    branch: plan.branch,
    slug: plan.names.slug,
    // `aws-name`: `branch` was the slug of the stacks below, whose own branch is `stackBranch`.
    matchedBy: plan.awsNameOf === null ? 'branch' : 'aws-name',
    ...(plan.awsNameOf === null ? {} : { stackBranch: plan.awsNameOf.branch }),
    targets: plan.targets.map((t) => ({
      role: t.role,
      stackName: t.stackName,
      status: t.state.kind === 'absent' ? null : t.state.status,
    })),
    artifactBucket: plan.artifactBucket,
    appStackLeft: plan.appStackLeft,
    result: result === null ? (refusal === undefined ? 'nothing-to-do' : 'refused') : result.kind,
    deleted: result?.deleted ?? [],
    ...(refusal === undefined ? {} : { refusal: { code: refusal.code, message: refusal.message } }),
    ...(result?.kind === 'bucket-not-emptied'
      ? { bucket: { name: result.bucket, action: result.action, message: result.message } }
      : {}),
    ...(result?.kind === 'failed'
      ? {
          failure: {
            stackName: result.stackName,
            status: result.status,
            reason: result.failure?.reason ?? result.statusReason ?? null,
            denials: result.explanation?.report.denials ?? [],
          },
        }
      : {}),
  };
}

/** The `list --json` document. */
export function listJson(
  prefix: string,
  region: string,
  rows: readonly BranchPipeline[],
): Record<string, unknown> {
  return { prefix, region, pipelines: rows };
}
