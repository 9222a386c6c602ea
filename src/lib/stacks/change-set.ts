import {
  CreateChangeSetCommand,
  DeleteChangeSetCommand,
  DescribeChangeSetCommand,
  type Capability,
  type Change,
  type CloudFormationClient,
  type DescribeChangeSetCommandOutput,
} from '@aws-sdk/client-cloudformation';

import { callAws } from '../aws/call.js';
import { toAwsError } from '../aws/errors.js';
import { AwsError } from '../errors.js';
import { poller } from './polling.js';
import { describeStackState } from './state.js';
import type { PollingOptions, StackChange } from './types.js';

/** Options for {@link prepareChangeSet}. */
export interface PrepareChangeSetOptions {
  stackName: string;
  /** The template, JSON or YAML, as CloudFormation will store it. */
  templateBody: string;
  /** Template parameters by name. */
  parameters?: Record<string, string>;
  /**
   * The role CloudFormation runs as. Always sent when given: the developer policy only
   * allows change sets that name the execution role (`cloudformation:RoleArn`).
   */
  roleArn?: string;
  /**
   * The resource types the template may create. Always sent when given: the developer
   * policy denies change sets without `cloudformation:ResourceTypes`.
   */
  resourceTypes?: string[];
  /** `CAPABILITY_IAM`, `CAPABILITY_NAMED_IAM`, … as the template needs. */
  capabilities: Capability[];
  /** Stack tags by key (propagated to the resources that support tags). */
  tags?: Record<string, string>;
  /** CREATE for a new (or REVIEW_IN_PROGRESS) stack, UPDATE otherwise; default: from its state. */
  changeSetType?: 'CREATE' | 'UPDATE';
  /** Poll timing; tests make it instant. */
  polling?: PollingOptions;
}

/** A change set ready for review, or the news that there is nothing to change. */
export type PrepareChangeSetResult =
  | {
      kind: 'changes';
      stackId: string;
      changeSetName: string;
      changeSetType: 'CREATE' | 'UPDATE';
      /** The resource changes, in CloudFormation's order. */
      changes: StackChange[];
      /** The full description (all pages' changes merged), for the template diff. */
      description: DescribeChangeSetCommandOutput;
    }
  | {
      kind: 'no-changes';
      stackId: string;
      changeSetType: 'CREATE' | 'UPDATE';
    };

/**
 * How CloudFormation says a change set is empty: it fails it, with one of these reasons.
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-updating-stacks-changesets-create.html
 */
const NO_CHANGES = /didn't contain changes|No updates are to be performed/i;

const cfn = <T>(operation: string, run: () => Promise<T>): Promise<T> =>
  callAws({ service: 'cloudformation', operation }, run);

/**
 * Creates a change set, waits until CloudFormation has computed it, and returns its changes.
 * An empty change set is deleted and reported as `no-changes`; a failed one is deleted and
 * thrown as `CHANGE_SET_FAILED` with CloudFormation's reason.
 */
export async function prepareChangeSet(
  cf: CloudFormationClient,
  options: PrepareChangeSetOptions,
): Promise<PrepareChangeSetResult> {
  const timing = poller(options.polling);
  const changeSetType = options.changeSetType ?? (await changeSetTypeFor(cf, options.stackName));
  const changeSetName = `aiproxy-${timing.now().toISOString().replace(/\D/g, '').slice(0, 17)}`;

  const created = await cfn('CreateChangeSet', () =>
    cf.send(new CreateChangeSetCommand(createInput(options, changeSetType, changeSetName))),
  );
  const stackId = created.StackId ?? options.stackName;
  const ref = { StackName: stackId, ChangeSetName: changeSetName };

  let first = await describe(cf, ref, undefined);
  while (first.Status === 'CREATE_PENDING' || first.Status === 'CREATE_IN_PROGRESS') {
    await timing.sleep(timing.intervalMs);
    first = await describe(cf, ref, undefined);
  }

  if (first.Status === 'FAILED') {
    await deleteChangeSet(cf, stackId, changeSetName);
    if (NO_CHANGES.test(first.StatusReason ?? '')) {
      return { kind: 'no-changes', stackId, changeSetType };
    }
    throw new AwsError(
      'CHANGE_SET_FAILED',
      `CloudFormation could not create the change set for ${options.stackName}: ${first.StatusReason ?? first.Status}`,
      { suggestions: ['Fix the template or parameters named above and run the command again.'] },
    );
  }

  const description = await allPages(cf, ref, first);
  return {
    kind: 'changes',
    stackId,
    changeSetName,
    changeSetType,
    changes: (description.Changes ?? []).flatMap(toStackChange),
    description,
  };
}

