/**
 * Both directions of each rule: what the design needs is allowed, and the same request one
 * step outside is denied. A boundary that blocks normal work is as broken as one that leaks.
 */
import { describe, expect, it } from 'vitest';

import {
  CONNECTION_ARNS,
  decide,
  DELEGATED,
  ENV,
  GLOBAL,
  OTHER_ACCOUNT,
  OURS,
  PREFIX,
  PRINCIPALS,
  stackArn,
  THEIRS,
  type Decision,
  type PrincipalName,
  type Probe,
} from './simulate.js';

const account = `arn:aws:iam::${ENV.accountId}`;
const here = `${ENV.region}:${ENV.accountId}`;
const appRole = `${account}:role/${PREFIX}/${PREFIX}-main-app-TaskRole-1A2B`;
const boundary = { 'iam:PermissionsBoundary': GLOBAL.boundaryPolicy };
const changeSet = {
  'cloudformation:RoleArn': GLOBAL.executionRole,
  'cloudformation:ResourceTypes': ['AWS::CodeBuild::Project', 'AWS::IAM::Role'],
};
const ownAccount = { 's3:ResourceAccount': ENV.accountId };

type Case = [string, Probe, Decision | 'Denied'];

async function check(principal: PrincipalName, [, probe, expected]: Case): Promise<void> {
  const decision = await decide(PRINCIPALS[principal], probe);
  if (expected === 'Denied') expect(decision, JSON.stringify(probe)).not.toBe('Allowed');
  else expect(decision, JSON.stringify(probe)).toBe(expected);
}

describe('the execution role', () => {
  const cases: Case[] = [
    [
      'creates a role under /aiproxy/ with the boundary',
      { action: 'iam:CreateRole', resource: appRole, context: boundary },
      'Allowed',
    ],
    [
      'not without the boundary',
      { action: 'iam:CreateRole', resource: appRole },
      'ExplicitlyDenied',
    ],
    [
      'not with another boundary',
      {
        action: 'iam:CreateRole',
        resource: appRole,
        context: { 'iam:PermissionsBoundary': `${account}:policy/${PREFIX}/mine` },
      },
      'ExplicitlyDenied',
    ],
    [
      'not outside /aiproxy/',
      { action: 'iam:CreateRole', resource: `${account}:role/app-role`, context: boundary },
      'Denied',
    ],
    [
      'not under the global path',
      {
        action: 'iam:CreateRole',
        resource: `${account}:role/${PREFIX}-global/new`,
        context: boundary,
      },
      'ExplicitlyDenied',
    ],
    [
      'updates the trust of an app role (no boundary key on that action)',
      { action: 'iam:UpdateAssumeRolePolicy', resource: appRole },
      'Allowed',
    ],
    [
      'but not of a global role',
      { action: 'iam:UpdateAssumeRolePolicy', resource: GLOBAL.pipelineRole },
      'ExplicitlyDenied',
    ],
    ['deletes an app role', { action: 'iam:DeleteRole', resource: appRole }, 'Allowed'],
    [
      'but not itself',
      { action: 'iam:DeleteRole', resource: GLOBAL.executionRole },
      'ExplicitlyDenied',
    ],
    [
      'passes an app role to ECS tasks',
      {
        action: 'iam:PassRole',
        resource: appRole,
        context: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' },
      },
      'Allowed',
    ],
    [
      'but not to CloudFormation',
      {
        action: 'iam:PassRole',
        resource: appRole,
        context: { 'iam:PassedToService': 'cloudformation.amazonaws.com' },
      },
      'Denied',
    ],
    [
      'passes the pipeline role to CodePipeline',
      {
        action: 'iam:PassRole',
        resource: GLOBAL.pipelineRole,
        context: { 'iam:PassedToService': 'codepipeline.amazonaws.com' },
      },
      'Allowed',
    ],
    [
      'but not to Lambda',
      {
        action: 'iam:PassRole',
        resource: GLOBAL.pipelineRole,
        context: { 'iam:PassedToService': 'lambda.amazonaws.com' },
      },
      'Denied',
    ],
    [
      'and never itself',
      { action: 'iam:PassRole', resource: GLOBAL.executionRole },
      'ExplicitlyDenied',
    ],
    [
      'creates the branch repository',
      { action: 'ecr:CreateRepository', resource: OURS.repository },
      'Allowed',
    ],
    [
      'creates the branch pipeline',
      { action: 'codepipeline:CreatePipeline', resource: OURS.pipeline },
      'Allowed',
    ],
    [
      'passes the connection to it',
      {
        action: 'codestar-connections:PassConnection',
        resource: CONNECTION_ARNS[0]!,
        context: { 'codestar-connections:PassedToService': 'codepipeline.amazonaws.com' },
      },
      'Allowed',
    ],
    [
      'creates the artifact bucket',
      { action: 's3:CreateBucket', resource: OURS.artifactBucket, context: ownAccount },
      'Allowed',
    ],
    [
      'creates a security group',
      {
        action: 'ec2:CreateSecurityGroup',
        resource: `arn:aws:ec2:${here}:security-group/sg-0123456789abcdef0`,
      },
      'Allowed',
    ],
    [
      'creates the ECS service',
      {
        action: 'ecs:CreateService',
        resource: `arn:aws:ecs:${here}:service/${PREFIX}-main-cluster/web`,
      },
      'Allowed',
    ],
    [
      'but not in a foreign cluster',
      { action: 'ecs:CreateService', resource: `arn:aws:ecs:${here}:service/prod/web` },
      'Denied',
    ],
    [
      'never writes the version marker',
      { action: 'ssm:PutParameter', resource: GLOBAL.versionParameter },
      'ExplicitlyDenied',
    ],
  ];
  it.each(cases)('%s', (...c) => check('execution', c));
});

