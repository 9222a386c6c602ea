import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { diagnoseLive, liveDoctorJson } from '../../../src/lib/doctor/live/diagnose.js';
import {
  ACCOUNT,
  PIPELINE,
  REGION,
  cloudFormationAction,
  context,
  execution,
  expectValidJson,
  givenActions,
  givenExecutions,
  givenPolicies,
  givenRole,
  givenSimulation,
  givenStackEvents,
  mockAws,
  stackEvent,
  type AwsMocks,
} from './support.js';

let aws: AwsMocks;
beforeEach(() => {
  aws = mockAws();
});
afterEach(() => aws.restore());

const APP = 'aiproxy-iam-refactor-app';
const NESTED = 'aiproxy-iam-refactor-app-Api-1ABC';
const NESTED_ID = `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/${NESTED}/id`;
const EXEC_ROLE = `aiproxy-global-cfn-exec-${REGION}`;
const PIPELINE_ROLE = `aiproxy-global-pipeline-${REGION}`;

const CREATE_TOPIC_DENIED =
  `Resource handler returned message: "User: arn:aws:sts::${ACCOUNT}:assumed-role/${EXEC_ROLE}/AWSCloudFormation ` +
  `is not authorized to perform: sns:CreateTopic on resource: arn:aws:sns:${REGION}:${ACCOUNT}:aiproxy-iam-refactor-alerts ` +
  `because no identity-based policy allows the sns:CreateTopic action (Service: Sns, Status Code: 403, Request ID: 5d1c)" ` +
  `(RequestToken: 9f2e, HandlerErrorCode: AccessDenied)`;

/** Given: the app stack's last update failed in its nested stack, after an older success. */
function givenNestedStackFailure(): void {
  givenStackEvents(
    aws,
    APP,
    [
      stackEvent(APP, APP, 'UPDATE_ROLLBACK_COMPLETE', 20),
      stackEvent(APP, APP, 'UPDATE_ROLLBACK_IN_PROGRESS', 15, {
        ResourceStatusReason: 'The following resource(s) failed to update: [Api].',
      }),
      stackEvent(APP, 'Api', 'UPDATE_FAILED', 14, {
        ResourceType: 'AWS::CloudFormation::Stack',
        PhysicalResourceId: NESTED_ID,
        ResourceStatusReason: `Embedded stack ${NESTED_ID} was not successfully updated. Currently in UPDATE_ROLLBACK_IN_PROGRESS with reason: The following resource(s) failed to create: [AlertsTopic].`,
      }),
      stackEvent(APP, 'Api', 'UPDATE_IN_PROGRESS', 11, {
        ResourceType: 'AWS::CloudFormation::Stack',
        PhysicalResourceId: NESTED_ID,
      }),
      stackEvent(APP, APP, 'UPDATE_IN_PROGRESS', 10, { ResourceStatusReason: 'User Initiated' }),
      // An older operation: never read past the start above.
      stackEvent(APP, APP, 'UPDATE_COMPLETE', 2),
      stackEvent(APP, 'OldRole', 'UPDATE_FAILED', 1, {
        ResourceStatusReason:
          'User: arn:aws:sts::123456789012:assumed-role/old/x is not authorized to perform: iam:PutRolePolicy on resource: role old',
      }),
      stackEvent(APP, APP, 'UPDATE_IN_PROGRESS', 0),
    ],
    3,
  );
  givenStackEvents(aws, NESTED_ID, [
    stackEvent(NESTED, NESTED, 'UPDATE_ROLLBACK_COMPLETE', 19, { StackId: NESTED_ID }),
    stackEvent(NESTED, 'AlertsTopic', 'CREATE_FAILED', 13, {
      StackId: NESTED_ID,
      ResourceType: 'AWS::SNS::Topic',
      ResourceStatusReason: CREATE_TOPIC_DENIED,
    }),
    stackEvent(NESTED, 'AlertsTopic', 'CREATE_IN_PROGRESS', 12, {
      StackId: NESTED_ID,
      ResourceType: 'AWS::SNS::Topic',
    }),
    stackEvent(NESTED, NESTED, 'UPDATE_IN_PROGRESS', 11, { StackId: NESTED_ID }),
    stackEvent(NESTED, NESTED, 'CREATE_COMPLETE', 1, { StackId: NESTED_ID }),
  ]);
}

function givenGlobalRoles(): void {
  for (const role of [EXEC_ROLE, PIPELINE_ROLE]) {
    givenRole(aws, role, { path: '/aiproxy-global/' });
    givenPolicies(aws, role, {});
  }
  givenSimulation(aws, 'allowed');
}

