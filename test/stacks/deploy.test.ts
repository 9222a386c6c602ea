import {
  CreateChangeSetCommand,
  DeleteChangeSetCommand,
  DeleteStackCommand,
  ExecuteChangeSetCommand,
} from '@aws-sdk/client-cloudformation';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { RefusedError } from '../../src/lib/errors.js';
import {
  deployStack,
  type ConfirmQuestion,
  type DeployProgress,
  type DeployStackOptions,
} from '../../src/lib/stacks/deploy.js';
import { protectResources } from '../../src/lib/stacks/guards.js';
import {
  awsError,
  FakeCloudFormation,
  instantPolling,
  resourceChange,
  REGION,
} from '../support/aws-mock.js';

const TEMPLATE = `Resources:
  ExecutionRole:
    Type: AWS::IAM::Role
    Properties:
      RoleName: !Sub '\${AWS::StackName}-exec'
      AssumeRolePolicyDocument: { Statement: [] }
`;
const ROLE_ARN = 'arn:aws:iam::123456789012:role/aiproxy-global/exec';
const NO_CHANGES =
  "The submitted information didn't contain changes. Submit different information to create a change set.";

let cfn: FakeCloudFormation;
let progress: DeployProgress[];
let questions: ConfirmQuestion[];

beforeEach(() => {
  cfn = new FakeCloudFormation('demo-stack');
  progress = [];
  questions = [];
});
afterEach(() => cfn.restore());

/** Deploys TEMPLATE, answering every question with `answer`. */
function deploy(
  answer: boolean | ((q: ConfirmQuestion) => boolean),
  extra: Partial<DeployStackOptions> = {},
) {
  return deployStack({
    cloudformation: cfn.client,
    stackName: 'demo-stack',
    templateBody: TEMPLATE,
    capabilities: ['CAPABILITY_NAMED_IAM'],
    roleArn: ROLE_ARN,
    resourceTypes: ['AWS::IAM::Role', 'AWS::SSM::Parameter'],
    tags: { app: 'aiproxy' },
    confirm: (question) => {
      questions.push(question);
      return Promise.resolve(typeof answer === 'function' ? answer(question) : answer);
    },
    onProgress: (event) => progress.push(event),
    polling: instantPolling,
    ...extra,
  });
}

const activities = () =>
  progress.flatMap((event) => (event.type === 'activity' ? [event.activity] : []));

