import { DeleteStackCommand, type CloudFormationClient } from '@aws-sdk/client-cloudformation';

import { callAws } from '../aws/call.js';
import { AwsError } from '../errors.js';
import { StackEventFollower } from './events.js';
import { describeStackState } from './state.js';
import type { PollingOptions, StackActivity } from './types.js';
import { waitForStack, type WaitResult } from './wait.js';

/** Options for {@link deleteStack}. */
export interface DeleteStackOptions {
  cloudformation: CloudFormationClient;
  stackName: string;
  /** The role CloudFormation deletes as (the execution role for delegated stacks). */
  roleArn?: string;
  /**
   * Logical IDs to leave in place. CloudFormation accepts this only for a stack in
   * DELETE_FAILED, for resources it could not delete (a non-empty bucket, say).
   */
  retainResources?: string[];
  /** Asked before deleting; answering false ends with `declined`. Omit to delete without asking. */
  confirm?: (question: { stackName: string; status: string; message: string }) => Promise<boolean>;
  /** When another operation is running: wait for it (true) or stop with STACK_BUSY (false). */
  waitIfBusy?: boolean;
  /** Receives the deletion's stack events. */
  onActivity?: (activity: StackActivity) => void;
  /** Aborting it stops the wait (the delete goes on); by default Ctrl-C does. */
  signal?: AbortSignal;
  polling?: PollingOptions;
}

/** How a delete ended. */
export type DeleteStackResult =
  | { kind: 'absent'; stackName: string }
  | { kind: 'deleted'; stackName: string; stackId: string }
  | { kind: 'declined'; stackName: string }
  | {
      kind: 'failed';
      stackName: string;
      stackId: string;
      status: string;
      statusReason?: string;
      /** The first failed event; its reason names what could not be deleted and why. */
      failure?: StackActivity;
    }
  | { kind: 'interrupted'; stackName: string; stackId: string; followCommand: string };

/**
 * Deletes a stack and waits for the end, reporting its events. A stack in DELETE_FAILED is
 * deleted again (with `retainResources` if given); a running operation is waited for or
 * reported, never raced.
 */
export async function deleteStack(options: DeleteStackOptions): Promise<DeleteStackResult> {
  const cf = options.cloudformation;
  const { stackName } = options;
  let state = await describeStackState(cf, stackName);

  if (state.kind === 'in-progress') {
    if (options.waitIfBusy !== true) throw stackBusy(stackName, state.status);
    const waited = await waitForStack(cf, { ...waitOptions(options), stackId: state.stackId });
    if (waited.kind === 'interrupted') {
      return {
        kind: 'interrupted',
        stackName,
        stackId: state.stackId,
        followCommand: waited.followCommand,
      };
    }
    state = await describeStackState(cf, stackName);
  }
  if (state.kind === 'absent') return { kind: 'absent', stackName };

  if (options.confirm !== undefined) {
    const message = `Delete stack ${stackName} (${state.status}) and the resources it holds?`;
    const yes = await options.confirm({ stackName, status: state.status, message });
    if (!yes) return { kind: 'declined', stackName };
  }

  const ended = await deleteAndWait(cf, {
    ...waitOptions(options),
    stackId: state.stackId,
    ...(options.roleArn === undefined ? {} : { roleArn: options.roleArn }),
    ...(state.kind === 'delete-failed' && options.retainResources !== undefined
      ? { retainResources: options.retainResources }
      : {}),
  });
  return deleteResult(stackName, state.stackId, ended);
}

/** Sends DeleteStack for `stackId` and waits for DELETE_COMPLETE (or the failure). */
export async function deleteAndWait(
  cf: CloudFormationClient,
  options: {
    stackId: string;
    stackName: string;
    roleArn?: string;
    retainResources?: string[];
    onActivity?: (activity: StackActivity) => void;
    signal?: AbortSignal;
    polling?: PollingOptions;
  },
): Promise<WaitResult> {
  const follower = await StackEventFollower.start(cf, options.stackId);
  await callAws({ service: 'cloudformation', operation: 'DeleteStack' }, () =>
    cf.send(
      new DeleteStackCommand({
        StackName: options.stackId,
        ...(options.roleArn === undefined ? {} : { RoleARN: options.roleArn }),
        ...(options.retainResources === undefined
          ? {}
          : { RetainResources: options.retainResources }),
      }),
    ),
  );
  return waitForStack(cf, { ...options, follower });
}

function waitOptions(options: DeleteStackOptions) {
  return {
    stackName: options.stackName,
    ...(options.onActivity === undefined ? {} : { onActivity: options.onActivity }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
    ...(options.polling === undefined ? {} : { polling: options.polling }),
  };
}

function deleteResult(stackName: string, stackId: string, ended: WaitResult): DeleteStackResult {
  if (ended.kind === 'succeeded') return { kind: 'deleted', stackName, stackId };
  if (ended.kind === 'interrupted') {
    return { kind: 'interrupted', stackName, stackId, followCommand: ended.followCommand };
  }
  return { ...ended, stackName, stackId };
}

/** The error for a stack that is busy with another operation. */
export function stackBusy(stackName: string, status: string): AwsError {
  return new AwsError(
    'STACK_BUSY',
    `Stack ${stackName} is ${status}: another operation is running on it.`,
    {
      suggestions: [
        `Follow it with \`aws cloudformation describe-stack-events --stack-name ${stackName}\`, then run this command again.`,
      ],
    },
  );
}
