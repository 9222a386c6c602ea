import { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { classifyStatus, describeStackState } from '../../src/lib/stacks/state.js';
import { StackEventFollower } from '../../src/lib/stacks/events.js';
import { awsError, FakeCloudFormation } from '../support/aws-mock.js';

describe('classifyStatus', () => {
  it.each([
    ['REVIEW_IN_PROGRESS', 'review'],
    ['CREATE_COMPLETE', 'stable'],
    ['UPDATE_COMPLETE', 'stable'],
    ['UPDATE_ROLLBACK_COMPLETE', 'stable'],
    ['IMPORT_COMPLETE', 'stable'],
    ['IMPORT_ROLLBACK_COMPLETE', 'stable'],
    ['ROLLBACK_COMPLETE', 'recreate'],
    ['CREATE_FAILED', 'recreate'],
    ['CREATE_IN_PROGRESS', 'in-progress'],
    ['UPDATE_COMPLETE_CLEANUP_IN_PROGRESS', 'in-progress'],
    ['UPDATE_ROLLBACK_IN_PROGRESS', 'in-progress'],
    ['DELETE_IN_PROGRESS', 'in-progress'],
    ['UPDATE_ROLLBACK_FAILED', 'update-rollback-failed'],
    ['DELETE_FAILED', 'delete-failed'],
    ['ROLLBACK_FAILED', 'rollback-failed'],
    ['IMPORT_ROLLBACK_FAILED', 'rollback-failed'],
    ['DELETE_COMPLETE', 'absent'],
  ])('%s is %s', (status, kind) => {
    expect(classifyStatus(status)).toBe(kind);
  });
});

describe('describeStackState', () => {
  let cfn: FakeCloudFormation;
  beforeEach(() => (cfn = new FakeCloudFormation('demo-stack')));
  afterEach(() => cfn.restore());

  it('reads "Stack with id … does not exist" as absent', async () => {
    await expect(describeStackState(cfn.client, 'demo-stack')).resolves.toEqual({
      kind: 'absent',
      stackName: 'demo-stack',
    });
  });

  it('returns the ARN, status, reason and outputs of an existing stack', async () => {
    cfn.givenStack('UPDATE_ROLLBACK_COMPLETE', { statusReason: 'x', outputs: { A: '1' } });
    await expect(describeStackState(cfn.client, 'demo-stack')).resolves.toEqual({
      kind: 'stable',
      stackName: 'demo-stack',
      stackId: cfn.stack?.id,
      status: 'UPDATE_ROLLBACK_COMPLETE',
      statusReason: 'x',
      outputs: { A: '1' },
    });
  });

  it('maps other DescribeStacks failures to AWS errors', async () => {
    cfn.mock
      .on(DescribeStacksCommand)
      .rejects(awsError('AccessDenied', 'Access Denied', { status: 403 }));
    await expect(describeStackState(cfn.client, 'demo-stack')).rejects.toMatchObject({
      code: 'AWS_ACCESS_DENIED',
      message: 'Access denied: the caller lacks cloudformation:DescribeStacks.',
    });
  });
});

describe('StackEventFollower', () => {
  it('reads across event pages, oldest first, only what is new since the last poll', async () => {
    // Given a stack with history, its events served three per page
    const cfn = new FakeCloudFormation('demo-stack');
    cfn.givenStack('UPDATE_COMPLETE');
    cfn.eventPageSize = 3;
    const follower = await StackEventFollower.start(cfn.client, cfn.stack?.id ?? '');

    // When seven events happen, then two more
    for (let i = 0; i < 7; i += 1)
      cfn.recordEvent({ logicalId: `R${i}`, status: 'UPDATE_COMPLETE' });
    const first = await follower.poll();
    cfn.recordEvent({ logicalId: 'R7', status: 'UPDATE_COMPLETE' });
    cfn.recordEvent({ logicalId: 'R8', status: 'UPDATE_COMPLETE' });
    const second = await follower.poll();

    // Then the history is never reported, and each poll gives only the new events, in order
    expect(first.map((a) => a.logicalId)).toEqual(['R0', 'R1', 'R2', 'R3', 'R4', 'R5', 'R6']);
    expect(second.map((a) => a.logicalId)).toEqual(['R7', 'R8']);
    expect(await follower.poll()).toEqual([]);
    cfn.restore();
  });
});