describe('deployStack: first create', () => {
  it('creates the stack through a CREATE change set that names the role and resource types', async () => {
    // Given no stack, and a change set that adds the execution role
    cfn.nextChangeSet = { changes: [resourceChange('Add', 'ExecutionRole', 'AWS::IAM::Role')] };
    cfn.nextExecution = {
      finalStatus: 'CREATE_COMPLETE',
      events: [{ logicalId: 'ExecutionRole', status: 'CREATE_COMPLETE' }],
    };
    const show = vi.fn();

    // When we deploy and accept
    const result = await deploy(true, { show });

    // Then the stack is created, and the change set carried RoleARN and ResourceTypes
    expect(result).toMatchObject({
      kind: 'deployed',
      operation: 'create',
      stackName: 'demo-stack',
    });
    expect(cfn.inputsOf(CreateChangeSetCommand)[0]).toMatchObject({
      ChangeSetType: 'CREATE',
      RoleARN: ROLE_ARN,
      ResourceTypes: ['AWS::IAM::Role', 'AWS::SSM::Parameter'],
      Capabilities: ['CAPABILITY_NAMED_IAM'],
      Tags: [{ Key: 'app', Value: 'aiproxy' }],
    });
    expect(questions).toMatchObject([{ kind: 'execute', changeSetType: 'CREATE' }]);
    expect(show.mock.calls[0]?.[0]).toMatchObject({
      changeSetType: 'CREATE',
      currentTemplate: {},
      changes: [{ action: 'Add', logicalId: 'ExecutionRole' }],
      // The YAML short forms are read back into their long form for the diff
      newTemplate: {
        Resources: {
          ExecutionRole: { Properties: { RoleName: { 'Fn::Sub': '${AWS::StackName}-exec' } } },
        },
      },
    });
    // And only this operation's events were reported, in order
    expect(activities().map((a) => `${a.logicalId} ${a.status}`)).toEqual([
      'demo-stack CREATE_IN_PROGRESS',
      'ExecutionRole CREATE_COMPLETE',
      'demo-stack CREATE_COMPLETE',
    ]);
  });

  it('deletes the empty REVIEW_IN_PROGRESS stack when the first create is declined', async () => {
    cfn.nextChangeSet = { changes: [resourceChange('Add', 'ExecutionRole', 'AWS::IAM::Role')] };

    const result = await deploy(false);

    expect(result).toEqual({ kind: 'declined', stackName: 'demo-stack', stage: 'execute' });
    expect(cfn.stack?.status).toBe('DELETE_COMPLETE');
    expect(cfn.inputsOf(ExecuteChangeSetCommand)).toHaveLength(0);
    // The developer policy allows DeleteStack only with the execution role
    expect(cfn.inputsOf(DeleteStackCommand)[0]).toMatchObject({ RoleARN: ROLE_ARN });
  });

  it('cleans up the same way when the prompt refuses by throwing (no TTY, Ctrl-C)', async () => {
    cfn.nextChangeSet = { changes: [resourceChange('Add', 'ExecutionRole', 'AWS::IAM::Role')] };
    const refusal = new RefusedError('DECLINED', 'Declined.');

    await expect(deploy(true, { confirm: () => Promise.reject(refusal) })).rejects.toBe(refusal);
    expect(cfn.stack?.status).toBe('DELETE_COMPLETE');
  });

  it('reports a change set CloudFormation rejects, and leaves no empty stack', async () => {
    cfn.nextChangeSet = {
      failure: 'Template format error: Unresolved resource dependencies [Nope]',
    };

    await expect(deploy(true)).rejects.toMatchObject({
      code: 'CHANGE_SET_FAILED',
      message: expect.stringContaining('Unresolved resource dependencies [Nope]') as unknown,
    });
    expect(cfn.stack?.status).toBe('DELETE_COMPLETE');
  });

  it('leaves no empty stack when CloudFormation rejects the execution itself', async () => {
    cfn.nextChangeSet = { changes: [resourceChange('Add', 'ExecutionRole', 'AWS::IAM::Role')] };
    cfn.mock
      .on(ExecuteChangeSetCommand)
      .rejects(
        awsError('ValidationError', 'No export named aiproxy-global-BoundaryPolicyArn found.'),
      );

    await expect(deploy(true)).rejects.toMatchObject({
      message: expect.stringContaining('No export named') as unknown,
    });
    expect(cfn.stack?.status).toBe('DELETE_COMPLETE');
    expect(cfn.inputsOf(DeleteStackCommand)[0]).toMatchObject({ RoleARN: ROLE_ARN });
  });

  it('names the missing permission when CreateChangeSet is denied', async () => {
    cfn.mock
      .on(CreateChangeSetCommand)
      .rejects(
        awsError(
          'AccessDenied',
          'User: arn:aws:sts::123456789012:assumed-role/Dev/bob is not authorized to perform: iam:PassRole on resource: ' +
            ROLE_ARN,
          { status: 403 },
        ),
      );

    await expect(deploy(true)).rejects.toMatchObject({
      code: 'AWS_ACCESS_DENIED',
      message: `Access denied: the caller lacks iam:PassRole on ${ROLE_ARN}.`,
    });
  });
});

