import {
  GetTemplateCommand,
  type CloudFormationClient,
  type DescribeChangeSetCommandOutput,
} from '@aws-sdk/client-cloudformation';

import { callAws } from '../aws/call.js';
import { AwsError } from '../errors.js';
import {
  deleteChangeSet,
  prepareChangeSet,
  type PrepareChangeSetOptions,
  type PrepareChangeSetResult,
} from './change-set.js';
import { deleteAndWait, stackBusy } from './delete.js';
import type { ChangeSetGuard, GuardRefusal } from './guards.js';
import { describeStackState, type StackState } from './state.js';
import { parseTemplate, type TemplateObject } from './template-body.js';
import type { PollingOptions, StackActivity, StackChange } from './types.js';
import { executeChangeSet, waitForStack, type WaitResult } from './wait.js';

/** What the caller is shown before being asked: enough to render the diff. */
export interface ChangeSetReview {
  stackName: string;
  changeSetType: 'CREATE' | 'UPDATE';
  /** The resource changes, from the change set. */
  changes: StackChange[];
  /** The change set as described (for `fullDiff`'s replacement details). */
  changeSet: DescribeChangeSetCommandOutput;
  /** The deployed template (empty for a create). */
  currentTemplate: TemplateObject;
  /** The template about to be deployed. */
  newTemplate: TemplateObject;
}

/** A question for the user; the command decides how to ask (prompt, `--yes`, refusal). */
export type ConfirmQuestion =
  | { kind: 'execute'; stackName: string; changeSetType: 'CREATE' | 'UPDATE'; message: string }
  | { kind: 'recreate'; stackName: string; status: string; statusReason?: string; message: string };

/** Progress of a deploy, for a live display. */
export type DeployProgress =
  | { type: 'state'; state: StackState }
  | { type: 'waiting'; stackName: string; status: string }
  | { type: 'deleting'; stackName: string; why: 'recreate' | 'cleanup' }
  | { type: 'change-set'; stackName: string; changeSetType: 'CREATE' | 'UPDATE' }
  | { type: 'executing'; stackName: string; changeSetType: 'CREATE' | 'UPDATE' }
  | { type: 'activity'; activity: StackActivity };

/** Options for {@link deployStack}: the change set's inputs plus the caller's callbacks. */
export interface DeployStackOptions extends Omit<PrepareChangeSetOptions, 'changeSetType'> {
  cloudformation: CloudFormationClient;
  /** Refuses change sets that must not run (e.g. replacing the workload boundary). */
  guard?: ChangeSetGuard;
  /** Shows the change set before the question (render it with `renderChangeSet`). */
  show?: (review: ChangeSetReview) => void | Promise<void>;
  /** Asks; false (or a thrown error) declines, and nothing half-done is left behind. */
  confirm: (question: ConfirmQuestion) => Promise<boolean>;
  /** Receives progress, stack events included. */
  onProgress?: (event: DeployProgress) => void;
  /** When another operation is running: wait for it (true) or stop with STACK_BUSY (false). */
  waitIfBusy?: boolean;
  /** Aborting it stops waiting (the operation goes on); by default Ctrl-C does. */
  signal?: AbortSignal;
  polling?: PollingOptions;
}

/** How a deploy ended. Errors (credentials, a failed change set, stuck stacks) are thrown. */
export type DeployStackResult =
  | {
      kind: 'deployed';
      stackName: string;
      stackId: string;
      operation: 'create' | 'update';
      outputs: Record<string, string>;
      changes: StackChange[];
    }
  | { kind: 'no-changes'; stackName: string; stackId: string; outputs: Record<string, string> }
  | { kind: 'declined'; stackName: string; stage: 'recreate' | 'execute' }
  | { kind: 'refused'; stackName: string; refusal: GuardRefusal }
  | {
      kind: 'failed';
      stackName: string;
      stackId: string;
      operation: 'create' | 'update' | 'delete';
      status: string;
      statusReason?: string;
      /** The first failed event: run the doctor's parser on `failure.reason`. */
      failure?: StackActivity;
    }
  | {
      kind: 'interrupted';
      stackName: string;
      stackId: string;
      status: string;
      followCommand: string;
    };

type Deployable = Extract<StackState, { kind: 'absent' | 'review' | 'stable' }>;

/**
 * The whole deploy, shared by `setup` and `deploy`: settle the stack's state, create a
 * change set, show it, ask, execute, follow the events, return the outputs.
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-updating-stacks-changesets.html
 */
