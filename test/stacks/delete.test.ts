import { DeleteStackCommand } from '@aws-sdk/client-cloudformation';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { deleteStack, type DeleteStackOptions } from '../../src/lib/stacks/delete.js';
import type { StackActivity } from '../../src/lib/stacks/types.js';
import { FakeCloudFormation, instantPolling } from '../support/aws-mock.js';

let cfn: FakeCloudFormation;
let seen: StackActivity[];

beforeEach(() => {
  cfn = new FakeCloudFormation('demo-stack');
  seen = [];
});
afterEach(() => cfn.restore());

function remove(extra: Partial<DeleteStackOptions> = {}) {
  return deleteStack({
    cloudformation: cfn.client,
    stackName: 'demo-stack',
    onActivity: (activity) => seen.push(activity),
    polling: instantPolling,
    ...extra,
  });
}

describe('deleteStack', () => {
  it('says there is nothing to delete when the stack does not exist', async () => {
    await expect(remove()).resolves.toEqual({ kind: 'absent', stackName: 'demo-stack' });
    expect(cfn.inputsOf(DeleteStackCommand)).toHaveLength(0);
  });

  it('deletes with the given role and waits for DELETE_COMPLETE, reporting events', async () => {
    cfn.givenStack('UPDATE_COMPLETE');
    const roleArn = 'arn:aws:iam::123456789012:role/aiproxy-global/exec';

    const result = await remove({ roleArn });

    expect(result).toMatchObject({ kind: 'deleted', stackId: cfn.stack?.id });
    expect(cfn.inputsOf(DeleteStackCommand)[0]).toMatchObject({ RoleARN: roleArn });
    expect(seen.map((a) => a.status)).toEqual(['DELETE_IN_PROGRESS', 'DELETE_COMPLETE']);
  });

  it('asks first when given a confirm callback, and does nothing on no', async () => {
    cfn.givenStack('CREATE_COMPLETE');

    const result = await remove({ confirm: () => Promise.resolve(false) });

    expect(result).toEqual({ kind: 'declined', stackName: 'demo-stack' });
    expect(cfn.inputsOf(DeleteStackCommand)).toHaveLength(0);
  });

  it('returns the reason a resource could not be deleted', async () => {
    cfn.givenStack('UPDATE_COMPLETE');
    cfn.nextDelete = {
      finalStatus: 'DELETE_FAILED',
      statusReason: 'The following resource(s) failed to delete: [Bucket].',
      events: [
        {
          logicalId: 'Bucket',
          resourceType: 'AWS::S3::Bucket',
          status: 'DELETE_FAILED',
          reason: 'The bucket you tried to delete is not empty',
        },
      ],
    };

    const result = await remove();

    expect(result).toMatchObject({
      kind: 'failed',
      status: 'DELETE_FAILED',
      failure: { logicalId: 'Bucket', reason: 'The bucket you tried to delete is not empty' },
    });
  });

  it('deletes a DELETE_FAILED stack again, retaining what cannot go', async () => {
    cfn.givenStack('DELETE_FAILED');

    const result = await remove({ retainResources: ['Bucket'] });

    expect(result).toMatchObject({ kind: 'deleted' });
    expect(cfn.inputsOf(DeleteStackCommand)[0]).toMatchObject({ RetainResources: ['Bucket'] });
  });

  it('never sends RetainResources for a healthy stack (CloudFormation rejects it)', async () => {
    cfn.givenStack('UPDATE_COMPLETE');
    await remove({ retainResources: ['Bucket'] });
    expect(cfn.inputsOf(DeleteStackCommand)[0]).not.toHaveProperty('RetainResources');
  });

  it('refuses to race an operation in progress', async () => {
    cfn.givenStack('CREATE_IN_PROGRESS');
    await expect(remove()).rejects.toMatchObject({ code: 'STACK_BUSY' });
  });
});