describe('deployStack: update', () => {
  it('updates a stable stack, showing the deployed template next to the new one', async () => {
    // Given a stack whose last update rolled back (healthy, updatable)
    cfn.givenStack('UPDATE_ROLLBACK_COMPLETE', {
      template: '{"Resources":{"Old":{"Type":"AWS::SSM::Parameter"}}}',
      outputs: { RoleArn: ROLE_ARN },
    });
    cfn.nextChangeSet = {
      changes: [resourceChange('Modify', 'ExecutionRole', 'AWS::IAM::Role', 'False')],
    };
    const show = vi.fn();

    const result = await deploy(true, { show });

    expect(result).toMatchObject({ kind: 'deployed', operation: 'update' });
    expect(cfn.inputsOf(CreateChangeSetCommand)[0]?.ChangeSetType).toBe('UPDATE');
    expect(show).toHaveBeenCalledWith(
      expect.objectContaining({
        currentTemplate: { Resources: { Old: { Type: 'AWS::SSM::Parameter' } } },
      }),
    );
    // The older event from before this deploy is not replayed
    expect(activities().some((a) => a.reason === 'an older operation')).toBe(false);
  });

  it('says there is nothing to change, deleting the empty change set and asking nothing', async () => {
    cfn.givenStack('UPDATE_COMPLETE', { outputs: { RoleArn: ROLE_ARN } });
    cfn.nextChangeSet = { failure: NO_CHANGES };

    const result = await deploy(true);

    expect(result).toMatchObject({ kind: 'no-changes', outputs: { RoleArn: ROLE_ARN } });
    expect(cfn.inputsOf(DeleteChangeSetCommand)).toHaveLength(1);
    expect(cfn.changeSetNames()).toEqual([]);
    expect(questions).toEqual([]);
  });

  it('reads every page of a large change set', async () => {
    cfn.givenStack('UPDATE_COMPLETE');
    const changes = Array.from({ length: 150 }, (_, i) =>
      resourceChange('Add', `Param${i}`, 'AWS::SSM::Parameter'),
    );
    cfn.nextChangeSet = { changes, pageSize: 100 };
    const show = vi.fn();

    await deploy(false, { show });

    expect(show.mock.calls[0]?.[0]).toMatchObject({ changes: expect.any(Array) as unknown });
    expect((show.mock.calls[0]?.[0] as { changes: unknown[] }).changes).toHaveLength(150);
  });
  it('sends no Tags or Parameters when none are given (an empty Tags list strips tags)', async () => {
    cfn.givenStack('UPDATE_COMPLETE');
    cfn.nextChangeSet = { failure: NO_CHANGES };

    await deployStack({
      cloudformation: cfn.client,
      stackName: 'demo-stack',
      templateBody: TEMPLATE,
      capabilities: [],
      confirm: () => Promise.resolve(true),
      polling: instantPolling,
    });

    const input = cfn.inputsOf(CreateChangeSetCommand)[0];
    expect(input).not.toHaveProperty('Tags');
    expect(input).not.toHaveProperty('Parameters');
  });
});

describe('deployStack: guards', () => {
  it('refuses a change set that replaces the execution role, and deletes it', async () => {
    cfn.givenStack('UPDATE_COMPLETE');
    cfn.nextChangeSet = {
      changes: [resourceChange('Modify', 'ExecutionRole', 'AWS::IAM::Role', 'True')],
    };

    const result = await deploy(true, {
      guard: protectResources({ ExecutionRole: 'the execution role' }),
    });

    expect(result).toMatchObject({
      kind: 'refused',
      refusal: { reason: 'The change set would replace the execution role (ExecutionRole).' },
    });
    expect(cfn.changeSetNames()).toEqual([]);
    expect(questions).toEqual([]);
    expect(cfn.inputsOf(ExecuteChangeSetCommand)).toHaveLength(0);
  });
});