describe('a developer', () => {
  const cases: Case[] = [
    [
      'creates a change set on a pipeline stack with the execution role',
      {
        action: 'cloudformation:CreateChangeSet',
        resource: stackArn(OURS.pipelineStack),
        context: changeSet,
      },
      'Allowed',
    ],
    [
      'and on an application stack',
      {
        action: 'cloudformation:CreateChangeSet',
        resource: stackArn(OURS.appStack),
        context: changeSet,
      },
      'Allowed',
    ],
    [
      'not without the execution role',
      {
        action: 'cloudformation:CreateChangeSet',
        resource: stackArn(OURS.pipelineStack),
        context: { 'cloudformation:ResourceTypes': ['AWS::S3::Bucket'] },
      },
      'ExplicitlyDenied',
    ],
    [
      'not with another role',
      {
        action: 'cloudformation:CreateChangeSet',
        resource: stackArn(OURS.pipelineStack),
        context: { ...changeSet, 'cloudformation:RoleArn': `${account}:role/Admin` },
      },
      'ExplicitlyDenied',
    ],
    [
      'not without ResourceTypes',
      {
        action: 'cloudformation:CreateChangeSet',
        resource: stackArn(OURS.pipelineStack),
        context: { 'cloudformation:RoleArn': GLOBAL.executionRole },
      },
      'ExplicitlyDenied',
    ],
    ...[
      'AWS::IAM::User',
      'AWS::IAM::AccessKey',
      'AWS::IAM::Group',
      'AWS::IAM::OIDCProvider',
      'AWS::IAM::SAMLProvider',
      'AWS::CloudFormation::StackSet',
    ].map((type): Case => [
      `not with ${type}`,
      {
        action: 'cloudformation:CreateChangeSet',
        resource: stackArn(OURS.pipelineStack),
        context: { ...changeSet, 'cloudformation:ResourceTypes': ['AWS::S3::Bucket', type] },
      },
      'ExplicitlyDenied',
    ]),
    [
      'not to import existing resources',
      {
        action: 'cloudformation:CreateChangeSet',
        resource: stackArn(OURS.pipelineStack),
        context: { ...changeSet, 'cloudformation:ImportResourceTypes': ['AWS::IAM::Role'] },
      },
      'ExplicitlyDenied',
    ],
    [
      'not on the global stack',
      {
        action: 'cloudformation:CreateChangeSet',
        resource: stackArn(GLOBAL.stack),
        context: changeSet,
      },
      'ExplicitlyDenied',
    ],
    [
      'not on another stack',
      {
        action: 'cloudformation:CreateChangeSet',
        resource: `arn:aws:cloudformation:${here}:stack/prod-db/1`,
        context: changeSet,
      },
      'Denied',
    ],
    [
      'reads the global outputs',
      { action: 'cloudformation:DescribeStacks', resource: stackArn(GLOBAL.stack) },
      'Allowed',
    ],
    [
      'but does not delete the global stack',
      {
        action: 'cloudformation:DeleteStack',
        resource: stackArn(GLOBAL.stack),
        context: changeSet,
      },
      'ExplicitlyDenied',
    ],
    [
      'passes the execution role to CloudFormation',
      {
        action: 'iam:PassRole',
        resource: GLOBAL.executionRole,
        context: { 'iam:PassedToService': 'cloudformation.amazonaws.com' },
      },
      'Allowed',
    ],
    [
      'but not to Lambda',
      {
        action: 'iam:PassRole',
        resource: GLOBAL.executionRole,
        context: { 'iam:PassedToService': 'lambda.amazonaws.com' },
      },
      'Denied',
    ],
    [
      'does not start a build (a buildspec override skips review)',
      { action: 'codebuild:StartBuild', resource: OURS.buildProject },
      'ExplicitlyDenied',
    ],
    [
      'does not update a pipeline',
      { action: 'codepipeline:UpdatePipeline', resource: OURS.pipeline },
      'ExplicitlyDenied',
    ],
    [
      'starts a pipeline run',
      { action: 'codepipeline:StartPipelineExecution', resource: OURS.pipeline },
      'Allowed',
    ],
    [
      'makes no IAM write on app roles',
      { action: 'iam:PutRolePolicy', resource: appRole, context: boundary },
      'ExplicitlyDenied',
    ],
  ];
  it.each(cases)('%s', (...c) => check('developer', c));
});

