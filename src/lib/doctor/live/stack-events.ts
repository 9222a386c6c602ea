/**
 * A stack's last failed operation: its events, nested stacks included, read newest first and
 * stopping at the event that began the operation. Status reasons often hold the denial
 * ("API: iam:CreateRole User: … is not authorized …"), so each failed event's reason goes
 * through the denial parser.
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DescribeStackEvents.html
 */
import { DescribeStackEventsCommand, type StackEvent } from '@aws-sdk/client-cloudformation';

import { InputError } from '../../errors.js';
import { firstFailure } from '../../stacks/events.js';
import { toActivity } from '../../stacks/events.js';
import type { StackActivity } from '../../stacks/types.js';
import { parseDenialText } from '../parse/index.js';
import type { ParsedDenial } from '../types.js';
import { awsErrorName, deniedAction, isAccessDenied, read, type LiveReader } from './reads.js';
import type { FailureSummary, StackDetails, StackEventSummary, UnreadEvidence } from './types.js';

const STACK_TYPE = 'AWS::CloudFormation::Stack';

// The stack's own event that begins an operation. Rollbacks and cleanups belong to the
// operation that caused them; REVIEW_IN_PROGRESS (a change set's empty stack) comes before
// the CREATE_IN_PROGRESS of its execution.
const OPERATION_START = new Set([
  'CREATE_IN_PROGRESS',
  'UPDATE_IN_PROGRESS',
  'DELETE_IN_PROGRESS',
  'IMPORT_IN_PROGRESS',
]);

// Pages of one stack's events read at most, looking for the last failed operation.
const MAX_PAGES = 10;
const MAX_NESTED_STACKS = 10;
const MAX_NESTING = 3;

/** What a stack's last failed operation gave the diagnosis. */
export interface StackReading {
  /** Null when the stack's events could not be read at all. */
  details: StackDetails | null;
  denials: ParsedDenial[];
  failure: FailureSummary;
  /** Lines of text parsed (one per event reason). */
  lines: number;
  bytes: number;
  /** Events that could not be read: the stack's own, or a nested stack's. */
  unread: UnreadEvidence[];
}

function isOwnEvent(event: StackEvent): boolean {
  return event.ResourceType === STACK_TYPE && event.LogicalResourceId === event.StackName;
}

function isStart(event: StackEvent): boolean {
  return isOwnEvent(event) && OPERATION_START.has(event.ResourceStatus ?? '');
}

function failed(event: StackEvent): boolean {
  return (event.ResourceStatus ?? '').endsWith('_FAILED');
}

/** One page of events, newest first. */
async function page(reader: LiveReader, stack: string, nextToken: string | undefined) {
  return read({ service: 'cloudformation', operation: 'DescribeStackEvents' }, () =>
    reader.ctx.cloudformation.send(
      new DescribeStackEventsCommand({
        StackName: stack,
        ...(nextToken === undefined ? {} : { NextToken: nextToken }),
      }),
    ),
  );
}

/**
 * The events of the newest operation that failed (or of the newest operation at all when
 * `failedOnly` finds none), oldest first, and whether a newer operation succeeded.
 */
async function lastOperation(
  reader: LiveReader,
  stack: string,
  notBefore: Date | null,
): Promise<{ events: StackEvent[]; newer: StackEvent | null }> {
  let operation: StackEvent[] = [];
  let newer: StackEvent | null = null;
  let fallback: StackEvent[] | null = null;
  let nextToken: string | undefined;
  for (let n = 0; n < MAX_PAGES; n += 1) {
    const output = await page(reader, stack, nextToken);
    for (const event of output.StackEvents ?? []) {
      if (notBefore !== null && (event.Timestamp ?? new Date(0)) < notBefore) {
        return { events: operation.reverse(), newer };
      }
      operation.push(event);
      if (!isStart(event)) continue;
      // One whole operation read: keep it if it failed, else look at the one before it.
      if (operation.some(failed) || notBefore !== null) {
        return { events: operation.reverse(), newer };
      }
      fallback ??= [...operation].reverse();
      newer ??= operation[0] ?? null;
      operation = [];
    }
    nextToken = output.NextToken;
    if (nextToken === undefined) break;
  }
  if (operation.some(failed)) return { events: operation.reverse(), newer };
  return { events: fallback ?? operation.reverse(), newer: fallback === null ? newer : null };
}

function summaryOf(activity: StackActivity): StackEventSummary {
  return {
    stackName: activity.stackName,
    logicalId: activity.logicalId,
    resourceType: activity.resourceType,
    status: activity.status,
    reason: activity.reason ?? null,
    timestamp: activity.timestamp.toISOString(),
  };
}

/**
 * Why a stack's events could not be read, as unread evidence, when it is a reason to carry on
 * without them (a missing permission, a stack deleted since); null for any other failure.
 */
function unreadEvents(error: unknown, stack: string): UnreadEvidence | null {
  if (isAccessDenied(error)) {
    const permission = deniedAction(error) ?? 'cloudformation:DescribeStackEvents';
    return {
      kind: 'stack-events',
      location: stack,
      reason: 'access-denied',
      permission,
      message: `The events of stack ${stack} were not read: ${error.message.replace(/^Access denied: /, '').replace(/\.$/, '')}.`,
      suggestions: [
        `Ask for ${permission} on stack ${stack}, or use a profile that has it (--profile).`,
        `Open stack ${stack} in the CloudFormation console: its Events tab shows each failure's reason.`,
        `Then run \`aiproxy doctor --stack ${stack}\` again.`,
      ],
    };
  }
  if (awsErrorName(error) !== 'ValidationError') return null;
  return {
    kind: 'stack-events',
    location: stack,
    reason: 'not-found',
    permission: null,
    message: `Stack ${stack} no longer exists, so its events were not read.`,
    suggestions: [
      'A deleted stack’s events stay readable by its id for 90 days: find the id with `aws cloudformation list-stacks --stack-status-filter DELETE_COMPLETE`, then run `aiproxy doctor --stack <stack id>`.',
    ],
  };
}

