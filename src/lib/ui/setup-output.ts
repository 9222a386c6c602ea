/**
 * What `aiproxy setup` prints: who and where, what happens to the stack's version, the
 * squatters that stop it, the failure and the doctor's explanation, and the developers'
 * hand-off; or, under `--json`, one object with the same facts. Every value that came from
 * AWS is stripped of control characters before it is shown.
 */
import { DEFAULT_PREFIX } from '../names.js';
import type { DeleteGlobalResult, RemainingBranch } from '../setup/delete.js';
import type { CallerCheck } from '../setup/caller.js';
import type { ExistingGlobalStack, VersionPlan } from '../setup/existing-stack.js';
import type { Attachment, DeveloperHandoff, SetupOutputs } from '../setup/handoff.js';
import type { SetupResult } from '../setup/run.js';
import type { CallerIdentity } from '../aws/identity.js';
import { ExitCode, type ExitCodeValue } from '../errors.js';
import { GLOBAL_OUTPUT_KEYS } from '../templates/global.js';
import { stripControl, toSingleLine } from '../text.js';
import type { Style } from './style.js';

/** "Signed in as … in account … (region)", and what the permission check found. */
export function renderCaller(check: CallerCheck, style: Style): string {
  const { identity, permissions } = check;
  const lines = [
    `Signed in as ${clean(identity.arn)}, account ${identity.account}, region ${identity.region}.`,
  ];
  if (check.kind === 'root') {
    lines.push(
      style.yellow(
        '  The root user can create everything, but an administrator role is the safer choice.',
      ),
    );
  } else if (permissions.status === 'allowed') {
    lines.push(
      style.dim(
        `  The IAM policy simulator confirms it can create the global stack (${permissions.checked.length} actions checked).`,
      ),
    );
  } else if (permissions.status === 'unchecked') {
    lines.push(
      style.yellow(
        `  Could not check its permissions (${toSingleLine(permissions.reason)}); going on: CloudFormation will name any that is missing.`,
      ),
    );
  }
  return lines.join('\n');
}

/** What the run will do with the stack as found. */
export function renderExisting(
  existing: ExistingGlobalStack,
  connectionKept: boolean,
  style: Style,
): string | undefined {
  const lines: string[] = [];
  const { state } = existing;
  if (state.kind === 'absent') {
    lines.push(
      `The global stack ${state.stackName} does not exist yet: this run creates it (${versionWords(existing.version)}).`,
    );
  } else if (state.kind === 'stable') {
    lines.push(
      `The global stack ${state.stackName} is ${state.status}: ${versionWords(existing.version)}.`,
    );
  }
  if (connectionKept) {
    lines.push(
      style.dim(
        '  Keeping its source connection (neither --connection-arn nor --create-connection was given).',
      ),
    );
  }
  return lines.length === 0 ? undefined : lines.join('\n');
}

function versionWords(plan: VersionPlan): string {
  switch (plan.kind) {
    case 'new':
      return `template version ${plan.cliVersion}`;
    case 'same':
      return `it is at template version ${plan.stackVersion}, as this CLI; checking for changes`;
    case 'upgrade':
      return plan.stackVersion === undefined
        ? `it has no version marker; this run upgrades it to version ${plan.cliVersion}`
        : `this run upgrades it from template version ${plan.stackVersion} to ${plan.cliVersion}`;
    case 'cli-too-old':
      return `it is at template version ${plan.stackVersion}, newer than this CLI's ${plan.cliVersion}`;
  }
}

/** The exit code of a `setup` result (see the table in `--help`). */
export function setupExitCode(result: SetupResult): ExitCodeValue {
  switch (result.kind) {
    case 'deployed':
    case 'no-changes':
      if (result.attachments.some((a) => a.status === 'failed')) return ExitCode.Aws;
      if (result.attachments.some((a) => a.status === 'declined')) return ExitCode.Refused;
      return ExitCode.Ok;
    case 'failed':
      return result.failure.denials.length > 0 ? ExitCode.DenialsFound : ExitCode.OtherFailure;
    default:
      return ExitCode.Refused;
  }
}

