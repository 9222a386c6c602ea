import {
  DescribeStackEventsCommand,
  type CloudFormationClient,
  type StackEvent,
} from '@aws-sdk/client-cloudformation';

import { callAws } from '../aws/call.js';
import type { StackActivity } from './types.js';

/** Where a stack's event stream starts for one operation. */
interface Stream {
  stackId: string;
  nested: boolean;
  /** The newest event already reported (or present before the operation). */
  lastEventId?: string;
  /** For nested stacks found mid-operation: ignore their events older than this. */
  notBefore?: Date;
  /** Set once the stack's own terminal event is seen: no need to poll it again. */
  done: boolean;
}

const STACK_TYPE = 'AWS::CloudFormation::Stack';

/**
 * Follows the events of one stack operation, nested stacks included.
 *
 * Events are cut by event ID rather than by the local clock: the newest event before the
 * operation is the marker, and everything newer belongs to the operation. A local clock a
 * few seconds ahead of AWS would otherwise hide the first events. Nested stacks are found
 * from their parent's `AWS::CloudFormation::Stack` events, and their streams start at the
 * parent event's (server) timestamp.
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DescribeStackEvents.html
 */
export class StackEventFollower {
  private readonly streams: Stream[];

  private constructor(
    private readonly cf: CloudFormationClient,
    root: Stream,
  ) {
    this.streams = [root];
  }

  /**
   * Starts following `stackId` from now: events already recorded are not reported.
   * For a stack that does not exist yet, pass `fromStart: true`.
   */
  static async start(
    cf: CloudFormationClient,
    stackId: string,
    options: { fromStart?: boolean } = {},
  ): Promise<StackEventFollower> {
    const root: Stream = { stackId, nested: false, done: false };
    if (options.fromStart !== true) {
      const page = await describeEvents(cf, stackId, undefined);
      const newest = page.StackEvents?.[0]?.EventId;
      if (newest !== undefined) root.lastEventId = newest;
    }
    return new StackEventFollower(cf, root);
  }

  /** The events recorded since the last poll, oldest first, nested stacks included. */
  async poll(): Promise<StackActivity[]> {
    const found: StackActivity[] = [];
    // Streams may grow while we read: nested stacks discovered in this poll are read too.
    for (let index = 0; index < this.streams.length; index += 1) {
      const stream = this.streams[index];
      if (stream === undefined || stream.done) continue;
      const events = await this.readNew(stream);
      for (const event of events) {
        this.discoverNested(event, stream);
        this.markDone(event, stream);
        found.push(toActivity(event, stream.nested));
      }
    }
    return found.sort((a, b) => a.timestamp.getTime() - b.timestamp.getTime());
  }

  /** Reads pages (newest first) until the last seen event; returns them oldest first. */
  private async readNew(stream: Stream): Promise<StackEvent[]> {
    const fresh: StackEvent[] = [];
    let nextToken: string | undefined;
    reading: do {
      const page = await describeEvents(this.cf, stream.stackId, nextToken);
      for (const event of page.StackEvents ?? []) {
        if (event.EventId === stream.lastEventId) break reading;
        if (stream.notBefore !== undefined && (event.Timestamp ?? new Date(0)) < stream.notBefore) {
          break reading;
        }
        fresh.push(event);
      }
      nextToken = page.NextToken;
    } while (nextToken !== undefined);
    const newest = fresh[0]?.EventId;
    if (newest !== undefined) stream.lastEventId = newest;
    return fresh.reverse();
  }

  private discoverNested(event: StackEvent, parent: Stream): void {
    const id = event.PhysicalResourceId;
    if (event.ResourceType !== STACK_TYPE || id === undefined || !id.startsWith('arn:')) return;
    if (id === parent.stackId || this.streams.some((stream) => stream.stackId === id)) return;
    this.streams.push({
      stackId: id,
      nested: true,
      done: false,
      notBefore: event.Timestamp ?? new Date(0),
    });
  }

  private markDone(event: StackEvent, stream: Stream): void {
    const own = event.ResourceType === STACK_TYPE && event.PhysicalResourceId === stream.stackId;
    if (own && stream.nested && !(event.ResourceStatus ?? '').endsWith('_IN_PROGRESS')) {
      stream.done = true;
    }
  }
}

function describeEvents(cf: CloudFormationClient, stackId: string, nextToken: string | undefined) {
  return callAws({ service: 'cloudformation', operation: 'DescribeStackEvents' }, () =>
    cf.send(
      new DescribeStackEventsCommand({
        StackName: stackId,
        ...(nextToken === undefined ? {} : { NextToken: nextToken }),
      }),
    ),
  );
}

/** One CloudFormation event as the stack workflow and the doctor read it. */
export function toActivity(event: StackEvent, nested: boolean): StackActivity {
  return {
    eventId: event.EventId ?? '',
    stackName: event.StackName ?? '',
    logicalId: event.LogicalResourceId ?? '',
    ...(event.PhysicalResourceId ? { physicalId: event.PhysicalResourceId } : {}),
    resourceType: event.ResourceType ?? '',
    status: event.ResourceStatus ?? '',
    ...(event.ResourceStatusReason ? { reason: event.ResourceStatusReason } : {}),
    timestamp: event.Timestamp ?? new Date(0),
    nested,
  };
}

/**
 * The event that explains a failed operation: the earliest `*_FAILED` event whose reason
 * is not a cascade. When one resource fails, CloudFormation cancels the others ("Resource
 * creation cancelled") and the stack and parent stacks fail with summaries ("The following
 * resource(s) failed to create: […]", "Embedded stack … was not successfully created"):
 * none of those is the cause, so they are used only when nothing else failed.
 */
export function firstFailure(activities: readonly StackActivity[]): StackActivity | undefined {
  const failed = activities.filter((activity) => activity.status.endsWith('_FAILED'));
  const cause = failed.find(
    (activity) =>
      !/cancelled|canceled/i.test(activity.reason ?? '') &&
      !/^The following resource\(s\) failed/i.test(activity.reason ?? '') &&
      !/^Embedded stack .* was not successfully/i.test(activity.reason ?? ''),
  );
  return cause ?? failed[0];
}