describe('doctor against a pipeline whose CloudFormation action failed', () => {
  it('reads the last operation’s events, nested stack included, and finds the denial there', async () => {
    // Given a pipeline whose deploy action failed on a nested stack
    givenExecutions(aws, [execution('exec-9', 'Failed', 10)]);
    givenActions(aws, [
      cloudFormationAction(
        APP,
        `Stack ${APP} is in UPDATE_ROLLBACK_COMPLETE state and can not be updated.`,
      ),
    ]);
    givenNestedStackFailure();
    givenGlobalRoles();

    // When doctor diagnoses the pipeline
    const diagnosis = await diagnoseLive(context(), { kind: 'pipeline', name: PIPELINE });

    // Then the nested stack's event gave the denial, with its stack as the source
    expect(diagnosis.report.denials).toHaveLength(1);
    expect(diagnosis.report.denials[0]).toMatchObject({
      action: 'sns:CreateTopic',
      roleName: EXEC_ROLE,
      source: { file: `stack-events:${NESTED}`, writer: 'aws' },
    });
    // And the older operation's denial was not read
    expect(JSON.stringify(diagnosis.report)).not.toContain('iam:PutRolePolicy');
    // And the operation is described from its start, nested stack named, cause found
    expect(diagnosis.failedActions[0]?.stack).toMatchObject({
      name: APP,
      operation: 'UPDATE_IN_PROGRESS',
      nestedStacks: [NESTED],
      firstFailure: { stackName: NESTED, logicalId: 'AlertsTopic', status: 'CREATE_FAILED' },
    });
    // And the execution role is global: an admin's fix
    expect(diagnosis.placement[0]).toMatchObject({ kind: 'global', roleName: EXEC_ROLE });
    expect(diagnosis.placement[0]?.fix).toContain('aiproxy setup');
    expectValidJson(liveDoctorJson(diagnosis));
  });

  it('finds a pipeline role’s denial in the action’s own error message', async () => {
    // Given a deploy action that failed before CloudFormation: the pipeline role could not read
    // the build's artifact
    const message =
      `Amazon S3:AccessDenied: User: arn:aws:sts::${ACCOUNT}:assumed-role/${PIPELINE_ROLE}/1709287200000 ` +
      `is not authorized to perform: s3:GetObject on resource: "arn:aws:s3:::aiproxy-iam-refactor-${ACCOUNT}-${REGION}/aiproxy-iam-refactor-p/BuildOutpu/Xyz12" ` +
      'because no identity-based policy allows the s3:GetObject action';
    givenExecutions(aws, [execution('exec-9', 'Failed', 10)]);
    givenActions(aws, [cloudFormationAction(APP, message)]);
    givenStackEvents(aws, APP, [
      stackEvent(APP, APP, 'UPDATE_COMPLETE', 2),
      stackEvent(APP, APP, 'UPDATE_IN_PROGRESS', 1),
    ]);
    givenGlobalRoles();

    // When doctor diagnoses the pipeline
    const diagnosis = await diagnoseLive(context(), { kind: 'pipeline', name: PIPELINE });

    // Then the denial comes from the action message, written by AWS
    expect(diagnosis.report.denials[0]).toMatchObject({
      action: 's3:GetObject',
      roleName: PIPELINE_ROLE,
      source: { file: 'action:Deploy/DeployApp', line: 1, writer: 'aws' },
    });
    expect(diagnosis.placement[0]).toMatchObject({ kind: 'global', evidence: 'role-path' });
    expect(diagnosis.outcome).toBe('denials');
    expectValidJson(liveDoctorJson(diagnosis));
  });

  it('with --stack, diagnoses the last failed operation and notes a newer success', async () => {
    // Given a stack whose latest update succeeded, after a failed one
    givenStackEvents(aws, APP, [
      stackEvent(APP, APP, 'UPDATE_COMPLETE', 40),
      stackEvent(APP, APP, 'UPDATE_IN_PROGRESS', 30),
      stackEvent(APP, APP, 'UPDATE_ROLLBACK_COMPLETE', 20),
      stackEvent(APP, 'Service', 'UPDATE_FAILED', 14, {
        ResourceType: 'AWS::ECS::Service',
        ResourceStatusReason:
          'Resource handler returned message: "Invalid request provided: CannotPullContainerError: image not found" (HandlerErrorCode: InvalidRequest)',
      }),
      stackEvent(APP, APP, 'UPDATE_IN_PROGRESS', 10),
    ]);

    // When doctor diagnoses the stack directly
    const diagnosis = await diagnoseLive(context(), { kind: 'stack', stackName: APP });

    // Then it is a failure that is not a denial, with its resource and reason
    expect(diagnosis.outcome).toBe('failure');
    expect(diagnosis.failedActions[0]?.failure).toMatchObject({
      phase: 'UPDATE_FAILED',
      command: 'Service (AWS::ECS::Service)',
    });
    expect(diagnosis.failedActions[0]?.failure.reason).toContain('CannotPullContainerError');
    expect(diagnosis.notes.join('\n')).toMatch(/newer operation ended UPDATE_COMPLETE/);
    expectValidJson(liveDoctorJson(diagnosis));
  });

  it('says when a named stack does not exist (exit 2)', async () => {
    aws.cloudformation.rejects(
      Object.assign(new Error('Stack with id nope does not exist'), {
        name: 'ValidationError',
        $metadata: {},
      }),
    );

    await expect(
      diagnoseLive(context(), { kind: 'stack', stackName: 'nope' }),
    ).rejects.toMatchObject({
      code: 'STACK_NOT_FOUND',
      exitCode: 2,
    });
  });
});
