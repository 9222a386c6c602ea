/**
 * What each failed action gave: its own error message (a pipeline role's denial on the
 * artifact bucket shows up only there), and by provider the CodeBuild build and its log or the
 * CloudFormation stack's last operation.
 */
import type { ActionExecutionDetail } from '@aws-sdk/client-codepipeline';

import { parseDenialText } from '../parse/index.js';
import type { ParsedDenial } from '../types.js';
import type { BuildLogOptions } from './build-log.js';
import { assumedBuild, readBuild, readBuildLog } from './codebuild.js';
import type { LiveReader } from './reads.js';
import { readStackOperation } from './stack-events.js';
import type { FailedAction, FailureSummary } from './types.js';

/** A failed action with the denials found behind it, and how much text was read. */
export interface ActionReading {
  action: FailedAction;
  denials: ParsedDenial[];
  bytes: number;
  lines: number;
}

function emptyFailure(reason: string | null): FailureSummary {
  return { phase: null, command: null, exitStatus: null, reason, lines: [] };
}

/** The denials in an action's own error message and summary, written by AWS. */
function messageDenials(
  stage: string | null,
  action: string | null,
  texts: (string | null)[],
): { denials: ParsedDenial[]; bytes: number; lines: number } {
  const file = `action:${stage ?? '?'}/${action ?? '?'}`;
  const denials: ParsedDenial[] = [];
  let bytes = 0;
  let lines = 0;
  for (const text of texts) {
    if (text === null || text === '') continue;
    denials.push(...parseDenialText(text, { file, line: lines + 1, writer: 'aws' }));
    bytes += Buffer.byteLength(text, 'utf8');
    lines += text.split('\n').length;
  }
  return { denials, bytes, lines };
}

/** Reads everything behind one failed pipeline action. */
export async function readFailedAction(
  reader: LiveReader,
  detail: ActionExecutionDetail,
  options: BuildLogOptions & { region: string },
): Promise<ActionReading> {
  const result = detail.output?.executionResult;
  const stage = detail.stageName ?? null;
  const name = detail.actionName ?? null;
  const provider = detail.input?.actionTypeId?.provider ?? 'Unknown';
  const errorMessage = result?.errorDetails?.message ?? null;
  const summary = result?.externalExecutionSummary ?? null;
  const action: FailedAction = {
    stage,
    action: name,
    provider,
    category: detail.input?.actionTypeId?.category ?? null,
    status: detail.status ?? 'Failed',
    externalExecutionId: result?.externalExecutionId ?? null,
    errorCode: result?.errorDetails?.code ?? null,
    errorMessage,
    summary,
    url: result?.externalExecutionUrl ?? null,
    build: null,
    stack: null,
    failure: emptyFailure(errorMessage ?? summary),
    unread: [],
  };
  const own = messageDenials(stage, name, [
    errorMessage,
    summary === errorMessage ? null : summary,
  ]);
  const reading: ActionReading = { action, ...own };

  const region = detail.input?.region;
  if (region !== undefined && region !== options.region) {
    reader.notes.push(
      `Action ${stage ?? '?'}/${name ?? '?'} ran in ${region}; its build or stack was looked up in ${options.region}. Pass --region ${region} to read it.`,
    );
  }

  const config = { ...detail.input?.configuration, ...detail.input?.resolvedConfiguration };
  if (provider === 'CodeBuild' && action.externalExecutionId !== null) {
    const id = action.externalExecutionId;
    const read = await readBuild(reader, id, false);
    const log = await readBuildLog(
      reader,
      { build: read ?? assumedBuild(id), assumed: read === undefined },
      options,
    );
    action.build = log.details;
    action.failure = { ...log.failure, reason: log.failure.reason ?? action.failure.reason };
    if (log.unread !== null) action.unread.push(log.unread);
    reading.denials.push(...log.denials);
    reading.bytes += log.details.log.bytes;
    reading.lines += log.lines;
  } else if (provider === 'CloudFormation' && config.StackName !== undefined) {
    const stack = await readStackOperation(reader, config.StackName, false);
    action.unread.push(...stack.unread);
    if (stack.details !== null) {
      action.stack = stack.details;
      action.failure = { ...stack.failure, reason: stack.failure.reason ?? action.failure.reason };
      reading.denials.push(...stack.denials);
      reading.bytes += stack.bytes;
      reading.lines += stack.lines;
    }
  }
  return reading;
}

/** A build named with `--build-id`, as a failed action without a stage. */
export async function readBuildTarget(
  reader: LiveReader,
  buildId: string,
  options: BuildLogOptions,
): Promise<ActionReading & { succeeded: boolean }> {
  const read = await readBuild(reader, buildId, true);
  const build = read ?? assumedBuild(buildId);
  const log = await readBuildLog(reader, { build, assumed: read === undefined }, options);
  const action: FailedAction = {
    stage: null,
    action: null,
    provider: 'CodeBuild',
    category: 'Build',
    status: build.buildStatus ?? 'UNKNOWN',
    externalExecutionId: buildId,
    errorCode: null,
    errorMessage: null,
    summary: null,
    url: null,
    build: log.details,
    stack: null,
    failure: log.failure,
    unread: log.unread === null ? [] : [log.unread],
  };
  return {
    action,
    denials: log.denials,
    bytes: log.details.log.bytes,
    lines: log.lines,
    succeeded: build.buildStatus === 'SUCCEEDED' || build.buildStatus === 'IN_PROGRESS',
  };
}

/** A stack named with `--stack`: its last failed operation, as a failed action. */
export async function readStackTarget(
  reader: LiveReader,
  stackName: string,
): Promise<ActionReading & { succeeded: boolean }> {
  const stack = await readStackOperation(reader, stackName, true);
  const details = stack.details;
  const action: FailedAction = {
    stage: null,
    action: null,
    provider: 'CloudFormation',
    category: 'Deploy',
    status: details?.status ?? 'UNKNOWN',
    externalExecutionId: details?.stackId ?? null,
    errorCode: null,
    errorMessage: null,
    summary: null,
    url: null,
    build: null,
    stack: details,
    failure: stack.failure,
    unread: stack.unread,
  };
  return {
    action,
    denials: stack.denials,
    bytes: stack.bytes,
    lines: stack.lines,
    // Unread events are no proof of success: only a read operation without a failure is.
    succeeded: details !== null && details.firstFailure === null,
  };
}
