/**
 * The stack workflow against moto (a local AWS emulator), with clients from the real factory.
 *
 * What moto 5.2 does with the CloudFormation calls the workflow makes (checked by hand and
 * relied on here):
 * - CreateChangeSet (CREATE) makes a REVIEW_IN_PROGRESS stack, like AWS; `RoleARN` is stored
 *   (never assumed) and `ResourceTypes` accepted without being enforced.
 * - DescribeChangeSet answers CREATE_COMPLETE at once; an identical template gives FAILED
 *   with AWS's own "The submitted information didn't contain changes" reason.
 * - ExecuteChangeSet and DeleteStack run synchronously: the next DescribeStacks already says
 *   CREATE_COMPLETE / DELETE_COMPLETE, so no poll ever sleeps. A deleted stack is still
 *   returned by ARN (DELETE_COMPLETE); by name it "does not exist".
 * - DescribeStackEvents records only the stack's own events (REVIEW_IN_PROGRESS,
 *   CREATE_IN_PROGRESS, CREATE_COMPLETE), no per-resource events, so failure reasons and
 *   nested stacks are covered by the client-mock tests instead.
 * - Outputs: a stack created or updated through a change set has NO outputs in moto (its
 *   `ChangeSet.apply` updates the resources but not the output map, which is built when the
 *   stack object is created from the still empty template). CreateStack does fill them.
 *   Tests that need a stack's outputs against moto must seed that stack with CreateStack.
 * - GetTemplate returns the body as submitted; DeleteChangeSet works. Resource types moto
 *   lacks (CodeBuild, CodePipeline projects in templates) are skipped silently.
 */
import { GetRoleCommand } from '@aws-sdk/client-iam';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { describe, expect, it } from 'vitest';

import { createAwsContext } from '../../src/lib/aws/clients.js';
import { callerIdentity } from '../../src/lib/aws/identity.js';
import { deleteStack } from '../../src/lib/stacks/delete.js';
import { deployStack, type DeployProgress } from '../../src/lib/stacks/deploy.js';
import { MOTO_ACCOUNT, MOTO_REGION, useMoto } from '../support/moto.js';

const moto = useMoto();

const TEMPLATE = `AWSTemplateFormatVersion: '2010-09-09'
Resources:
  AppRole:
    Type: AWS::IAM::Role
    Properties:
      RoleName: aiproxy-it-app
      Path: /aiproxy/
      AssumeRolePolicyDocument:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Principal: { Service: codebuild.amazonaws.com }
            Action: sts:AssumeRole
  Version:
    Type: AWS::SSM::Parameter
    Properties:
      Name: /aiproxy/it/version
      Type: String
      Value: '1'
Outputs:
  RoleArn:
    Value: !GetAtt AppRole.Arn
`;

const polling = { intervalMs: 10 };

describe('deployStack against moto', () => {
  it('creates, finds nothing to change, then deletes a stack with a role and a parameter', async () => {
    // Given clients built by the factory from the environment moto's harness set
    const ctx = createAwsContext({});
    expect(moto().endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    await expect(callerIdentity(ctx)).resolves.toMatchObject({
      account: MOTO_ACCOUNT,
      region: MOTO_REGION,
    });
    const progress: DeployProgress[] = [];
    const options = {
      cloudformation: ctx.cloudformation,
      stackName: 'aiproxy-it',
      templateBody: TEMPLATE,
      capabilities: ['CAPABILITY_NAMED_IAM' as const],
      resourceTypes: ['AWS::IAM::Role', 'AWS::SSM::Parameter'],
      confirm: () => Promise.resolve(true),
      onProgress: (event: DeployProgress) => progress.push(event),
      polling,
    };

    // When we deploy it for the first time
    const created = await deployStack(options);

    // Then the stack is created and its resources exist (moto gives no outputs: see above)
    expect(created).toMatchObject({ kind: 'deployed', operation: 'create' });
    await expect(
      ctx.iam.send(new GetRoleCommand({ RoleName: 'aiproxy-it-app' })),
    ).resolves.toMatchObject({ Role: { Path: '/aiproxy/' } });
    await expect(
      ctx.ssm.send(new GetParameterCommand({ Name: '/aiproxy/it/version' })),
    ).resolves.toMatchObject({ Parameter: { Value: '1' } });
    expect(progress.filter((event) => event.type === 'activity').length).toBeGreaterThan(0);

    // When we deploy the same template again
    const again = await deployStack({
      ...options,
      confirm: () => Promise.reject(new Error('asked')),
    });

    // Then there is nothing to change and nothing is asked
    expect(again).toMatchObject({ kind: 'no-changes', stackName: 'aiproxy-it' });

    // When we delete it
    const deleted = await deleteStack({
      cloudformation: ctx.cloudformation,
      stackName: 'aiproxy-it',
      polling,
    });

    // Then it is gone, and so is its role
    expect(deleted).toMatchObject({ kind: 'deleted' });
    await expect(
      ctx.iam.send(new GetRoleCommand({ RoleName: 'aiproxy-it-app' })),
    ).rejects.toMatchObject({ name: 'NoSuchEntityException' });
    expect(ctx.requestCount()).toBeGreaterThan(5);
  });

  it('deletes the empty stack when the first create is declined', async () => {
    const ctx = createAwsContext({});

    const declined = await deployStack({
      cloudformation: ctx.cloudformation,
      stackName: 'aiproxy-it-declined',
      templateBody: TEMPLATE.replaceAll('aiproxy-it-app', 'aiproxy-it-declined').replaceAll(
        '/aiproxy/it/version',
        '/aiproxy/it/declined',
      ),
      capabilities: ['CAPABILITY_NAMED_IAM'],
      confirm: () => Promise.resolve(false),
      polling,
    });

    expect(declined).toMatchObject({ kind: 'declined', stage: 'execute' });
    await expect(
      deleteStack({
        cloudformation: ctx.cloudformation,
        stackName: 'aiproxy-it-declined',
        polling,
      }),
    ).resolves.toMatchObject({ kind: 'absent' });
  });
});
