import {
  DescribeStacksCommand,
  type CloudFormationClient,
  type Stack,
  type StackStatus,
} from '@aws-sdk/client-cloudformation';

import { toAwsError } from '../aws/errors.js';

/**
 * Every stack status but `DELETE_COMPLETE`, for `ListStacks`: deleted stacks stay listed for
 * 90 days and hold nothing.
 */
export const LIVE_STACK_STATUSES: readonly StackStatus[] = [
  'CREATE_IN_PROGRESS',
  'CREATE_FAILED',
  'CREATE_COMPLETE',
  'ROLLBACK_IN_PROGRESS',
  'ROLLBACK_FAILED',
  'ROLLBACK_COMPLETE',
  'DELETE_IN_PROGRESS',
  'DELETE_FAILED',
  'UPDATE_IN_PROGRESS',
  'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS',
  'UPDATE_COMPLETE',
  'UPDATE_FAILED',
  'UPDATE_ROLLBACK_IN_PROGRESS',
  'UPDATE_ROLLBACK_FAILED',
  'UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS',
  'UPDATE_ROLLBACK_COMPLETE',
  'REVIEW_IN_PROGRESS',
  'IMPORT_IN_PROGRESS',
  'IMPORT_COMPLETE',
  'IMPORT_ROLLBACK_IN_PROGRESS',
  'IMPORT_ROLLBACK_FAILED',
  'IMPORT_ROLLBACK_COMPLETE',
];

/**
 * What can be done with a stack, from its status. Statuses are listed in
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/view-stack-events.html#cfn-console-view-stack-data-resources-status-codes
 *
 * - `absent`: no stack by that name (a deleted stack is not returned by name).
 * - `review`: `REVIEW_IN_PROGRESS`, the empty stack a CREATE change set makes; it has no
 *   resources and takes another CREATE change set.
 * - `stable`: can be updated (`*_COMPLETE` after a create, update or import, including
 *   `UPDATE_ROLLBACK_COMPLETE`, which is a healthy stack whose last update failed).
 * - `recreate`: `ROLLBACK_COMPLETE` (or `CREATE_FAILED`): the first create failed and rolled
 *   back; CloudFormation cannot update it, it must be deleted and created again.
 * - `in-progress`: an operation is running (`*_IN_PROGRESS`).
 * - `update-rollback-failed`: stuck until `continue-update-rollback` succeeds.
 * - `delete-failed`: a delete left resources; delete again, possibly retaining them.
 * - `rollback-failed`: the create's rollback failed; only a delete gets out of it.
 */
export type StackStateKind =
  | 'absent'
  | 'review'
  | 'stable'
  | 'recreate'
  | 'in-progress'
  | 'update-rollback-failed'
  | 'delete-failed'
  | 'rollback-failed';

/** What is known about a stack that exists. */
export interface ExistingStack {
  stackName: string;
  /** The stack's ARN: later calls use it, since a name can be reused after a delete. */
  stackId: string;
  /** The raw status, e.g. `UPDATE_ROLLBACK_COMPLETE`. */
  status: string;
  /** CloudFormation's `StackStatusReason`, when it gave one. */
  statusReason?: string;
  /** The stack's outputs by key. */
  outputs: Record<string, string>;
}

type ExistingKind = Exclude<StackStateKind, 'absent'>;

/** A stack's classified state: one union member per kind, so a `switch` narrows it. */
export type StackState =
  | { kind: 'absent'; stackName: string }
  | { [K in ExistingKind]: ExistingStack & { kind: K } }[ExistingKind];

const STABLE = new Set([
  'CREATE_COMPLETE',
  'UPDATE_COMPLETE',
  'UPDATE_ROLLBACK_COMPLETE',
  'IMPORT_COMPLETE',
  'IMPORT_ROLLBACK_COMPLETE',
  // Only reachable with rollback disabled; CloudFormation accepts updates from it.
  'UPDATE_FAILED',
]);

/** Classifies a raw stack status; see {@link StackStateKind}. */
export function classifyStatus(status: string): StackStateKind {
  // A deleted stack is only returned when asked for by ARN; it is as good as absent.
  if (status === 'DELETE_COMPLETE') return 'absent';
  if (status === 'REVIEW_IN_PROGRESS') return 'review';
  if (status.endsWith('_IN_PROGRESS')) return 'in-progress';
  if (STABLE.has(status)) return 'stable';
  if (status === 'ROLLBACK_COMPLETE' || status === 'CREATE_FAILED') return 'recreate';
  if (status === 'UPDATE_ROLLBACK_FAILED') return 'update-rollback-failed';
  if (status === 'DELETE_FAILED') return 'delete-failed';
  return 'rollback-failed';
}

/** Describes `stackName` (a name or an ARN) and classifies its state. */
export async function describeStackState(
  cf: CloudFormationClient,
  stackName: string,
): Promise<StackState> {
  const stack = await findStack(cf, stackName);
  return stack === undefined ? { kind: 'absent', stackName } : stateOf(stack);
}

/** The classified state of a described stack. */
export function stateOf(stack: Stack): StackState {
  const status = stack.StackStatus ?? 'UNKNOWN';
  const kind = classifyStatus(status);
  if (kind === 'absent') return { kind, stackName: stack.StackName ?? '' };
  return {
    kind,
    stackName: stack.StackName ?? '',
    stackId: stack.StackId ?? stack.StackName ?? '',
    status,
    ...(stack.StackStatusReason === undefined ? {} : { statusReason: stack.StackStatusReason }),
    outputs: outputsOf(stack),
  };
}

/**
 * DescribeStacks, or undefined when the stack does not exist. CloudFormation has no
 * NotFound error for this: it answers `ValidationError` "Stack with id X does not exist".
 */
export async function findStack(
  cf: CloudFormationClient,
  stackName: string,
): Promise<Stack | undefined> {
  try {
    const output = await cf.send(new DescribeStacksCommand({ StackName: stackName }));
    return output.Stacks?.[0];
  } catch (error) {
    if (isStackMissing(error)) return undefined;
    throw await toAwsError(error, { service: 'cloudformation', operation: 'DescribeStacks' });
  }
}

/** Whether an error is CloudFormation's "Stack with id X does not exist". */
export function isStackMissing(error: unknown): boolean {
  return error instanceof Error && /does not exist/.test(error.message);
}

/** A stack's outputs as a plain record. */
export function outputsOf(stack: Stack): Record<string, string> {
  const outputs: Record<string, string> = {};
  for (const output of stack.Outputs ?? []) {
    if (output.OutputKey !== undefined) outputs[output.OutputKey] = output.OutputValue ?? '';
  }
  return outputs;
}