/** The result for people. */
export function renderSetupResult(result: SetupResult, style: Style): string {
  const name = result.stackName;
  switch (result.kind) {
    case 'deployed':
    case 'no-changes': {
      const head =
        result.kind === 'no-changes'
          ? `${style.green('✓')} No changes: the global stack ${name} is up to date.`
          : `${style.green('✓')} Global stack ${name} ${result.operation === 'create' ? 'created' : 'updated'} (template version ${result.handoff.outputs.version}).`;
      return [head, '', renderHandoff(result.handoff, result.attachments, style)].join('\n');
    }
    case 'squatters':
      return [
        `${style.red('✗')} ${result.squatters.length} role(s) under ${result.path} do not carry the workload boundary:`,
        ...result.squatters.map(
          (s) =>
            `  ${clean(s.roleArn)}  ${style.dim(s.boundaryArn === undefined ? '(no boundary)' : `(boundary ${clean(s.boundaryArn)})`)}`,
        ),
        '',
        `The execution role may adopt or edit roles under ${result.path}, so any role there without the`,
        'boundary is a way out of it. Nothing was changed. Delete these roles, move them out of the',
        `path, or (if they are yours) give them the boundary; then run \`aiproxy setup\` again.`,
      ].join('\n');
    case 'cli-too-old':
      return [
        `${style.red('✗')} ${result.version.kind === 'cli-too-old' ? result.version.message : ''}`,
        'Nothing was changed: this CLI would take away what the newer template added.',
      ].join('\n');
    case 'refused':
      return [
        `${style.red('✗')} Refused: ${result.refusal.reason}`,
        'Nothing was changed and the change set was deleted. Replacing these would strip every',
        'application role of its boundary or break every delegated stack: migrate them deliberately.',
      ].join('\n');
    case 'declined':
      if (result.stage === 'recreate') {
        return `Left ${name} as it is. It cannot be updated until it is deleted and created again: run \`aiproxy setup\` and accept.`;
      }
      return result.firstCreate
        ? `Declined: nothing was created, and the empty ${name} stack (REVIEW_IN_PROGRESS) was deleted.`
        : `Declined: ${name} was not changed, and the change set was deleted.`;
    case 'failed':
      return renderFailure(result, style);
    case 'interrupted':
      return [
        `Stopped waiting: ${name} is ${result.status} and CloudFormation goes on without us.`,
        `Follow it with: ${result.followCommand}`,
        'Then run `aiproxy setup` again to see the outcome and the developer hand-off.',
      ].join('\n');
  }
}

function renderFailure(result: Extract<SetupResult, { kind: 'failed' }>, style: Style): string {
  const lines = [
    `${style.red('✗')} The ${result.operation} of ${result.stackName} failed: it is ${result.status}.`,
  ];
  const event = result.failure.event;
  if (event !== undefined) {
    lines.push(
      `  First failure: ${event.resourceType} ${event.logicalId} ${event.status}`,
      `  ${toSingleLine(event.reason ?? '(no reason given)')}`,
    );
  } else if (result.statusReason !== undefined) {
    lines.push(`  ${toSingleLine(result.statusReason)}`);
  }
  for (const denial of result.failure.denials) {
    lines.push('', style.bold('What the doctor makes of it'), wrap(clean(denial.explanation), 92));
  }
  if (result.operation === 'create' && result.status === 'ROLLBACK_COMPLETE') {
    lines.push(
      '',
      'Fix the cause, then run `aiproxy setup` again: it offers to delete and recreate the stack.',
    );
  } else {
    lines.push('', 'Fix the cause, then run `aiproxy setup` again.');
  }
  return lines.join('\n');
}

