/**
 * The one shared AWS mock for tests: `aws-sdk-client-mock` stubs, SDK-shaped errors, and a
 * small stateful CloudFormation that behaves like the real one for the calls the stack
 * workflow makes (states, change sets, events, deletes), so tests read as stories:
 * "given a stack in ROLLBACK_COMPLETE, when we deploy and accept, then it is recreated".
 */
import {
  CloudFormationClient,
  CreateChangeSetCommand,
  DeleteChangeSetCommand,
  DeleteStackCommand,
  DescribeChangeSetCommand,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  ExecuteChangeSetCommand,
  GetTemplateCommand,
  type Change,
  type CreateChangeSetCommandInput,
  type StackEvent,
} from '@aws-sdk/client-cloudformation';
import { mockClient } from 'aws-sdk-client-mock';

import type { PollingOptions } from '../../src/lib/stacks/types.js';

export const ACCOUNT = '123456789012';
export const REGION = 'eu-west-1';

/** Polling that never sleeps: the tests run the whole wait loop instantly. */
export const instantPolling: PollingOptions = { intervalMs: 0, sleep: () => Promise.resolve(true) };

/** A CloudFormation client with dummy credentials; its `send` is what the mocks replace. */
export function cloudFormationClient(): CloudFormationClient {
  return new CloudFormationClient({
    region: REGION,
    credentials: { accessKeyId: 'AKIATEST', secretAccessKey: 'test' },
  });
}

/** An error shaped like the SDK's service exceptions (`name`, `$fault`, `$metadata`). */
export function awsError(
  name: string,
  message: string,
  options: { attempts?: number; status?: number } = {},
): Error {
  return Object.assign(new Error(message), {
    name,
    $fault: 'client',
    $metadata: { httpStatusCode: options.status ?? 400, attempts: options.attempts ?? 1 },
  });
}

/** A resource change as DescribeChangeSet returns it. */
export function resourceChange(
  action: 'Add' | 'Modify' | 'Remove',
  logicalId: string,
  resourceType: string,
  replacement?: 'True' | 'False' | 'Conditional',
): Change {
  return {
    Type: 'Resource',
    ResourceChange: {
      Action: action,
      LogicalResourceId: logicalId,
      ResourceType: resourceType,
      ...(replacement === undefined ? {} : { Replacement: replacement }),
      ...(action === 'Add' ? {} : { PhysicalResourceId: `${logicalId}-physical` }),
    },
  };
}

/** A resource event to play during an operation. */
export interface PlannedEvent {
  logicalId: string;
  resourceType?: string;
  status: string;
  reason?: string;
  /** Another stack's ARN: the event is recorded in that (nested) stack. */
  stackId?: string;
  physicalId?: string;
}

/** What the next change set will contain, or how it fails. */
export type NextChangeSet = { changes: Change[]; pageSize?: number } | { failure: string };

/** How the next operation (execute or delete) ends, and the events it records. */
export interface NextOperation {
  finalStatus: string;
  statusReason?: string;
  events?: PlannedEvent[];
}

interface FakeStack {
  name: string;
  id: string;
  status: string;
  statusReason?: string;
  outputs: Record<string, string>;
  template?: string;
  events: StackEvent[];
}

interface FakeChangeSet {
  type: 'CREATE' | 'UPDATE';
  input: CreateChangeSetCommandInput;
  next: NextChangeSet;
  describes: number;
}

/**
 * A stateful stand-in for CloudFormation on top of `aws-sdk-client-mock`. Operations take
 * one DescribeStacks poll to finish, like a quick real deployment.
 */
export class FakeCloudFormation {
  readonly mock = mockClient(CloudFormationClient);
  readonly client = cloudFormationClient();
  stack: FakeStack | undefined;
  /** Stacks other than the main one (nested stacks), by ARN. */
  readonly others = new Map<string, FakeStack>();
  nextChangeSet: NextChangeSet = { changes: [] };
  nextExecution: NextOperation | undefined;
  nextDelete: NextOperation | undefined;
  /** Events per DescribeStackEvents page, to exercise pagination. */
  eventPageSize = 100;
  private readonly changeSets = new Map<string, FakeChangeSet>();
  private pending: (NextOperation & { stack: FakeStack }) | undefined;
  private clock = Date.parse('2026-01-01T00:00:00Z');
  private serial = 0;