export async function deployStack(options: DeployStackOptions): Promise<DeployStackResult> {
  const state = await settleState(options);
  if (!isDeployable(state)) return state;
  const cf = options.cloudformation;
  const changeSetType = state.kind === 'stable' ? 'UPDATE' : 'CREATE';

  options.onProgress?.({ type: 'change-set', stackName: options.stackName, changeSetType });
  const prepared = await prepareChangeSet(cf, { ...options, changeSetType }).catch(
    async (error: unknown) => {
      // A failed CREATE change set leaves an empty REVIEW_IN_PROGRESS stack behind.
      if (changeSetType === 'CREATE') await bestEffort(removeEmptyStack(options));
      throw error;
    },
  );
  if (prepared.kind === 'no-changes') {
    if (changeSetType === 'CREATE') await removeEmptyStack(options);
    const outputs = state.kind === 'absent' ? {} : state.outputs;
    return { kind: 'no-changes', stackName: options.stackName, stackId: prepared.stackId, outputs };
  }

  const discard = async (): Promise<void> => {
    if (changeSetType === 'CREATE') await removeEmptyStack(options, prepared.stackId);
    else await deleteChangeSet(cf, prepared.stackId, prepared.changeSetName);
  };

  const refusal = options.guard?.(prepared.changes);
  if (refusal !== undefined) {
    await discard();
    return { kind: 'refused', stackName: options.stackName, refusal };
  }

  const accepted = await reviewAndAsk(options, prepared, state).catch(async (error: unknown) => {
    await bestEffort(discard());
    throw error;
  });
  if (!accepted) {
    await discard();
    return { kind: 'declined', stackName: options.stackName, stage: 'execute' };
  }

  options.onProgress?.({ type: 'executing', stackName: options.stackName, changeSetType });
  const follower = await executeChangeSet(cf, {
    stackId: prepared.stackId,
    changeSetName: prepared.changeSetName,
  }).catch(async (error: unknown) => {
    // Rejected before anything ran (a missing export, a stale change set): a first deploy
    // leaves no empty stack behind, an update no dead change set.
    await bestEffort(discard());
    throw error;
  });
  const ended = await waitForStack(cf, {
    ...waitOptions(options),
    stackId: prepared.stackId,
    follower,
  });
  const operation = changeSetType === 'CREATE' ? 'create' : 'update';
  return deployResult(options.stackName, prepared.stackId, operation, ended, prepared.changes);
}

function isDeployable(value: StackState | DeployStackResult): value is Deployable {
  return value.kind === 'absent' || value.kind === 'review' || value.kind === 'stable';
}

/**
 * Brings the stack to a state a change set can start from, or ends the deploy: waits out a
 * running operation (if allowed), offers to delete a ROLLBACK_COMPLETE stack, and explains
 * the states only a person can resolve.
 */
async function settleState(options: DeployStackOptions): Promise<Deployable | DeployStackResult> {
  const cf = options.cloudformation;
  const { stackName } = options;
  // Each pass resolves one state; a few passes cover "wait, then recreate".
  for (let pass = 0; pass < 5; pass += 1) {
    const state = await describeStackState(cf, stackName);
    options.onProgress?.({ type: 'state', state });
    if (isDeployable(state)) return state;

    switch (state.kind) {
      case 'in-progress': {
        if (options.waitIfBusy !== true) throw stackBusy(stackName, state.status);
        options.onProgress?.({ type: 'waiting', stackName, status: state.status });
        const waited = await waitForStack(cf, { ...waitOptions(options), stackId: state.stackId });
        if (waited.kind === 'interrupted') return interrupted(stackName, state.stackId, waited);
        break;
      }
      case 'recreate': {
        const message =
          `Stack ${stackName} is ${state.status}: its first create failed and CloudFormation ` +
          'cannot update it. Delete it and create it again?';
        const question: ConfirmQuestion = {
          kind: 'recreate',
          stackName,
          status: state.status,
          ...(state.statusReason === undefined ? {} : { statusReason: state.statusReason }),
          message,
        };
        if (!(await options.confirm(question)))
          return { kind: 'declined', stackName, stage: 'recreate' };
        options.onProgress?.({ type: 'deleting', stackName, why: 'recreate' });
        const deleted = await deleteAndWait(cf, {
          ...waitOptions(options),
          ...roleOption(options),
          stackId: state.stackId,
        });
        if (deleted.kind !== 'succeeded') {
          return deployResult(stackName, state.stackId, 'delete', deleted, []);
        }
        break;
      }
      default:
        throw stuckStack(state, options.roleArn);
    }
  }
  throw new AwsError('STACK_BUSY', `Stack ${stackName} did not settle; run the command again.`);
}

/** Shows the change set and asks whether to execute it. */
async function reviewAndAsk(
  options: DeployStackOptions,
  prepared: Extract<PrepareChangeSetResult, { kind: 'changes' }>,
  state: Deployable,
): Promise<boolean> {
  if (options.show !== undefined) {
    const currentTemplate =
      state.kind === 'stable' ? await currentTemplateOf(options.cloudformation, state.stackId) : {};
    await options.show({
      stackName: options.stackName,
      changeSetType: prepared.changeSetType,
      changes: prepared.changes,
      changeSet: prepared.description,
      currentTemplate,
      newTemplate: parseTemplate(options.templateBody),
    });
  }
  const verb = prepared.changeSetType === 'CREATE' ? 'Create' : 'Update';
  return options.confirm({
    kind: 'execute',
    stackName: options.stackName,
    changeSetType: prepared.changeSetType,
    message: `${verb} stack ${options.stackName} with these ${prepared.changes.length} change(s)?`,
  });
}