/** Deletes a change set that will not be executed; a missing one is not an error. */
export async function deleteChangeSet(
  cf: CloudFormationClient,
  stackId: string,
  changeSetName: string,
): Promise<void> {
  try {
    await cf.send(new DeleteChangeSetCommand({ StackName: stackId, ChangeSetName: changeSetName }));
  } catch (error) {
    if (
      error instanceof Error &&
      /does not exist|ChangeSetNotFound/.test(`${error.name} ${error.message}`)
    ) {
      return;
    }
    throw await toAwsError(error, { service: 'cloudformation', operation: 'DeleteChangeSet' });
  }
}

async function changeSetTypeFor(
  cf: CloudFormationClient,
  stackName: string,
): Promise<'CREATE' | 'UPDATE'> {
  const state = await describeStackState(cf, stackName);
  if (state.kind === 'absent' || state.kind === 'review') return 'CREATE';
  if (state.kind === 'stable') return 'UPDATE';
  throw new AwsError(
    'STACK_NOT_UPDATABLE',
    `Stack ${stackName} is ${state.status} and cannot take a change set.`,
  );
}

function createInput(
  options: PrepareChangeSetOptions,
  changeSetType: 'CREATE' | 'UPDATE',
  changeSetName: string,
) {
  return {
    StackName: options.stackName,
    ChangeSetName: changeSetName,
    ChangeSetType: changeSetType,
    TemplateBody: options.templateBody,
    Capabilities: options.capabilities,
    ...(options.parameters === undefined
      ? {}
      : {
          Parameters: Object.entries(options.parameters).map(([key, value]) => ({
            ParameterKey: key,
            ParameterValue: value,
          })),
        }),
    // Omitted rather than empty: an empty Tags list removes every tag the stack has.
    // https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_CreateChangeSet.html
    ...(options.tags === undefined
      ? {}
      : { Tags: Object.entries(options.tags).map(([key, value]) => ({ Key: key, Value: value })) }),
    ...(options.roleArn === undefined ? {} : { RoleARN: options.roleArn }),
    ...(options.resourceTypes === undefined ? {} : { ResourceTypes: options.resourceTypes }),
  };
}

function describe(
  cf: CloudFormationClient,
  ref: { StackName: string; ChangeSetName: string },
  nextToken: string | undefined,
): Promise<DescribeChangeSetCommandOutput> {
  return cfn('DescribeChangeSet', () =>
    cf.send(
      new DescribeChangeSetCommand({
        ...ref,
        ...(nextToken === undefined ? {} : { NextToken: nextToken }),
      }),
    ),
  );
}

/** DescribeChangeSet returns at most 100 changes per page (`NextToken` for the rest). */
async function allPages(
  cf: CloudFormationClient,
  ref: { StackName: string; ChangeSetName: string },
  first: DescribeChangeSetCommandOutput,
): Promise<DescribeChangeSetCommandOutput> {
  const changes: Change[] = [...(first.Changes ?? [])];
  let nextToken = first.NextToken;
  while (nextToken !== undefined) {
    const page = await describe(cf, ref, nextToken);
    changes.push(...(page.Changes ?? []));
    nextToken = page.NextToken;
  }
  const description = { ...first, Changes: changes };
  delete description.NextToken;
  return description;
}

function toStackChange(change: Change): StackChange[] {
  const resource = change.ResourceChange;
  if (change.Type !== 'Resource' || resource === undefined) return [];
  const properties = new Set<string>();
  for (const detail of resource.Details ?? []) {
    const name = detail.Target?.Name;
    if (detail.Target?.Attribute === 'Properties' && name !== undefined) properties.add(name);
  }
  return [
    {
      action: resource.Action ?? 'Modify',
      logicalId: resource.LogicalResourceId ?? '',
      ...(resource.PhysicalResourceId ? { physicalId: resource.PhysicalResourceId } : {}),
      resourceType: resource.ResourceType ?? '',
      ...(resource.Replacement === undefined ? {} : { replacement: resource.Replacement }),
      properties: [...properties],
    },
  ];
}