  constructor(readonly stackName = 'demo-stack') {
    this.mock
      .on(DescribeStacksCommand)
      .callsFake((input: { StackName: string }) => this.describeStacks(input.StackName));
    this.mock
      .on(CreateChangeSetCommand)
      .callsFake((input: CreateChangeSetCommandInput) => this.createChangeSet(input));
    this.mock
      .on(DescribeChangeSetCommand)
      .callsFake((input: { ChangeSetName: string; NextToken?: string }) =>
        this.describeChangeSet(input.ChangeSetName, input.NextToken),
      );
    this.mock.on(DeleteChangeSetCommand).callsFake((input: { ChangeSetName: string }) => {
      this.changeSets.delete(input.ChangeSetName);
      return {};
    });
    this.mock
      .on(ExecuteChangeSetCommand)
      .callsFake((input: { ChangeSetName: string }) => this.execute(input.ChangeSetName));
    this.mock
      .on(DescribeStackEventsCommand)
      .callsFake((input: { StackName: string; NextToken?: string }) =>
        this.describeEvents(input.StackName, input.NextToken),
      );
    this.mock.on(DeleteStackCommand).callsFake(() => this.deleteStack());
    this.mock.on(GetTemplateCommand).callsFake(() => ({ TemplateBody: this.stack?.template }));
  }

  /** Given: a stack in `status`, with an earlier event so "only new events" matters. */
  givenStack(
    status: string,
    extra: Partial<Pick<FakeStack, 'statusReason' | 'outputs' | 'template'>> = {},
  ): this {
    this.stack = {
      name: this.stackName,
      id: this.newStackId(this.stackName),
      status,
      outputs: {},
      events: [],
      ...extra,
    };
    this.record(this.stack, { logicalId: this.stackName, status, reason: 'an older operation' });
    return this;
  }

  /** Given: an event recorded on the main stack now (for event-following tests). */
  recordEvent(event: PlannedEvent): void {
    if (this.stack === undefined) throw new Error('givenStack first');
    this.record(this.stack, event);
  }

  /** The change sets still present (should be none after a declined or refused deploy). */
  changeSetNames(): string[] {
    return [...this.changeSets.keys()];
  }

  /** Inputs of every call of `command`. */
  inputsOf<I extends object>(command: new (input: I) => unknown): I[] {
    return this.mock
      .commandCalls(command as never)
      .map((call) => (call.args[0] as unknown as { input: I }).input);
  }

  restore(): void {
    this.mock.restore();
  }

  private newStackId(name: string): string {
    this.serial += 1;
    return `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/${name}/id-${this.serial}`;
  }

  private describeStacks(nameOrId: string) {
    const stack = nameOrId.startsWith('arn:') ? this.byId(nameOrId) : this.stack;
    if (
      stack === undefined ||
      (!nameOrId.startsWith('arn:') && stack.status === 'DELETE_COMPLETE')
    ) {
      throw awsError('ValidationError', `Stack with id ${nameOrId} does not exist`);
    }
    this.advance(stack);
    return {
      Stacks: [
        {
          StackName: stack.name,
          StackId: stack.id,
          StackStatus: stack.status,
          CreationTime: new Date(this.clock),
          ...(stack.statusReason === undefined ? {} : { StackStatusReason: stack.statusReason }),
          Outputs: Object.entries(stack.outputs).map(([OutputKey, OutputValue]) => ({
            OutputKey,
            OutputValue,
          })),
        },
      ],
    };
  }

  private byId(id: string): FakeStack | undefined {
    return this.stack?.id === id ? this.stack : this.others.get(id);
  }

  private createChangeSet(input: CreateChangeSetCommandInput) {
    const type = input.ChangeSetType === 'CREATE' ? 'CREATE' : 'UPDATE';
    if (type === 'CREATE') {
      if (
        this.stack !== undefined &&
        this.stack.status !== 'REVIEW_IN_PROGRESS' &&
        this.stack.status !== 'DELETE_COMPLETE'
      ) {
        throw awsError('AlreadyExistsException', `Stack [${this.stackName}] already exists`);
      }
      if (this.stack === undefined || this.stack.status === 'DELETE_COMPLETE') {
        this.givenStack('REVIEW_IN_PROGRESS');
      }
    }
    const stack = this.stack;
    if (stack === undefined)
      throw awsError('ValidationError', `Stack [${this.stackName}] does not exist`);
    this.changeSets.set(input.ChangeSetName ?? '', {
      type,
      input,
      next: this.nextChangeSet,
      describes: 0,
    });
    return { Id: `arn:changeSet/${input.ChangeSetName}`, StackId: stack.id };
  }