/**
 * The template as last submitted. `Original` keeps YAML as written; `Processed` would expand
 * transforms the new template still has unexpanded, and the diff would show them as changes.
 */
async function currentTemplateOf(
  cf: CloudFormationClient,
  stackId: string,
): Promise<TemplateObject> {
  const output = await callAws({ service: 'cloudformation', operation: 'GetTemplate' }, () =>
    cf.send(new GetTemplateCommand({ StackName: stackId, TemplateStage: 'Original' })),
  );
  return parseTemplate(output.TemplateBody);
}

/**
 * Deletes the empty REVIEW_IN_PROGRESS stack a CREATE change set made, when the change set
 * will not run: a declined or refused first deploy leaves nothing behind. DeleteStack on it
 * also deletes its change sets.
 */
async function removeEmptyStack(options: DeployStackOptions, stackId?: string): Promise<void> {
  let id = stackId;
  if (id === undefined) {
    const state = await describeStackState(options.cloudformation, options.stackName);
    if (state.kind !== 'review') return;
    id = state.stackId;
  }
  options.onProgress?.({ type: 'deleting', stackName: options.stackName, why: 'cleanup' });
  await deleteAndWait(options.cloudformation, {
    ...waitOptions(options),
    ...roleOption(options),
    stackId: id,
  });
}

/**
 * The deletes of this flow name the role too: the developer policy allows DeleteStack on
 * delegated stacks only with `cloudformation:RoleArn` = execution role.
 */
function roleOption(options: DeployStackOptions): { roleArn?: string } {
  return options.roleArn === undefined ? {} : { roleArn: options.roleArn };
}

/**
 * Runs a clean-up after an error without letting its own failure (often the same missing
 * permission) hide the error the user needs to see.
 */
async function bestEffort(cleanup: Promise<void>): Promise<void> {
  try {
    await cleanup;
  } catch {
    // The original error is rethrown by the caller.
  }
}

function waitOptions(options: DeployStackOptions) {
  const onProgress = options.onProgress;
  return {
    stackName: options.stackName,
    ...(onProgress === undefined
      ? {}
      : { onActivity: (activity: StackActivity) => onProgress({ type: 'activity', activity }) }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
    ...(options.polling === undefined ? {} : { polling: options.polling }),
  };
}

function interrupted(
  stackName: string,
  stackId: string,
  waited: Extract<WaitResult, { kind: 'interrupted' }>,
): DeployStackResult {
  return {
    kind: 'interrupted',
    stackName,
    stackId,
    status: waited.status,
    followCommand: waited.followCommand,
  };
}

function deployResult(
  stackName: string,
  stackId: string,
  operation: 'create' | 'update' | 'delete',
  ended: WaitResult,
  changes: StackChange[],
): DeployStackResult {
  if (ended.kind === 'interrupted') return interrupted(stackName, stackId, ended);
  if (ended.kind === 'failed' || operation === 'delete') {
    const failed = ended.kind === 'failed' ? ended : { status: ended.status };
    return { kind: 'failed', stackName, stackId, operation, ...failed };
  }
  return { kind: 'deployed', stackName, stackId, operation, outputs: ended.outputs, changes };
}

/**
 * The error for states only a person can resolve, with the command that resolves them.
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/troubleshooting.html#troubleshooting-errors-update-rollback-failed
 */
function stuckStack(state: Exclude<StackState, Deployable>, roleArn: string | undefined): AwsError {
  const name = state.stackName;
  const reason = state.statusReason === undefined ? '' : ` (${state.statusReason})`;
  const role = roleArn === undefined ? '' : ` --role-arn ${roleArn}`;
  if (state.kind === 'update-rollback-failed') {
    return new AwsError(
      'STACK_UPDATE_ROLLBACK_FAILED',
      `Stack ${name} is UPDATE_ROLLBACK_FAILED: its last update failed and so did the rollback${reason}.`,
      {
        suggestions: [
          'Fix what blocked the rollback (often a resource changed or deleted outside CloudFormation).',
          `Then run \`aws cloudformation continue-update-rollback --stack-name ${name}${role}\`` +
            ' (add --resources-to-skip LOGICAL_ID for resources that cannot roll back), and run this command again.',
        ],
      },
    );
  }
  const deleteCommand = `aws cloudformation delete-stack --stack-name ${name}${role}`;
  if (state.kind === 'delete-failed') {
    return new AwsError(
      'STACK_DELETE_FAILED',
      `Stack ${name} is DELETE_FAILED: a delete left resources it could not remove${reason}.`,
      {
        suggestions: [
          `Remove what blocks the delete, run \`${deleteCommand}\` (or add --retain-resources LOGICAL_ID), then run this command again.`,
        ],
      },
    );
  }
  return new AwsError(
    'STACK_ROLLBACK_FAILED',
    `Stack ${name} is ${state.status}: its create failed and so did the rollback${reason}.`,
    { suggestions: [`Delete it with \`${deleteCommand}\`, then run this command again.`] },
  );
}