describe('a role under the workload boundary with `*:*`', () => {
  const cases: Case[] = [
    [
      'sends X-Ray segments (no resource)',
      { action: 'xray:PutTraceSegments', resource: '*' },
      'Allowed',
    ],
    ['sends X-Ray telemetry', { action: 'xray:PutTelemetryRecords', resource: '*' }, 'Allowed'],
    [
      'opens ECS Exec channels (no resource)',
      { action: 'ssmmessages:CreateControlChannel', resource: '*' },
      'Allowed',
    ],
    ['and data channels', { action: 'ssmmessages:OpenDataChannel', resource: '*' }, 'Allowed'],
    [
      'logs in to ECR (no resource)',
      { action: 'ecr:GetAuthorizationToken', resource: '*' },
      'Allowed',
    ],
    [
      'creates its log group',
      {
        action: 'logs:CreateLogGroup',
        resource: `arn:aws:logs:${here}:log-group:/${PREFIX}/main/web`,
      },
      'Allowed',
    ],
    [
      'writes its log stream',
      {
        action: 'logs:PutLogEvents',
        resource: `arn:aws:logs:${here}:log-group:/${PREFIX}/main/web:log-stream:ecs/web/1`,
      },
      'Allowed',
    ],
    [
      'but not into another log group',
      {
        action: 'logs:PutLogEvents',
        resource: `arn:aws:logs:${here}:log-group:/audit:log-stream:x`,
      },
      'ExplicitlyDenied',
    ],
    [
      'creates a security group (generated id)',
      {
        action: 'ec2:CreateSecurityGroup',
        resource: `arn:aws:ec2:${here}:security-group/sg-0123456789abcdef0`,
      },
      'Allowed',
    ],
    [
      'opens it to ingress',
      {
        action: 'ec2:AuthorizeSecurityGroupIngress',
        resource: `arn:aws:ec2:${here}:security-group/sg-0123456789abcdef0`,
      },
      'Allowed',
    ],
    [
      'creates network interfaces',
      {
        action: 'ec2:CreateNetworkInterface',
        resource: `arn:aws:ec2:${here}:network-interface/eni-0123456789abcdef0`,
      },
      'Allowed',
    ],
    [
      'writes the app buckets',
      { action: 's3:PutObject', resource: `${THEIRS.artifactBucket}/x`, context: ownAccount },
      'Allowed',
    ],
    [
      'but not an app-named bucket of another account',
      {
        action: 's3:PutObject',
        resource: `${THEIRS.artifactBucket}/x`,
        context: { 's3:ResourceAccount': OTHER_ACCOUNT },
      },
      'ExplicitlyDenied',
    ],
    [
      'nor a foreign bucket',
      { action: 's3:PutObject', resource: 'arn:aws:s3:::company-data/x', context: ownAccount },
      'ExplicitlyDenied',
    ],
    // Public `/aws/service/…` parameters have no account in their ARN, which the simulator
    // rejects; test/templates/global.test.ts checks them against the boundary's patterns.
    [
      'reads the app secrets',
      {
        action: 'secretsmanager:GetSecretValue',
        resource: `arn:aws:secretsmanager:${here}:secret:/${PREFIX}/main/db-AbCdEf`,
      },
      'Allowed',
    ],
    [
      'but no other secret',
      {
        action: 'secretsmanager:GetSecretValue',
        resource: `arn:aws:secretsmanager:${here}:secret:prod/db-AbCdEf`,
      },
      'ExplicitlyDenied',
    ],
    [
      'invokes Bedrock models',
      {
        action: 'bedrock:InvokeModel',
        resource: `arn:aws:bedrock:${ENV.region}::foundation-model/anthropic.claude-v2`,
      },
      'Allowed',
    ],
    ['assumes an app role', { action: 'sts:AssumeRole', resource: appRole }, 'Allowed'],
    [
      'but no other role',
      { action: 'sts:AssumeRole', resource: `${account}:role/OrganizationAccountAccessRole` },
      'ExplicitlyDenied',
    ],
    [
      'makes no IAM write',
      { action: 'iam:CreateRole', resource: appRole, context: boundary },
      'ExplicitlyDenied',
    ],
    [
      'changes no stack',
      {
        action: 'cloudformation:UpdateStack',
        resource: stackArn(OURS.appStack),
        context: changeSet,
      },
      'ExplicitlyDenied',
    ],
  ];
  it.each(cases)('%s', (...c) => check('boundedAdmin', c));
});