  private describeChangeSet(name: string, nextToken: string | undefined) {
    const changeSet = this.changeSets.get(name);
    if (changeSet === undefined)
      throw awsError('ChangeSetNotFoundException', `ChangeSet [${name}] does not exist`);
    changeSet.describes += 1;
    // The first look finds it still being computed, as CloudFormation usually does.
    if (changeSet.describes === 1) return { ChangeSetName: name, Status: 'CREATE_IN_PROGRESS' };
    if ('failure' in changeSet.next) {
      return {
        ChangeSetName: name,
        Status: 'FAILED',
        StatusReason: changeSet.next.failure,
        ExecutionStatus: 'UNAVAILABLE',
      };
    }
    const pageSize = changeSet.next.pageSize ?? 100;
    const start = nextToken === undefined ? 0 : Number(nextToken);
    const changes = changeSet.next.changes.slice(start, start + pageSize);
    const more = start + pageSize < changeSet.next.changes.length;
    return {
      ChangeSetName: name,
      StackId: this.stack?.id,
      Status: 'CREATE_COMPLETE',
      ExecutionStatus: 'AVAILABLE',
      Changes: changes,
      ...(more ? { NextToken: String(start + pageSize) } : {}),
    };
  }

  private execute(name: string) {
    const changeSet = this.changeSets.get(name);
    const stack = this.stack;
    if (changeSet === undefined || stack === undefined)
      throw awsError('ChangeSetNotFoundException', `ChangeSet [${name}] does not exist`);
    this.changeSets.clear();
    const create = changeSet.type === 'CREATE';
    stack.status = create ? 'CREATE_IN_PROGRESS' : 'UPDATE_IN_PROGRESS';
    if (changeSet.input.TemplateBody !== undefined) stack.template = changeSet.input.TemplateBody;
    this.record(stack, { logicalId: stack.name, status: stack.status, reason: 'User Initiated' });
    this.pending = {
      stack,
      ...(this.nextExecution ?? { finalStatus: create ? 'CREATE_COMPLETE' : 'UPDATE_COMPLETE' }),
    };
    this.nextExecution = undefined;
    return {};
  }

  private deleteStack() {
    const stack = this.stack;
    if (stack === undefined) return {};
    this.changeSets.clear();
    stack.status = 'DELETE_IN_PROGRESS';
    this.record(stack, { logicalId: stack.name, status: stack.status, reason: 'User Initiated' });
    this.pending = { stack, ...(this.nextDelete ?? { finalStatus: 'DELETE_COMPLETE' }) };
    this.nextDelete = undefined;
    return {};
  }

  /** Finishes the pending operation on the first poll after it started. */
  private advance(stack: FakeStack): void {
    const pending = this.pending;
    if (pending === undefined || pending.stack !== stack) return;
    this.pending = undefined;
    for (const event of pending.events ?? []) {
      const target = event.stackId === undefined ? stack : this.nestedStack(event.stackId);
      this.record(target, event);
    }
    stack.status = pending.finalStatus;
    if (pending.statusReason !== undefined) stack.statusReason = pending.statusReason;
    this.record(stack, { logicalId: stack.name, status: stack.status });
  }

  private nestedStack(id: string): FakeStack {
    let nested = this.others.get(id);
    if (nested === undefined) {
      nested = {
        name: id.split('/')[1] ?? id,
        id,
        status: 'CREATE_IN_PROGRESS',
        outputs: {},
        events: [],
      };
      this.others.set(id, nested);
    }
    return nested;
  }

  private record(stack: FakeStack, event: PlannedEvent): void {
    this.clock += 1000;
    this.serial += 1;
    const isStack = event.logicalId === stack.name;
    stack.events.unshift({
      StackId: stack.id,
      StackName: stack.name,
      EventId: `event-${this.serial}`,
      LogicalResourceId: event.logicalId,
      PhysicalResourceId: event.physicalId ?? (isStack ? stack.id : `${event.logicalId}-physical`),
      ResourceType:
        event.resourceType ?? (isStack ? 'AWS::CloudFormation::Stack' : 'AWS::IAM::Role'),
      ResourceStatus: event.status,
      Timestamp: new Date(this.clock),
      ...(event.reason === undefined ? {} : { ResourceStatusReason: event.reason }),
    } as StackEvent);
  }

  private describeEvents(nameOrId: string, nextToken: string | undefined) {
    const stack = nameOrId.startsWith('arn:') ? this.byId(nameOrId) : this.stack;
    if (stack === undefined)
      throw awsError('ValidationError', `Stack [${nameOrId}] does not exist`);
    const start = nextToken === undefined ? 0 : Number(nextToken);
    const end = start + this.eventPageSize;
    return {
      StackEvents: stack.events.slice(start, end),
      ...(end < stack.events.length ? { NextToken: String(end) } : {}),
    };
  }
}