describe('deployStack: stack states', () => {
  it('offers to delete and recreate a ROLLBACK_COMPLETE stack, and does so when accepted', async () => {
    cfn.givenStack('ROLLBACK_COMPLETE', {
      statusReason: 'The following resource(s) failed to create: [Role]',
    });
    cfn.nextChangeSet = { changes: [resourceChange('Add', 'ExecutionRole', 'AWS::IAM::Role')] };

    const result = await deploy(true);

    expect(questions.map((q) => q.kind)).toEqual(['recreate', 'execute']);
    expect(cfn.inputsOf(DeleteStackCommand)).toEqual([
      expect.objectContaining({ RoleARN: ROLE_ARN }),
    ]);
    expect(cfn.inputsOf(CreateChangeSetCommand)[0]?.ChangeSetType).toBe('CREATE');
    expect(result).toMatchObject({ kind: 'deployed', operation: 'create' });
  });

  it('leaves a ROLLBACK_COMPLETE stack alone when the recreate is declined', async () => {
    cfn.givenStack('ROLLBACK_COMPLETE');

    const result = await deploy(false);

    expect(result).toEqual({ kind: 'declined', stackName: 'demo-stack', stage: 'recreate' });
    expect(cfn.inputsOf(DeleteStackCommand)).toHaveLength(0);
    expect(cfn.inputsOf(CreateChangeSetCommand)).toHaveLength(0);
  });

  it('stops on an operation in progress unless told to wait', async () => {
    cfn.givenStack('UPDATE_IN_PROGRESS');

    await expect(deploy(true)).rejects.toMatchObject({
      code: 'STACK_BUSY',
      message: 'Stack demo-stack is UPDATE_IN_PROGRESS: another operation is running on it.',
    });
  });

  it('waits for an operation in progress, then deploys', async () => {
    // Given someone else's update is running; it ends while we wait
    cfn.givenStack('UPDATE_IN_PROGRESS');
    let polls = 0;
    const polling = {
      ...instantPolling,
      sleep: () => {
        polls += 1;
        if (cfn.stack !== undefined && cfn.stack.status === 'UPDATE_IN_PROGRESS') {
          cfn.stack.status = 'UPDATE_COMPLETE';
        }
        return Promise.resolve(true);
      },
    };
    cfn.nextChangeSet = { failure: NO_CHANGES };

    const result = await deploy(true, { waitIfBusy: true, polling });

    expect(polls).toBeGreaterThan(0);
    expect(progress).toContainEqual({
      type: 'waiting',
      stackName: 'demo-stack',
      status: 'UPDATE_IN_PROGRESS',
    });
    expect(result).toMatchObject({ kind: 'no-changes' });
  });

  it('explains UPDATE_ROLLBACK_FAILED with the continue-update-rollback command', async () => {
    cfn.givenStack('UPDATE_ROLLBACK_FAILED', { statusReason: 'Role in use' });

    await expect(deploy(true)).rejects.toMatchObject({
      code: 'STACK_UPDATE_ROLLBACK_FAILED',
      exitCode: 3,
      suggestions: [
        expect.any(String),
        expect.stringContaining(
          `aws cloudformation continue-update-rollback --stack-name demo-stack --role-arn ${ROLE_ARN}`,
        ),
      ] as unknown,
    });
  });

  it('explains DELETE_FAILED with the delete command', async () => {
    cfn.givenStack('DELETE_FAILED');
    await expect(deploy(true)).rejects.toMatchObject({ code: 'STACK_DELETE_FAILED' });
  });
});