describe('the CodeBuild role of a branch', () => {
  const cases: Case[] = [
    [
      'logs in to ECR: the seed failure cannot recur',
      { action: 'ecr:GetAuthorizationToken', resource: '*' },
      'Allowed',
    ],
    ['pushes to its repository', { action: 'ecr:PutImage', resource: OURS.repository }, 'Allowed'],
    ['uploads layers', { action: 'ecr:UploadLayerPart', resource: OURS.repository }, 'Allowed'],
    [
      "not to another branch's repository",
      { action: 'ecr:PutImage', resource: THEIRS.repository },
      'ImplicitlyDenied',
    ],
    [
      'writes its log stream',
      { action: 'logs:PutLogEvents', resource: `${OURS.buildLogGroup}:log-stream:1` },
      'Allowed',
    ],
    [
      'reads its source artifact',
      { action: 's3:GetObject', resource: `${OURS.artifactBucket}/src.zip`, context: ownAccount },
      'Allowed',
    ],
    [
      "not another branch's artifacts",
      { action: 's3:PutObject', resource: `${THEIRS.artifactBucket}/x`, context: ownAccount },
      'ImplicitlyDenied',
    ],
    ['makes no IAM call', { action: 'iam:GetRole', resource: appRole }, 'ImplicitlyDenied'],
    ['assumes no role', { action: 'sts:AssumeRole', resource: appRole }, 'ImplicitlyDenied'],
    [
      'reads no app secret',
      {
        action: 'secretsmanager:GetSecretValue',
        resource: `arn:aws:secretsmanager:${here}:secret:/${PREFIX}/main/db-AbCdEf`,
      },
      'ImplicitlyDenied',
    ],
    [
      'nor any other',
      { action: 'ssm:GetParameter', resource: `arn:aws:ssm:${here}:parameter/prod/db` },
      'ExplicitlyDenied',
    ],
  ];
  it.each(cases)('%s', (...c) => check('codebuild', c));
});