/** The developers' hand-off: the policy, how to attach it, and what to run next. */
export function renderHandoff(
  handoff: DeveloperHandoff,
  attachments: Attachment[],
  style: Style,
): string {
  const { outputs } = handoff;
  const lines = [
    style.bold('For developers'),
    `  Developer policy: ${clean(outputs.developerPolicyArn)}`,
    "  Attach it to the developers' group or role (or `--attach-to-group`/`--attach-to-role`):",
    ...handoff.attachCommands.map((command) => `    ${clean(command)}`),
    `  or, in an IAM Identity Center permission set, as the customer managed policy`,
    `    ${handoff.developerPolicy.name} with path ${handoff.developerPolicy.path}`,
  ];
  for (const attachment of attachments) lines.push(`  ${attachmentWords(attachment, style)}`);
  lines.push('  Then a developer runs:', `    ${handoff.nextCommand}`);

  if (handoff.pendingConnection !== undefined) {
    lines.push(
      '',
      style.bold('Source connection'),
      '  A connection setup creates stays PENDING until an admin completes the handshake with',
      '  the provider, once, at',
      `    ${handoff.pendingConnection.consoleUrl}`,
      '  (choose the connection, "Update pending connection"). Pipelines fail until then.',
    );
  }
  lines.push(
    '',
    style.bold('Outputs'),
    `  ExecutionRoleArn    ${clean(outputs.executionRoleArn)}`,
    `  PipelineRoleArn     ${clean(outputs.pipelineRoleArn)}`,
    `  BoundaryPolicyArn   ${clean(outputs.boundaryPolicyArn)}`,
    `  DeveloperPolicyArn  ${clean(outputs.developerPolicyArn)}`,
    ...(outputs.connectionArn === undefined
      ? []
      : [`  ConnectionArn       ${clean(outputs.connectionArn)}`]),
    `  Version             ${clean(outputs.version)}`,
  );
  return lines.join('\n');
}

function attachmentWords(attachment: Attachment, style: Style): string {
  const target = `${attachment.kind} ${attachment.name}`;
  switch (attachment.status) {
    case 'attached':
      return `${style.green('✓')} Attached to the ${target}.`;
    case 'declined':
      return `${style.yellow('!')} Not attached to the ${target}: ${toSingleLine(attachment.reason)}`;
    case 'failed':
      return `${style.red('✗')} Could not attach it to the ${target}: ${toSingleLine(attachment.error.message)}`;
  }
}

/** The result as one JSON object: the outputs on success, the reason otherwise. */
export function setupResultJson(result: SetupResult): Record<string, unknown> {
  const base = {
    result: result.kind,
    stackName: result.stackName,
    caller: callerJson(result.caller),
    version: result.version,
  };
  switch (result.kind) {
    case 'deployed':
    case 'no-changes':
      return {
        ...base,
        ...(result.operation === undefined ? {} : { operation: result.operation }),
        outputs: outputsJson(result.handoff.outputs),
        developerPolicy: result.handoff.developerPolicy,
        attachCommands: result.handoff.attachCommands,
        nextCommand: result.handoff.nextCommand,
        ...(result.handoff.pendingConnection === undefined
          ? {}
          : { pendingConnection: result.handoff.pendingConnection }),
        attachments: result.attachments.map((a) =>
          a.status === 'failed'
            ? { kind: a.kind, name: a.name, status: a.status, error: a.error.message }
            : a,
        ),
      };
    case 'squatters':
      return { ...base, path: result.path, squatters: result.squatters };
    case 'refused':
      return { ...base, reason: result.refusal.reason, changes: result.refusal.changes };
    case 'declined':
      return { ...base, stage: result.stage, firstCreate: result.firstCreate };
    case 'failed':
      return {
        ...base,
        operation: result.operation,
        status: result.status,
        ...(result.statusReason === undefined ? {} : { statusReason: result.statusReason }),
        ...(result.failure.event === undefined ? {} : { failedEvent: result.failure.event }),
        denials: result.failure.denials.map((d) => ({
          principal: d.principal,
          action: d.action ?? d.likelyAction,
          resource: d.resource,
          explanation: d.explanation,
        })),
      };
    case 'interrupted':
      return { ...base, status: result.status, followCommand: result.followCommand };
    case 'cli-too-old':
      return base;
  }
}

type DeleteOutcome = DeleteGlobalResult & { caller: CallerIdentity };

/** The exit code of `setup --delete`. */
export function deleteExitCode(result: DeleteOutcome): ExitCodeValue {
  if (result.kind === 'deleted' || result.kind === 'absent') return ExitCode.Ok;
  if (result.kind === 'failed') return ExitCode.OtherFailure;
  return ExitCode.Refused;
}