describe('deployStack: execution', () => {
  it('returns the first failed event, not the cancellations that follow it', async () => {
    cfn.givenStack('UPDATE_COMPLETE');
    cfn.nextChangeSet = { changes: [resourceChange('Add', 'Repo', 'AWS::ECR::Repository')] };
    const denial =
      'Resource handler returned message: "User: arn:aws:sts::123456789012:assumed-role/exec/x is not authorized to perform: ecr:CreateRepository"';
    cfn.nextExecution = {
      finalStatus: 'UPDATE_ROLLBACK_COMPLETE',
      events: [
        {
          logicalId: 'Repo',
          resourceType: 'AWS::ECR::Repository',
          status: 'CREATE_FAILED',
          reason: denial,
        },
        {
          logicalId: 'Bucket',
          resourceType: 'AWS::S3::Bucket',
          status: 'CREATE_FAILED',
          reason: 'Resource creation cancelled',
        },
      ],
    };

    const result = await deploy(true);

    expect(result).toMatchObject({
      kind: 'failed',
      operation: 'update',
      status: 'UPDATE_ROLLBACK_COMPLETE',
      failure: { logicalId: 'Repo', resourceType: 'AWS::ECR::Repository', reason: denial },
    });
  });

  it("follows a nested stack's events and finds the failure inside it", async () => {
    cfn.givenStack('UPDATE_COMPLETE');
    cfn.nextChangeSet = {
      changes: [resourceChange('Add', 'Nested', 'AWS::CloudFormation::Stack')],
    };
    const nestedId = `arn:aws:cloudformation:${REGION}:123456789012:stack/demo-stack-Nested-1/n1`;
    cfn.nextExecution = {
      finalStatus: 'UPDATE_ROLLBACK_COMPLETE',
      events: [
        {
          logicalId: 'Nested',
          resourceType: 'AWS::CloudFormation::Stack',
          status: 'CREATE_IN_PROGRESS',
          physicalId: nestedId,
        },
        {
          stackId: nestedId,
          logicalId: 'Topic',
          resourceType: 'AWS::SNS::Topic',
          status: 'CREATE_FAILED',
          reason: 'Access denied for sns:CreateTopic',
        },
        {
          logicalId: 'Nested',
          resourceType: 'AWS::CloudFormation::Stack',
          status: 'CREATE_FAILED',
          physicalId: nestedId,
          reason: `Embedded stack ${nestedId} was not successfully created: The following resource(s) failed to create: [Topic].`,
        },
      ],
    };

    const result = await deploy(true);

    expect(result).toMatchObject({
      kind: 'failed',
      failure: { logicalId: 'Topic', nested: true, reason: 'Access denied for sns:CreateTopic' },
    });
    expect(activities().some((a) => a.nested && a.logicalId === 'Topic')).toBe(true);
  });

  it('leaves the deployment running on Ctrl-C and says how to follow it', async () => {
    cfn.givenStack('UPDATE_COMPLETE');
    cfn.nextChangeSet = { changes: [resourceChange('Add', 'Repo', 'AWS::ECR::Repository')] };
    // The update is still running when the first poll looks at it
    cfn.nextExecution = { finalStatus: 'UPDATE_IN_PROGRESS' };
    const polling = {
      intervalMs: 0,
      sleep: (_ms: number, signal?: AbortSignal) => {
        // The user presses Ctrl-C while we wait
        process.emit('SIGINT');
        return Promise.resolve(signal?.aborted !== true);
      },
    };

    const result = await deploy(true, { polling });

    expect(result).toEqual({
      kind: 'interrupted',
      stackName: 'demo-stack',
      stackId: cfn.stack?.id,
      status: 'UPDATE_IN_PROGRESS',
      followCommand: `aws cloudformation describe-stack-events --stack-name demo-stack --region ${REGION}`,
    });
    expect(process.listenerCount('SIGINT')).toBe(0);
  });

  it('stops waiting when the caller aborts its own signal', async () => {
    cfn.givenStack('UPDATE_COMPLETE');
    cfn.nextChangeSet = { changes: [resourceChange('Add', 'Repo', 'AWS::ECR::Repository')] };
    cfn.nextExecution = { finalStatus: 'UPDATE_IN_PROGRESS' };
    const controller = new AbortController();
    const polling = {
      intervalMs: 0,
      sleep: () => {
        controller.abort();
        return Promise.resolve(false);
      },
    };

    const result = await deploy(true, { polling, signal: controller.signal });

    expect(result).toMatchObject({ kind: 'interrupted' });
  });
});
