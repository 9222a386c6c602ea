/**
 * A CloudFormation stand-in holding several stacks by name, for the flows that touch more than
 * one (destroy deletes the application stack, then the pipeline stack; list reads them all).
 * It answers DescribeStacks, DeleteStack, DescribeStackEvents, GetTemplate and ListStacks the
 * way the real service does: a deleted stack disappears by name but stays readable by ARN.
 */
import {
  DeleteStackCommand,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  GetTemplateCommand,
  ListStacksCommand,
  type CloudFormationClientResolvedConfig,
  type ServiceInputTypes,
  type ServiceOutputTypes,
  type StackEvent,
  type StackStatus,
} from '@aws-sdk/client-cloudformation';
import type { AwsStub } from 'aws-sdk-client-mock';

import { ACCOUNT, awsError, REGION } from '../support/aws-mock.js';

interface ShelvedStack {
  name: string;
  id: string;
  status: string;
  outputs: Record<string, string>;
  /** Stack-level tags (`deploy` sets none today; its template tags the resources). */
  tags: Record<string, string>;
  template?: string;
  events: StackEvent[];
  /** The next delete fails on this resource, once. */
  failNextDelete?: { logicalId: string; resourceType: string; reason: string };
  deleting: boolean;
}

type CloudFormationStub = AwsStub<
  ServiceInputTypes,
  ServiceOutputTypes,
  CloudFormationClientResolvedConfig
>;

/** Several stacks behind one mocked client; every call is recorded by the mock. */
export class StackShelf {
  private readonly stacks = new Map<string, ShelvedStack>();
  /** Stack names in the order their deletes were requested. */
  readonly deleteOrder: string[] = [];
  /** The `RoleARN` of every DeleteStack, in order. */
  readonly deleteRoles: (string | undefined)[] = [];
  private serial = 0;
  private clock = Date.parse('2026-02-01T00:00:00Z');

  constructor(mock: CloudFormationStub) {
    mock
      .on(DescribeStacksCommand)
      .callsFake((input: { StackName: string }) => this.describe(input.StackName));
    mock
      .on(DeleteStackCommand)
      .callsFake((input: { StackName: string; RoleARN?: string }) => this.delete(input));
    mock.on(DescribeStackEventsCommand).callsFake((input: { StackName: string }) => ({
      StackEvents: this.find(input.StackName)?.events ?? [],
    }));
    mock.on(GetTemplateCommand).callsFake((input: { StackName: string }) => {
      const stack = this.find(input.StackName);
      if (stack === undefined) {
        throw awsError('ValidationError', `Stack with id ${input.StackName} does not exist`);
      }
      return { TemplateBody: stack.template ?? '{}' };
    });
    mock.on(ListStacksCommand).callsFake(() => ({
      StackSummaries: [...this.stacks.values()]
        .filter((s) => s.status !== 'DELETE_COMPLETE')
        .map((s) => ({
          StackName: s.name,
          StackId: s.id,
          StackStatus: s.status as StackStatus,
          CreationTime: new Date('2026-01-01T00:00:00Z'),
          LastUpdatedTime: new Date('2026-01-15T09:30:00Z'),
        })),
    }));
  }

  /** Given: a stack in `status` with `outputs`, and optionally stack tags and a template. */
  put(
    name: string,
    status: string,
    outputs: Record<string, string> = {},
    extra: { tags?: Record<string, string>; template?: string } = {},
  ): this {
    this.serial += 1;
    const stack: ShelvedStack = {
      name,
      id: `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/${name}/id-${this.serial}`,
      status,
      outputs,
      tags: extra.tags ?? {},
      ...(extra.template === undefined ? {} : { template: extra.template }),
      events: [],
      deleting: false,
    };
    this.stacks.set(name, stack);
    this.record(stack, name, 'AWS::CloudFormation::Stack', status);
    return this;
  }

  /** Given: the next delete of `name` fails on one resource. */
  failNextDelete(name: string, logicalId: string, resourceType: string, reason: string): void {
    const stack = this.stacks.get(name);
    if (stack !== undefined) stack.failNextDelete = { logicalId, resourceType, reason };
  }

  /** The stack's status now, or undefined when it never existed. */
  status(name: string): string | undefined {
    return this.stacks.get(name)?.status;
  }

  private find(nameOrId: string): ShelvedStack | undefined {
    if (nameOrId.startsWith('arn:'))
      return [...this.stacks.values()].find((s) => s.id === nameOrId);
    const stack = this.stacks.get(nameOrId);
    return stack?.status === 'DELETE_COMPLETE' ? undefined : stack;
  }

  private describe(nameOrId: string) {
    const stack = this.find(nameOrId);
    if (stack === undefined) {
      throw awsError('ValidationError', `Stack with id ${nameOrId} does not exist`);
    }
    // A delete finishes on the first poll after it started.
    if (stack.deleting) this.finishDelete(stack);
    return {
      Stacks: [
        {
          StackName: stack.name,
          StackId: stack.id,
          StackStatus: stack.status as StackStatus,
          CreationTime: new Date('2026-01-01T00:00:00Z'),
          Outputs: Object.entries(stack.outputs).map(([OutputKey, OutputValue]) => ({
            OutputKey,
            OutputValue,
          })),
          Tags: Object.entries(stack.tags).map(([Key, Value]) => ({ Key, Value })),
        },
      ],
    };
  }

  private delete(input: { StackName: string; RoleARN?: string }) {
    const stack = this.find(input.StackName);
    if (stack === undefined) return {};
    this.deleteOrder.push(stack.name);
    this.deleteRoles.push(input.RoleARN);
    stack.status = 'DELETE_IN_PROGRESS';
    stack.deleting = true;
    this.record(stack, stack.name, 'AWS::CloudFormation::Stack', stack.status);
    return {};
  }

  private finishDelete(stack: ShelvedStack): void {
    stack.deleting = false;
    const failure = stack.failNextDelete;
    if (failure !== undefined) {
      delete stack.failNextDelete;
      this.record(stack, failure.logicalId, failure.resourceType, 'DELETE_FAILED', failure.reason);
      stack.status = 'DELETE_FAILED';
    } else {
      stack.status = 'DELETE_COMPLETE';
    }
    this.record(stack, stack.name, 'AWS::CloudFormation::Stack', stack.status);
  }

  private record(
    stack: ShelvedStack,
    logicalId: string,
    resourceType: string,
    status: string,
    reason?: string,
  ): void {
    this.serial += 1;
    this.clock += 1000;
    stack.events.unshift({
      StackId: stack.id,
      StackName: stack.name,
      EventId: `event-${this.serial}`,
      LogicalResourceId: logicalId,
      PhysicalResourceId: logicalId === stack.name ? stack.id : `${logicalId}-physical`,
      ResourceType: resourceType,
      ResourceStatus: status as StackEvent['ResourceStatus'],
      Timestamp: new Date(this.clock),
      ...(reason === undefined ? {} : { ResourceStatusReason: reason }),
    });
  }
}