/** The result of `setup --delete` for people. */
export function renderDeleteResult(result: DeleteOutcome, style: Style): string {
  const name = result.stackName;
  switch (result.kind) {
    case 'branch-stacks-remain':
      return [
        `${style.red('✗')} Not deleting ${name}: ${result.remaining.length} pipeline or application stack(s) still use it:`,
        ...result.remaining.map((s) => `  ${clean(s.stackName)}  ${style.dim(s.status)}`),
        '',
        'They were made with its execution role and could no longer be updated or deleted without it.',
        'Destroy each branch first (`destroy` deletes the app stack first, empties the artifact',
        'bucket and deletes as the execution role), then run `aiproxy setup --delete` again:',
        ...result.branches.map((b) => {
          const note =
            b.branch === null ? style.dim('  # its AWS name: no branch is recorded') : '';
          return `  ${destroyCommand(b, result)}${note}`;
        }),
      ].join('\n');
    case 'absent':
      return `Nothing to delete: there is no stack ${name} in ${result.caller.region}.`;
    case 'deleted':
      return [
        `${style.green('✓')} Deleted ${name}.`,
        ...(result.retainedBoundaryArn === undefined
          ? []
          : [
              `The workload boundary is kept on purpose (DeletionPolicy Retain): ${result.retainedBoundaryArn}`,
              `Delete it once no role uses it, before any new setup in this region:`,
              `  aws iam delete-policy --policy-arn ${result.retainedBoundaryArn}`,
            ]),
      ].join('\n');
    case 'declined':
      return `Declined: ${name} was not deleted.`;
    case 'failed':
      return [
        `${style.red('✗')} Deleting ${name} failed: it is ${result.status}.`,
        ...(result.failure?.reason === undefined
          ? []
          : [`  ${result.failure.logicalId}: ${toSingleLine(result.failure.reason)}`]),
        'Fix the cause, then run `aiproxy setup --delete` again.',
      ].join('\n');
    case 'interrupted':
      return [
        `Stopped waiting: the delete of ${name} goes on without us.`,
        `Follow it with: ${result.followCommand}`,
      ].join('\n');
  }
}

/** `setup --delete` as one JSON object. */
export function deleteResultJson(result: DeleteOutcome): Record<string, unknown> {
  const { caller, ...rest } = result;
  return {
    ...rest,
    ...(result.kind === 'branch-stacks-remain'
      ? { branches: result.branches.map((b) => ({ ...b, command: destroyCommand(b, result) })) }
      : {}),
    result: result.kind,
    caller: callerJson(caller),
  };
}

/**
 * The `aiproxy destroy` that removes a remaining branch, ready to paste: it takes the slug when
 * the branch is unknown, and names the prefix and region the admin's run used.
 */
function destroyCommand(
  branch: RemainingBranch,
  result: { prefix: string; caller: CallerIdentity },
): string {
  return [
    'aiproxy destroy --branch',
    shellWord(clean(branch.branch ?? branch.slug)),
    '--with-app',
    ...(result.prefix === DEFAULT_PREFIX ? [] : ['--prefix', result.prefix]),
    '--region',
    result.caller.region,
  ].join(' ');
}

/** A word a POSIX shell reads back unchanged: git allows `$`, `;` and quotes in branch names. */
function shellWord(text: string): string {
  return /^[\w./:@=+-]+$/.test(text) ? text : `'${text.replaceAll("'", `'\\''`)}'`;
}

/** The outputs under the stack's own output keys, as `deploy` and scripts read them. */
function outputsJson(outputs: SetupOutputs): Record<string, string> {
  const keys = GLOBAL_OUTPUT_KEYS;
  return {
    [keys.executionRoleArn]: outputs.executionRoleArn,
    [keys.pipelineRoleArn]: outputs.pipelineRoleArn,
    [keys.boundaryPolicyArn]: outputs.boundaryPolicyArn,
    [keys.developerPolicyArn]: outputs.developerPolicyArn,
    ...(outputs.connectionArn === undefined ? {} : { [keys.connectionArn]: outputs.connectionArn }),
    [keys.version]: outputs.version,
  };
}

function callerJson(caller: CallerIdentity): Record<string, string> {
  return { arn: caller.arn, account: caller.account, region: caller.region };
}

function clean(text: string): string {
  return stripControl(text);
}

function wrap(text: string, width: number): string {
  const lines: string[] = [];
  for (const paragraph of text.split('\n')) {
    let line = '';
    for (const word of paragraph.split(/\s+/)) {
      if (line !== '' && line.length + word.length + 1 > width) {
        lines.push(`  ${line}`);
        line = word;
      } else {
        line = line === '' ? word : `${line} ${word}`;
      }
    }
    lines.push(`  ${line}`);
  }
  return lines.join('\n');
}
