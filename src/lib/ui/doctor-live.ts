/**
 * Renders a live diagnosis for people: which run was diagnosed and when, what failed, the
 * denials and patches (through the offline report's renderer), where each fix belongs, what
 * the policy simulator said, and the apply plans. Everything that came from AWS or a log is
 * stripped of control characters before it is shown.
 */
import type { ApplyPlan, ApplyResult } from '../doctor/live/apply.js';
import type {
  FailedAction,
  LiveDiagnosis,
  LiveTarget,
  LogSourceInfo,
  Placement,
  Verification,
} from '../doctor/live/types.js';
import { stripControl } from '../text.js';
import { renderDoctorReport } from './doctor-report.js';
import type { Style } from './style.js';

const KIND_WORDS: Record<Placement['kind'], string> = {
  'pipeline-template': 'a role of this project’s pipeline stack',
  'app-template': 'a role of the application’s own template',
  global: 'a global role (made by `aiproxy setup`)',
  foreign: 'a role this application does not own',
};

function clean(text: string | null | undefined): string {
  return stripControl(text ?? '');
}

function when(iso: string | null): string {
  return iso === null
    ? 'at an unknown time'
    : `at ${iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z')}`;
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

/** When the run ended (or began); GetPipelineExecution alone gives neither. */
function runTime(target: LiveTarget): string {
  const iso = target.lastUpdateTime ?? target.startTime;
  return iso === null ? ', started at a time CodePipeline did not report' : ` ${when(iso)}`;
}

function renderTarget(target: LiveTarget, style: Style): string[] {
  if (target.kind !== 'pipeline') {
    const what = target.kind === 'build' ? 'Build' : 'Stack';
    return [
      `${style.bold(what)} ${clean(target.name)} (${clean(target.status) || 'status unknown'}), account ${target.account}, ${target.region}.`,
    ];
  }
  const lines: string[] = [];
  if (target.executionId === null) {
    lines.push(`${style.bold('Pipeline')} ${clean(target.name)}: no run to diagnose.`);
    return lines;
  }
  const which = {
    named: 'the execution asked for',
    latest: 'its latest run',
    'latest-failed': 'its most recent failed run',
  }[target.selection];
  lines.push(
    `${style.bold('Pipeline')} ${clean(target.name)}: execution ${clean(target.executionId)}, ${which}, ${clean(target.status)}${runTime(target)} (account ${target.account}, ${target.region}).`,
  );
  if (target.newerSuccess !== null) {
    lines.push(
      style.yellow(
        `  A newer run already succeeded: ${clean(target.newerSuccess.executionId)} ${when(target.newerSuccess.startTime)}. This failure may be fixed already.`,
      ),
    );
  }
  for (const run of target.newerRuns) {
    lines.push(
      style.dim(
        `  Newer run ${clean(run.executionId)}: ${clean(run.status)} ${when(run.startTime)}.`,
      ),
    );
  }
  return lines;
}

function renderAction(action: FailedAction, style: Style): string[] {
  const name =
    action.stage === null
      ? action.provider
      : `${clean(action.stage)} / ${clean(action.action)} (${clean(action.provider)})`;
  const lines = [`${style.red('✗')} ${style.bold('Failed:')} ${name}`];
  const field = (label: string, value: string | null | undefined): void => {
    if (value) lines.push(`  ${label.padEnd(10)} ${clean(value)}`);
  };
  if (action.build !== null) {
    const b = action.build;
    field('Build', `${b.id} ${b.status ?? ''}${b.failedPhase ? ` in phase ${b.failedPhase}` : ''}`);
    for (const c of b.phaseContexts)
      field('Context', [c.statusCode, c.message].filter(Boolean).join(': '));
    field(
      'Log',
      logField(
        b.log,
        action.unread.some((u) => u.kind === 'build-log'),
      ),
    );
  }
  if (action.stack !== null) {
    const s = action.stack;
    field(
      'Stack',
      `${s.name}: ${s.operation ?? 'operation'} ${when(s.operationStart)}, now ${s.status ?? '?'}; ${plural(s.events, 'event')} read`,
    );
    if (s.nestedStacks.length > 0) field('Nested', s.nestedStacks.join(', '));
  }
  if (action.errorMessage) field('Error', action.errorMessage);
  else if (action.summary) field('Summary', action.summary);
  return lines;
}

/** Where the log came from and how much of it was read. */
function logField(log: LogSourceInfo, unread: boolean): string {
  if (log.kind === 'none') return `none (${log.location})`;
  const from = log.kind === 'cloudwatch' ? 'CloudWatch Logs' : 'S3';
  if (unread && log.pages === 0 && log.bytes === 0) return `${from} ${log.location} (not read)`;
  const read = [plural(log.lines, 'line'), plural(log.bytes, 'byte')];
  if (log.pages > 0) read.push(plural(log.pages, 'page'));
  if (log.truncated) read.push('truncated');
  if (unread) read.push('then not read');
  return `${from} ${log.location} (${read.join(', ')})`;
}

/** `the build log`, `the stack events`, or both. */
function unreadWhat(diagnosis: LiveDiagnosis): string {
  const kinds = new Set(diagnosis.failedActions.flatMap((a) => a.unread.map((u) => u.kind)));
  const what = [];
  if (kinds.has('build-log')) what.push('the build log');
  if (kinds.has('stack-events')) what.push('the stack events');
  return what.join(' and ');
}

/** What could not be read, why, and what to do: a denial may be in it. */
function renderUnread(diagnosis: LiveDiagnosis, style: Style): string[] {
  const lines: string[] = [];
  for (const unread of diagnosis.failedActions.flatMap((a) => a.unread)) {
    lines.push(`  ${'Not read'.padEnd(10)} ${clean(unread.message)}`);
    unread.suggestions.forEach((step, i) => {
      lines.push(`  ${(i === 0 ? 'To do' : '').padEnd(10)} ${style.cyan(clean(step))}`);
    });
  }
  return lines;
}

function renderFailure(action: FailedAction, style: Style): string[] {
  const f = action.failure;
  const lines: string[] = [];
  const field = (label: string, value: string | null): void => {
    if (value) lines.push(`  ${label.padEnd(10)} ${clean(value)}`);
  };
  field('Phase', f.phase);
  field(
    action.stack === null ? 'Command' : 'Resource',
    f.command === null
      ? null
      : `${f.command}${f.exitStatus === null ? '' : ` (exit status ${f.exitStatus})`}`,
  );
  field('Reason', f.reason);
  if (f.lines.length > 0) {
    lines.push(`  ${'Last lines'.padEnd(10)}`);
    for (const line of f.lines) lines.push(style.dim(`    │ ${clean(line)}`));
  }
  return lines;
}

function renderPlacement(place: Placement, style: Style): string[] {
  const lines = [
    `${style.bold('Where the fix belongs:')} ${clean(place.roleName ?? place.roleArn)} is ${KIND_WORDS[place.kind]}.`,
    `  ${clean(place.reason)}`,
    `  ${style.cyan('Fix:')} ${clean(place.fix)}`,
  ];
  if (place.boundaryArn !== null) lines.push(style.dim(`  Boundary: ${clean(place.boundaryArn)}`));
  const policies = place.policies;
  if (policies !== null && !policies.read) {
    lines.push(style.dim(`  Its current policies could not be read: ${clean(policies.reason)}`));
  }
  for (const finding of policies?.findings ?? []) {
    if (finding.verdict === 'not-allowed') continue;
    lines.push(`  ${style.yellow('Already decided:')} ${clean(finding.explanation)}`);
  }
  return lines;
}

function renderVerification(check: Verification, style: Style): string[] {
  const mark =
    check.status === 'allowed'
      ? style.green('✓')
      : check.status === 'still-denied'
        ? style.red('✗')
        : style.yellow('?');
  const lines = [`${style.bold('Check:')} ${mark} ${clean(check.summary)}`];
  if (check.evaluated.length > 0) {
    lines.push(style.dim(`  Evaluated: ${check.evaluated.map(clean).join('; ')}.`));
    lines.push(style.dim(`  Not evaluated: ${check.notEvaluated.map(clean).join('; ')}.`));
  }
  return lines;
}

/** The whole live report. */
export function renderLiveReport(diagnosis: LiveDiagnosis, style: Style): string {
  const out: string[] = [...renderTarget(diagnosis.target, style)];

  if (diagnosis.outcome === 'none') {
    out.push(`${style.green('✓')} Nothing failed: no failure to diagnose.`);
    for (const note of diagnosis.notes) out.push(style.dim(`  note: ${clean(note)}`));
    return `${out.join('\n')}\n`;
  }

  for (const action of diagnosis.failedActions) out.push('', ...renderAction(action, style));

  if (diagnosis.outcome === 'failure') {
    out.push('', `${style.red('✗')} ${style.bold('The failure is not an AWS access denial.')}`);
    for (const action of diagnosis.failedActions) out.push(...renderFailure(action, style));
    for (const note of diagnosis.notes) out.push(style.dim(`  note: ${clean(note)}`));
    return `${out.join('\n')}\n`;
  }

  // Nothing found in what was read, but not everything was: no verdict on the failure.
  if (diagnosis.outcome === 'undetermined') {
    const verdict = `Doctor could not tell whether the failure is an AWS access denial: it could not read ${unreadWhat(diagnosis)}.`;
    out.push('', `${style.yellow('?')} ${style.bold(verdict)}`, ...renderUnread(diagnosis, style));
    for (const action of diagnosis.failedActions) out.push(...renderFailure(action, style));
    for (const note of diagnosis.notes) out.push(style.dim(`  note: ${clean(note)}`));
    return `${out.join('\n')}\n`;
  }

  out.push(
    '',
    renderDoctorReport(
      diagnosis.report,
      {
        file: diagnosis.source.file,
        lines: diagnosis.source.lines,
        notes: diagnosis.notes,
        snippets: diagnosis.snippets,
      },
      style,
    ).trimEnd(),
  );
  for (const place of diagnosis.placement) out.push('', ...renderPlacement(place, style));
  for (const check of diagnosis.verification) {
    out.push('', ...renderVerification(check, style));
  }
  const unread = renderUnread(diagnosis, style);
  if (unread.length > 0) {
    out.push('', `${style.yellow('?')} ${style.bold('Not read, so more denials may be there:')}`);
    out.push(...unread);
  }
  return `${out.join('\n')}\n`;
}

/** One apply plan, as shown before the question. */
export function renderApplyPlan(plan: ApplyPlan, style: Style): string {
  switch (plan.mode) {
    case 'config':
      return [
        style.bold(`Apply: add the patch to ${plan.configPath}`),
        plan.diff === '' ? '  (the statements are already there)' : plan.diff.trimEnd(),
        `Then: ${plan.deployCommand}`,
      ].join('\n');
    case 'direct':
      return [
        style.bold(
          `Apply directly: inline policy ${plan.policyName} on role ${clean(plan.roleName)}`,
        ),
        plan.document,
        style.yellow(`Warning: ${plan.warning}`),
        `Permanent fix: ${clean(plan.permanentFix)}`,
      ].join('\n');
    case 'print':
      return [
        style.bold('Change to make (nothing is written):'),
        clean(plan.instructions),
        plan.snippet.trimEnd(),
      ].join('\n');
  }
}

/** What an applied plan did, and what comes next. */
export function renderApplyResult(result: ApplyResult, style: Style): string {
  const lines = [`${result.changed ? style.green('✓') : '•'} ${clean(result.message)}`];
  if (result.next !== null) lines.push(`  ${style.cyan('Next:')} ${clean(result.next)}`);
  return lines.join('\n');
}