/**
 * Reads the stack's last failed operation, nested stacks included. Events the caller may not
 * read, or of a stack deleted since, come back as `unread`; the rest is still read.
 *
 * @throws InputError `STACK_NOT_FOUND` when `required` and the stack does not exist.
 */
export async function readStackOperation(
  reader: LiveReader,
  stackName: string,
  required: boolean,
): Promise<StackReading> {
  let root;
  try {
    root = await lastOperation(reader, stackName, null);
  } catch (error) {
    if (required && awsErrorName(error) === 'ValidationError') {
      throw new InputError('STACK_NOT_FOUND', `No stack named ${stackName} exists.`, {
        suggestions: [
          'Check the name with `aws cloudformation list-stacks`, or pass --region or --profile.',
          'A deleted stack can be read only by its id (arn:aws:cloudformation:…:stack/NAME/ID).',
        ],
        cause: error,
      });
    }
    const unread = unreadEvents(error, stackName);
    if (unread === null) throw error;
    const failure = { phase: null, command: null, exitStatus: null, reason: null, lines: [] };
    return { details: null, denials: [], failure, lines: 0, bytes: 0, unread: [unread] };
  }

  const activities = root.events.map((e) => toActivity(e, false));
  const nestedNames: string[] = [];
  const unread: UnreadEvidence[] = [];
  const start = root.events[0]?.Timestamp ?? null;
  const queue = nestedStackIds(root.events, 1);
  while (queue.length > 0 && nestedNames.length < MAX_NESTED_STACKS) {
    const next = queue.shift() as { id: string; depth: number };
    let nested;
    try {
      nested = await lastOperation(reader, next.id, start);
    } catch (error) {
      const missed = unreadEvents(error, next.id);
      if (missed === null) throw error;
      unread.push(missed);
      nestedNames.push(next.id);
      continue;
    }
    nestedNames.push(nested.events[0]?.StackName ?? next.id);
    activities.push(...nested.events.map((e) => toActivity(e, true)));
    if (next.depth < MAX_NESTING) queue.push(...nestedStackIds(nested.events, next.depth + 1));
  }
  activities.sort((a, b) => a.timestamp.getTime() - b.timestamp.getTime());

  const rootStart = root.events[0];
  const latest = root.events[root.events.length - 1];
  if (root.newer !== null) {
    reader.notes.push(
      `Stack ${stackName}: a newer operation ended ${root.newer.ResourceStatus ?? '?'} at ${root.newer.Timestamp?.toISOString() ?? '?'}; this is the last failed one before it.`,
    );
  }
  const failure = firstFailure(activities);
  const { denials, lines, bytes } = denialsIn(activities);
  return {
    details: {
      name: stackName,
      stackId: rootStart?.StackId ?? null,
      status: latest?.ResourceStatus ?? null,
      operation:
        rootStart !== undefined && isStart(rootStart) ? (rootStart.ResourceStatus ?? null) : null,
      operationStart: rootStart?.Timestamp?.toISOString() ?? null,
      events: activities.length,
      nestedStacks: nestedNames,
      firstFailure: failure === undefined ? null : summaryOf(failure),
    },
    denials,
    failure: {
      phase: failure?.status ?? null,
      command: failure === undefined ? null : `${failure.logicalId} (${failure.resourceType})`,
      exitStatus: null,
      reason: failure?.reason ?? null,
      lines: activities
        .filter((a) => a.status.endsWith('_FAILED') && a.reason !== undefined)
        .slice(-20)
        .map((a) => `${a.stackName} ${a.logicalId} ${a.status}: ${a.reason ?? ''}`),
    },
    lines,
    bytes,
    unread,
  };
}

/** Nested stacks the operation touched: `AWS::CloudFormation::Stack` resources with an ARN. */
function nestedStackIds(events: StackEvent[], depth: number): { id: string; depth: number }[] {
  const ids = new Set<string>();
  for (const event of events) {
    const id = event.PhysicalResourceId ?? '';
    if (event.ResourceType !== STACK_TYPE || isOwnEvent(event) || !id.startsWith('arn:')) continue;
    ids.add(id);
  }
  return [...ids].map((id) => ({ id, depth }));
}

/** The denials in the failed events' reasons; each event is one line of its stack's source. */
function denialsIn(activities: StackActivity[]): {
  denials: ParsedDenial[];
  lines: number;
  bytes: number;
} {
  const denials: ParsedDenial[] = [];
  const linesPerStack = new Map<string, number>();
  let bytes = 0;
  for (const activity of activities) {
    const line = (linesPerStack.get(activity.stackName) ?? 0) + 1;
    linesPerStack.set(activity.stackName, line);
    if (activity.reason === undefined) continue;
    bytes += Buffer.byteLength(activity.reason, 'utf8');
    if (!activity.status.endsWith('_FAILED')) continue;
    denials.push(
      ...parseDenialText(activity.reason, {
        file: `stack-events:${activity.stackName}`,
        line,
        writer: 'aws',
      }),
    );
  }
  return { denials, lines: activities.length, bytes };
}