describe('the pipeline role', () => {
  const cases: Case[] = [
    [
      'deploys an application stack with the execution role',
      {
        action: 'cloudformation:CreateChangeSet',
        resource: stackArn(OURS.appStack),
        context: changeSet,
      },
      'Allowed',
    ],
    [
      'executes its change set',
      { action: 'cloudformation:ExecuteChangeSet', resource: stackArn(OURS.appStack) },
      'Allowed',
    ],
    [
      'not without the execution role',
      {
        action: 'cloudformation:UpdateStack',
        resource: stackArn(OURS.appStack),
        context: { 'cloudformation:ResourceTypes': ['AWS::ECS::Service'] },
      },
      'ExplicitlyDenied',
    ],
    [
      'not a pipeline stack (those are deploy’s)',
      {
        action: 'cloudformation:CreateChangeSet',
        resource: stackArn(OURS.pipelineStack),
        context: changeSet,
      },
      'ImplicitlyDenied',
    ],
    [
      'passes the execution role to CloudFormation',
      {
        action: 'iam:PassRole',
        resource: GLOBAL.executionRole,
        context: { 'iam:PassedToService': 'cloudformation.amazonaws.com' },
      },
      'Allowed',
    ],
    [
      'but not to CodeBuild',
      {
        action: 'iam:PassRole',
        resource: GLOBAL.executionRole,
        context: { 'iam:PassedToService': 'codebuild.amazonaws.com' },
      },
      'ImplicitlyDenied',
    ],
    ['and passes no other role', { action: 'iam:PassRole', resource: appRole }, 'ExplicitlyDenied'],
    [
      'starts the branch build',
      { action: 'codebuild:StartBuild', resource: OURS.buildProject },
      'Allowed',
    ],
    [
      'uses the connection (CodeStar prefix)',
      { action: 'codestar-connections:UseConnection', resource: CONNECTION_ARNS[0]! },
      'Allowed',
    ],
    [
      'and under the CodeConnections prefix',
      { action: 'codeconnections:UseConnection', resource: CONNECTION_ARNS[1]! },
      'Allowed',
    ],
    [
      'but no other connection',
      {
        action: 'codeconnections:UseConnection',
        resource: `arn:aws:codeconnections:${here}:connection/11111111-2222-3333-4444-555555555555`,
      },
      'ImplicitlyDenied',
    ],
    [
      'never redefines a pipeline',
      { action: 'codepipeline:UpdatePipeline', resource: OURS.pipeline },
      'ExplicitlyDenied',
    ],
    [
      'writes artifacts',
      { action: 's3:PutObject', resource: `${OURS.artifactBucket}/a`, context: ownAccount },
      'Allowed',
    ],
  ];
  it.each(cases)('%s', (...c) => check('pipeline', c));

  it('has the delegated patterns it is scoped to', () => {
    expect(DELEGATED.appStacks).toBe(`arn:aws:cloudformation:${here}:stack/${PREFIX}-*-app/*`);
  });
});
