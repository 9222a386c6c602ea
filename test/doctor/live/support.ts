/**
 * Givens for the live doctor's stories: a mocked AWS (every client `doctor` uses, through
 * `aws-sdk-client-mock`) that answers like the real services do for a failed pipeline, and the
 * JSON Schema check every `--json` document must pass.
 */
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';

import {
  CloudFormationClient,
  DescribeStackEventsCommand,
  DescribeStackResourcesCommand,
  DescribeStacksCommand,
  type StackEvent,
} from '@aws-sdk/client-cloudformation';
import { CloudWatchLogsClient, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { BatchGetBuildsCommand, CodeBuildClient, type Build } from '@aws-sdk/client-codebuild';
import {
  CodePipelineClient,
  GetPipelineExecutionCommand,
  ListActionExecutionsCommand,
  ListPipelineExecutionsCommand,
  type ActionExecutionDetail,
  type PipelineExecutionSummary,
} from '@aws-sdk/client-codepipeline';
import {
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  IAMClient,
  ListAttachedRolePoliciesCommand,
  ListRolePoliciesCommand,
  PutRolePolicyCommand,
  SimulatePrincipalPolicyCommand,
} from '@aws-sdk/client-iam';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { Ajv } from 'ajv';
import { mockClient } from 'aws-sdk-client-mock';

import { createAwsContext, type AwsContext } from '../../../src/lib/aws/clients.js';
import { ACCOUNT, REGION, awsError } from '../../support/aws-mock.js';

export { ACCOUNT, REGION, awsError };

/** The real failing build log bundled with the project. */
export const SEED_LOG = readFileSync(
  new URL('../../../examples/codebuild-ecr-login-denied.log', import.meta.url),
  'utf8',
);

export const PIPELINE = 'aiproxy-iam-refactor-pipeline';
export const PIPELINE_STACK = 'aiproxy-iam-refactor-cicd';
export const BUILD_ROLE = 'aiproxy-iam-refactor-cicd-CodeBuildServiceRole-acpZXNrsWUoW';
export const BUILD_ID = 'aiproxy-iam-refactor-build:72a7bcfe-fee1-480b-8aad-2c1e7bfc9989';
export const LOG_GROUP = '/aws/codebuild/aiproxy-iam-refactor-build';
export const LOG_STREAM = '72a7bcfe-fee1-480b-8aad-2c1e7bfc9989';
export const T0 = new Date('2026-03-01T10:00:00Z');

/** Minutes after T0. */
export function at(minutes: number): Date {
  return new Date(T0.getTime() + minutes * 60_000);
}

/** Every client `doctor` uses, mocked at the class level (so the factory's clients are too). */
export function mockAws() {
  const mocks = {
    sts: mockClient(STSClient),
    codepipeline: mockClient(CodePipelineClient),
    codebuild: mockClient(CodeBuildClient),
    logs: mockClient(CloudWatchLogsClient),
    s3: mockClient(S3Client),
    cloudformation: mockClient(CloudFormationClient),
    iam: mockClient(IAMClient),
  };
  mocks.sts
    .on(GetCallerIdentityCommand)
    .resolves({ Account: ACCOUNT, Arn: `arn:aws:sts::${ACCOUNT}:assumed-role/dev/alice` });
  return {
    ...mocks,
    /** AWS requests sent, per service and operation (`codebuild:BatchGetBuilds`). */
    requests(): string[] {
      // Sinon numbers every call across all stubs (`callId`): that is the order they were sent.
      return Object.entries(mocks)
        .flatMap(([service, mock]) =>
          mock.calls().map((call) => {
            const command = (call.args[0] as { constructor: { name: string } }).constructor.name;
            return {
              id: (call as unknown as { callId: number }).callId,
              name: `${service}:${command.replace(/Command$/, '')}`,
            };
          }),
        )
        .sort((a, b) => a.id - b.id)
        .map((call) => call.name);
    },
    restore(): void {
      for (const mock of Object.values(mocks)) mock.restore();
    },
  };
}

export type AwsMocks = ReturnType<typeof mockAws>;

/** An AWS context as the command builds it: the mocked clients answer. */
export function context(): AwsContext {
  return createAwsContext({
    region: REGION,
    clientConfig: { credentials: { accessKeyId: 'AKIATEST', secretAccessKey: 'test' } },
  });
}

/** A pipeline execution summary. */
export function execution(
  id: string,
  status: PipelineExecutionSummary['status'],
  minutes: number,
): PipelineExecutionSummary {
  return {
    pipelineExecutionId: id,
    status,
    startTime: at(minutes),
    lastUpdateTime: at(minutes + 5),
  };
}

/** Given: the pipeline's executions, newest first. */
export function givenExecutions(aws: AwsMocks, executions: PipelineExecutionSummary[]): void {
  aws.codepipeline
    .on(ListPipelineExecutionsCommand)
    .resolves({ pipelineExecutionSummaries: executions });
  aws.codepipeline
    .on(GetPipelineExecutionCommand)
    .callsFake((input: { pipelineExecutionId: string }) => {
      const found = executions.find((e) => e.pipelineExecutionId === input.pipelineExecutionId);
      if (found === undefined) {
        throw awsError('PipelineExecutionNotFoundException', 'Execution not found');
      }
      return {
        pipelineExecution: { pipelineExecutionId: found.pipelineExecutionId, status: found.status },
      };
    });
}

/** A failed CodeBuild action, as ListActionExecutions reports it. */
export function codeBuildAction(buildId = BUILD_ID): ActionExecutionDetail {
  return {
    stageName: 'Build',
    actionName: 'Build',
    status: 'Failed',
    startTime: at(1),
    input: {
      actionTypeId: { category: 'Build', owner: 'AWS', provider: 'CodeBuild', version: '1' },
      configuration: { ProjectName: buildId.split(':')[0] ?? '' },
    },
    output: {
      executionResult: {
        externalExecutionId: buildId,
        externalExecutionSummary: 'Build terminated with state: FAILED',
        errorDetails: {
          code: 'JobFailed',
          message:
            'Build terminated with state: FAILED. Phase: PRE_BUILD, Code: COMMAND_EXECUTION_ERROR',
        },
      },
    },
  };
}

/** A failed CloudFormation deploy action. */
export function cloudFormationAction(stackName: string, message: string): ActionExecutionDetail {
  return {
    stageName: 'Deploy',
    actionName: 'DeployApp',
    status: 'Failed',
    startTime: at(3),
    input: {
      actionTypeId: { category: 'Deploy', owner: 'AWS', provider: 'CloudFormation', version: '1' },
      configuration: { ActionMode: 'CREATE_UPDATE', StackName: stackName },
    },
    output: { executionResult: { errorDetails: { code: 'JobFailed', message } } },
  };
}

/** Given: the execution's action executions (succeeded ones included, as AWS lists them). */
export function givenActions(aws: AwsMocks, actions: ActionExecutionDetail[]): void {
  const source: ActionExecutionDetail = {
    stageName: 'Source',
    actionName: 'Source',
    status: 'Succeeded',
    startTime: at(0),
    input: {
      actionTypeId: {
        category: 'Source',
        owner: 'AWS',
        provider: 'CodeStarSourceConnection',
        version: '1',
      },
    },
  };
  aws.codepipeline
    .on(ListActionExecutionsCommand)
    .resolves({ actionExecutionDetails: [...actions].reverse().concat(source) });
}

/** A failed build that logs to CloudWatch Logs. */
export function failedBuild(overrides: Partial<Build> = {}): Build {
  return {
    id: BUILD_ID,
    projectName: 'aiproxy-iam-refactor-build',
    buildStatus: 'FAILED',
    serviceRole: `arn:aws:iam::${ACCOUNT}:role/${BUILD_ROLE}`,
    phases: [
      { phaseType: 'INSTALL', phaseStatus: 'SUCCEEDED' },
      {
        phaseType: 'PRE_BUILD',
        phaseStatus: 'FAILED',
        contexts: [
          {
            statusCode: 'COMMAND_EXECUTION_ERROR',
            message:
              'Error while executing command: aws ecr get-login-password --region ${AWS_REGION} | docker login --username AWS --password-stdin ${ECR_REGISTRY}. Reason: exit status 1',
          },
        ],
      },
    ],
    logs: {
      groupName: LOG_GROUP,
      streamName: LOG_STREAM,
      cloudWatchLogs: { status: 'ENABLED' },
      s3Logs: { status: 'DISABLED' },
    },
    ...overrides,
  };
}

/** Given: BatchGetBuilds knows these builds. */
export function givenBuilds(aws: AwsMocks, builds: Build[]): void {
  aws.codebuild.on(BatchGetBuildsCommand).callsFake((input: { ids: string[] }) => ({
    builds: builds.filter((b) => input.ids.includes(b.id ?? '')),
    buildsNotFound: input.ids.filter((id) => !builds.some((b) => b.id === id)),
  }));
}

/**
 * Given: the log stream holds these pages of lines. Like CloudWatch Logs, each page hands out
 * a forward token, and past the last page the same token comes back with no events.
 */
export function givenLogPages(aws: AwsMocks, pages: string[][]): void {
  let time = T0.getTime();
  const events = pages.map((lines) =>
    lines.map((message) => ({
      message: `${message}\n`,
      timestamp: (time += 1),
      ingestionTime: time,
    })),
  );
  aws.logs
    .on(GetLogEventsCommand)
    .callsFake((input: { nextToken?: string; startFromHead?: boolean }) => {
      if (input.startFromHead === false) {
        return {
          events: events[events.length - 1] ?? [],
          nextForwardToken: `f/${pages.length}`,
          nextBackwardToken: 'b/0',
        };
      }
      const index = input.nextToken === undefined ? 0 : Number(input.nextToken.slice(2));
      if (index >= pages.length) {
        return { events: [], nextForwardToken: input.nextToken, nextBackwardToken: `b/${index}` };
      }
      return {
        events: events[index],
        nextForwardToken: `f/${index + 1}`,
        nextBackwardToken: `b/${index}`,
      };
    });
}

/** The seed log's lines. */
export function seedLines(): string[] {
  return SEED_LOG.replace(/\n$/, '').split('\n');
}

/** An S3 GetObject body: in Node the SDK returns a readable stream of the object's bytes. */
export function s3Body(text: string, gzip = true): never {
  const bytes = gzip ? gzipSync(Buffer.from(text)) : Buffer.from(text);
  // Split in two so the gunzip sees more than one chunk, as from a socket.
  const half = Math.floor(bytes.length / 2);
  return Readable.from([bytes.subarray(0, half), bytes.subarray(half)]) as never;
}

export { GetObjectCommand };

/** A role as GetRole returns it. */
export function givenRole(
  aws: AwsMocks,
  name: string,
  options: {
    path?: string;
    boundary?: string;
    tags?: Record<string, string>;
    account?: string;
  } = {},
): void {
  const path = options.path ?? '/';
  aws.iam.on(GetRoleCommand, { RoleName: name }).resolves({
    Role: {
      RoleName: name,
      Path: path,
      Arn: `arn:aws:iam::${options.account ?? ACCOUNT}:role${path}${name}`,
      RoleId: 'AROATEST',
      CreateDate: T0,
      ...(options.boundary === undefined
        ? {}
        : {
            PermissionsBoundary: {
              PermissionsBoundaryType: 'PermissionsBoundaryPolicy' as const,
              PermissionsBoundaryArn: options.boundary,
            },
          }),
      Tags: Object.entries(options.tags ?? {}).map(([Key, Value]) => ({ Key, Value })),
    },
  });
}

/** Given: CloudFormation says this stack created the role. */
export function givenStackResource(
  aws: AwsMocks,
  roleName: string,
  stackName: string,
  logicalId: string,
): void {
  aws.cloudformation.on(DescribeStackResourcesCommand, { PhysicalResourceId: roleName }).resolves({
    StackResources: [
      {
        StackName: stackName,
        StackId: `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/${stackName}/id`,
        LogicalResourceId: logicalId,
        PhysicalResourceId: roleName,
        ResourceType: 'AWS::IAM::Role',
        ResourceStatus: 'CREATE_COMPLETE',
        Timestamp: T0,
      },
    ],
  });
}

/** Given: no stack created this physical id (CloudFormation's ValidationError). */
export function givenNoStackResource(aws: AwsMocks): void {
  aws.cloudformation
    .on(DescribeStackResourcesCommand)
    .rejects(awsError('ValidationError', 'Stack for x does not exist'));
}

/** Given: the role's policies, as IAM returns them (URL-encoded documents). */
export function givenPolicies(
  aws: AwsMocks,
  roleName: string,
  inline: Record<string, object>,
  attached: Record<string, object> = {},
): void {
  aws.iam
    .on(ListRolePoliciesCommand, { RoleName: roleName })
    .resolves({ PolicyNames: Object.keys(inline) });
  for (const [name, document] of Object.entries(inline)) {
    aws.iam.on(GetRolePolicyCommand, { RoleName: roleName, PolicyName: name }).resolves({
      RoleName: roleName,
      PolicyName: name,
      PolicyDocument: encodeURIComponent(JSON.stringify(document)),
    });
  }
  aws.iam.on(ListAttachedRolePoliciesCommand, { RoleName: roleName }).resolves({
    AttachedPolicies: Object.keys(attached).map((arn) => ({
      PolicyArn: arn,
      PolicyName: arn.split('/').pop(),
    })),
  });
  for (const [arn, document] of Object.entries(attached)) givenManagedPolicy(aws, arn, document);
}

/** Given: a managed policy (an attached one, or a boundary). */
export function givenManagedPolicy(aws: AwsMocks, arn: string, document: object): void {
  aws.iam
    .on(GetPolicyCommand, { PolicyArn: arn })
    .resolves({ Policy: { Arn: arn, DefaultVersionId: 'v3' } });
  aws.iam.on(GetPolicyVersionCommand, { PolicyArn: arn, VersionId: 'v3' }).resolves({
    PolicyVersion: {
      VersionId: 'v3',
      IsDefaultVersion: true,
      Document: encodeURIComponent(JSON.stringify(document)),
    },
  });
}

/** Given: the simulator answers every pair with `decision`. */
export function givenSimulation(
  aws: AwsMocks,
  decision: 'allowed' | 'implicitDeny' | 'explicitDeny',
  options: { boundaryAllows?: boolean } = {},
): void {
  aws.iam
    .on(SimulatePrincipalPolicyCommand)
    .callsFake((input: { ActionNames: string[]; ResourceArns?: string[] }) => ({
      EvaluationResults: input.ActionNames.map((action) => ({
        EvalActionName: action,
        EvalResourceName: input.ResourceArns?.[0] ?? '*',
        EvalDecision: decision,
        ...(options.boundaryAllows === undefined
          ? {}
          : {
              PermissionsBoundaryDecisionDetail: {
                AllowedByPermissionsBoundary: options.boundaryAllows,
              },
            }),
      })),
    }));
}

/** A stack event. */
export function stackEvent(
  stack: string,
  logicalId: string,
  status: string,
  minutes: number,
  extra: Partial<StackEvent> = {},
): StackEvent {
  const isStack = logicalId === stack;
  return {
    StackName: stack,
    StackId: `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/${stack}/id`,
    EventId: `${stack}-${logicalId}-${status}-${minutes}`,
    LogicalResourceId: logicalId,
    ResourceType: isStack ? 'AWS::CloudFormation::Stack' : 'AWS::IAM::Role',
    ResourceStatus: status,
    Timestamp: at(minutes),
    PhysicalResourceId: isStack
      ? `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/${stack}/id`
      : `${logicalId}-physical`,
    ...extra,
  } as StackEvent;
}

/** Given: a stack's events (newest first), served in pages of `pageSize`. */
export function givenStackEvents(
  aws: AwsMocks,
  stackNameOrId: string,
  events: StackEvent[],
  pageSize = 100,
): void {
  aws.cloudformation
    .on(DescribeStackEventsCommand, { StackName: stackNameOrId })
    .callsFake((input: { NextToken?: string }) => {
      const start = input.NextToken === undefined ? 0 : Number(input.NextToken);
      const end = start + pageSize;
      return {
        StackEvents: events.slice(start, end),
        ...(end < events.length ? { NextToken: String(end) } : {}),
      };
    });
}

export { DescribeStacksCommand, PutRolePolicyCommand, SimulatePrincipalPolicyCommand };

const schema = JSON.parse(
  readFileSync(new URL('../../../schemas/doctor.schema.json', import.meta.url), 'utf8'),
) as object;
const validator = new Ajv({ allErrors: true, strict: false }).compile(schema);

/** Asserts that a `--json` document matches `schemas/doctor.schema.json`. */
export function expectValidJson(document: unknown): void {
  // A round trip, as a reader of stdout would see it: dates become strings, undefined goes.
  const parsed = JSON.parse(JSON.stringify(document)) as unknown;
  if (!validator(parsed)) {
    throw new Error(
      `--json output breaks the schema: ${JSON.stringify(validator.errors, null, 2)}`,
    );
  }
}
