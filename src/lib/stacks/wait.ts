import {
  DescribeStacksCommand,
  ExecuteChangeSetCommand,
  type CloudFormationClient,
  type Stack,
} from '@aws-sdk/client-cloudformation';

import { callAws } from '../aws/call.js';
import { toAwsError } from '../aws/errors.js';
import { firstFailure, StackEventFollower } from './events.js';
import { interruptOnSigint, poller } from './polling.js';
import { isStackMissing, outputsOf } from './state.js';
import type { PollingOptions, StackActivity } from './types.js';

/** Options for {@link waitForStack}. */
export interface WaitForStackOptions {
  /** The stack's ARN (a name would stop resolving once a delete completes). */
  stackId: string;
  /** The stack's name, for the "how to follow it" command. */
  stackName: string;
  /** Follows the events from here; start one before the operation so no event is missed. */
  follower?: StackEventFollower;
  /** Receives every new stack event, oldest first. */
  onActivity?: (activity: StackActivity) => void;
  /** Aborting it stops the wait (not the operation); by default Ctrl-C does. */
  signal?: AbortSignal;
  /** Poll timing; tests make it instant. */
  polling?: PollingOptions;
}

/** How a wait ended. */
export type WaitResult =
  | {
      kind: 'succeeded';
      /** The final status, e.g. `UPDATE_COMPLETE`, `DELETE_COMPLETE`. */
      status: string;
      /** The stack's outputs by key (empty after a delete). */
      outputs: Record<string, string>;
    }
  | {
      kind: 'failed';
      /** The final status, e.g. `ROLLBACK_COMPLETE`, `UPDATE_ROLLBACK_COMPLETE`, `DELETE_FAILED`. */
      status: string;
      /** The stack's `StackStatusReason`. */
      statusReason?: string;
      /** The first failed event: its `reason` is what the doctor's parser should read. */
      failure?: StackActivity;
    }
  | {
      kind: 'interrupted';
      /** The status when the wait stopped; the operation goes on. */
      status: string;
      /** A command that shows the operation's progress. */
      followCommand: string;
    };

/** Statuses that end an operation successfully; every other terminal status is a failure. */
const SUCCEEDED = new Set([
  'CREATE_COMPLETE',
  'UPDATE_COMPLETE',
  'IMPORT_COMPLETE',
  'DELETE_COMPLETE',
]);

/**
 * Starts a change set. Returns the follower that reports the execution's events: it is
 * started before the execution, so the operation's first events are not lost.
 */
export async function executeChangeSet(
  cf: CloudFormationClient,
  options: { stackId: string; changeSetName: string; fromStart?: boolean },
): Promise<StackEventFollower> {
  const follower = await StackEventFollower.start(cf, options.stackId, {
    ...(options.fromStart === undefined ? {} : { fromStart: options.fromStart }),
  });
  await callAws({ service: 'cloudformation', operation: 'ExecuteChangeSet' }, () =>
    cf.send(
      new ExecuteChangeSetCommand({
        StackName: options.stackId,
        ChangeSetName: options.changeSetName,
      }),
    ),
  );
  return follower;
}

/**
 * Waits until the stack's current operation ends, reporting its events live. Polls
 * DescribeStacks rather than using the SDK's waiters: those throw on a failed state and
 * cannot report events or be interrupted.
 */
export async function waitForStack(
  cf: CloudFormationClient,
  options: WaitForStackOptions,
): Promise<WaitResult> {
  const timing = poller(options.polling);
  const interrupt = interruptOnSigint(options.signal);
  const follower = options.follower ?? (await StackEventFollower.start(cf, options.stackId));
  const seen: StackActivity[] = [];

  try {
    for (;;) {
      const stack = await describeById(cf, options.stackId);
      // Read events after the status, so the events that led to a final status are in.
      for (const activity of await follower.poll()) {
        seen.push(activity);
        options.onActivity?.(activity);
      }
      const status = stack?.StackStatus ?? 'DELETE_COMPLETE';
      if (!status.endsWith('_IN_PROGRESS')) return ended(status, stack, seen);

      const slept = await timing.sleep(timing.intervalMs, interrupt.signal);
      if (!slept || interrupt.signal.aborted) {
        return { kind: 'interrupted', status, followCommand: await followCommand(cf, options) };
      }
    }
  } finally {
    interrupt.dispose();
  }
}

function ended(status: string, stack: Stack | undefined, seen: StackActivity[]): WaitResult {
  if (SUCCEEDED.has(status)) {
    return { kind: 'succeeded', status, outputs: stack === undefined ? {} : outputsOf(stack) };
  }
  const failure = firstFailure(seen);
  return {
    kind: 'failed',
    status,
    ...(stack?.StackStatusReason === undefined ? {} : { statusReason: stack.StackStatusReason }),
    ...(failure === undefined ? {} : { failure }),
  };
}

/** DescribeStacks by ARN; a deleted stack is still returned (DELETE_COMPLETE) for a while. */
async function describeById(cf: CloudFormationClient, stackId: string): Promise<Stack | undefined> {
  try {
    const output = await cf.send(new DescribeStacksCommand({ StackName: stackId }));
    return output.Stacks?.[0];
  } catch (error) {
    if (isStackMissing(error)) return undefined;
    throw await toAwsError(error, { service: 'cloudformation', operation: 'DescribeStacks' });
  }
}

/** `aws cloudformation describe-stack-events …`, with `--region` when it is known. */
async function followCommand(
  cf: CloudFormationClient,
  options: { stackName: string },
): Promise<string> {
  let region: string | undefined;
  try {
    region = await cf.config.region();
  } catch {
    region = undefined;
  }
  const regionFlag = region === undefined ? '' : ` --region ${region}`;
  return `aws cloudformation describe-stack-events --stack-name ${options.stackName}${regionFlag}`;
}
