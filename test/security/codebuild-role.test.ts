/**
 * The CodeBuild role of a branch pipeline, as the pipeline template defines it, evaluated by
 * `@cloud-copilot/iam-simulate` (AGPL, a dev dependency: tests only) under the workload
 * boundary of the global template. Both documents are taken from the templates themselves
 * and resolved for one account and region: what is deployed is what is simulated.
 */
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { describe, expect, it } from 'vitest';

import type { PolicyDocument, PolicyStatement } from '../../src/lib/doctor/types.js';
import { branchArns, globalArns, resolvePattern, type AwsEnv } from '../../src/lib/names.js';
import { GLOBAL_TEMPLATE_VERSION, globalTemplatePolicies } from '../../src/lib/templates/global.js';
import { buildPipelineTemplate, PIPELINE_LOGICAL_IDS } from '../../src/lib/templates/pipeline.js';
import {
  flattenIntrinsic,
  validateExtraStatements,
} from '../../src/lib/templates/pipeline-statements.js';

const ENV: AwsEnv = { partition: 'aws', accountId: '123456789012', region: 'us-east-1' };
const BRANCH = 'feature/Login_Fix-2';
const OURS = branchArns(BRANCH, { env: ENV });
const THEIRS = branchArns('main', { env: ENV });
const GLOBAL = globalArns('aiproxy', ENV);
const HERE = `${ENV.region}:${ENV.accountId}`;

type Decision = 'Allowed' | 'ExplicitlyDenied' | 'ImplicitlyDenied';

/** A document from a template, intrinsics flattened and placeholders resolved for ENV. */
function concrete<T>(document: unknown): T {
  return JSON.parse(resolvePattern(JSON.stringify(flattenIntrinsic(document)), ENV)) as T;
}

const BOUNDARY = concrete<PolicyDocument>(
  globalTemplatePolicies({ version: GLOBAL_TEMPLATE_VERSION }).boundary,
);

/** The build role's own policy, from the pipeline template for BRANCH with `extra`. */
function buildRolePolicy(extraStatements: PolicyStatement[] = []): object {
  const template = buildPipelineTemplate({
    branch: BRANCH,
    repository: 'acme/shop',
    appTemplatePath: 'examples/app-template.yml',
    buildspecPath: 'examples/buildspec.yml',
    extraStatements,
  }) as { Resources: Record<string, { Properties: { Policies: { PolicyDocument: object }[] } }> };
  const role = template.Resources[PIPELINE_LOGICAL_IDS.buildRole];
  return concrete(role?.Properties.Policies[0]?.PolicyDocument);
}

/**
 * The simulator's decision. S3 sends `s3:ResourceAccount` (the bucket owner) with every
 * request; the simulator only knows it when told, and the boundary's rule against buckets of
 * other accounts reads it, so S3 requests carry it: the account's own unless `owner` says.
 */
async function decide(
  identity: object,
  action: string,
  resource: string,
  owner: string = ENV.accountId,
): Promise<Decision> {
  const context = action.startsWith('s3:') ? { 's3:ResourceAccount': owner } : {};
  const result = await runSimulation(
    {
      request: {
        principal: OURS.buildRole,
        action,
        resource: { resource, accountId: owner },
        contextVariables: context,
      },
      identityPolicies: [{ name: 'build', policy: identity }],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      permissionBoundaryPolicies: [{ name: 'workload-boundary', policy: BOUNDARY }],
    },
    {},
  );
  // A request the simulator cannot evaluate must fail the test, not pass as "denied".
  if (result.resultType !== 'single') {
    throw new Error(`${action} on ${resource}: ${JSON.stringify(result)}`.slice(0, 2000));
  }
  return result.overallResult;
}

const ROLE = buildRolePolicy();

describe('the CodeBuild role under the workload boundary', () => {
  it('may get an ECR login token: the seed build failure cannot recur', async () => {
    // The request that failed in PRE_BUILD of aiproxy-iam-refactor-cicd, verbatim.
    expect(await decide(ROLE, 'ecr:GetAuthorizationToken', '*')).toBe('Allowed');
  });

  it.each([
    'ecr:BatchCheckLayerAvailability',
    'ecr:InitiateLayerUpload',
    'ecr:UploadLayerPart',
    'ecr:CompleteLayerUpload',
    'ecr:PutImage',
    'ecr:BatchGetImage',
    'ecr:GetDownloadUrlForLayer',
  ])("may %s on its branch's repository", async (action) => {
    expect(await decide(ROLE, action, OURS.repository)).toBe('Allowed');
  });

  it('may write its logs and its artifacts', async () => {
    expect(await decide(ROLE, 'logs:PutLogEvents', `${OURS.buildLogGroup}:log-stream:abc`)).toBe(
      'Allowed',
    );
    expect(await decide(ROLE, 's3:PutObject', `${OURS.artifactBucket}/Build/out.zip`)).toBe(
      'Allowed',
    );
    expect(await decide(ROLE, 's3:GetObject', `${OURS.artifactBucket}/Source/in.zip`)).toBe(
      'Allowed',
    );
  });

  it('may not write to a bucket of its own name that another account owns (squatting)', async () => {
    expect(await decide(ROLE, 's3:PutObject', `${OURS.artifactBucket}/x`, '999988887777')).toBe(
      'ExplicitlyDenied',
    );
  });

  it.each<[string, string, Decision]>([
    // Branches share the application's scope: only the role's own grant keeps them apart.
    ["another branch's repository", THEIRS.repository, 'ImplicitlyDenied'],
    [
      "another application's repository",
      `arn:aws:ecr:${HERE}:repository/billing/api`,
      'ExplicitlyDenied',
    ],
  ])('may not push to %s (%s)', async (_story, repository, expected) => {
    expect(await decide(ROLE, 'ecr:PutImage', repository)).toBe(expected);
    expect(await decide(ROLE, 'ecr:InitiateLayerUpload', repository)).toBe(expected);
  });

  it("may not touch another branch's artifacts or logs", async () => {
    expect(await decide(ROLE, 's3:GetObject', `${THEIRS.artifactBucket}/x`)).not.toBe('Allowed');
    expect(
      await decide(ROLE, 'logs:PutLogEvents', `${THEIRS.buildLogGroup}:log-stream:x`),
    ).not.toBe('Allowed');
  });

  // Explicit: the boundary denies it whatever the role is granted. Implicit: the boundary
  // would allow it (another role of the application), the role is just not granted it.
  it.each<[string, string, Decision]>([
    ['iam:CreateRole', `arn:aws:iam::${ENV.accountId}:role/aiproxy/escape`, 'ExplicitlyDenied'],
    ['iam:PutRolePolicy', OURS.buildRole, 'ExplicitlyDenied'],
    ['iam:AttachRolePolicy', OURS.buildRole, 'ExplicitlyDenied'],
    ['iam:DeleteRolePermissionsBoundary', OURS.buildRole, 'ExplicitlyDenied'],
    ['iam:CreateAccessKey', `arn:aws:iam::${ENV.accountId}:user/admin`, 'ExplicitlyDenied'],
    ['iam:PassRole', GLOBAL.executionRole, 'ExplicitlyDenied'],
    [
      'iam:PassRole',
      `arn:aws:iam::${ENV.accountId}:role/aiproxy/aiproxy-main-task-us-east-1`,
      'ImplicitlyDenied',
    ],
    ['sts:AssumeRole', GLOBAL.executionRole, 'ExplicitlyDenied'],
    ['sts:AssumeRole', GLOBAL.pipelineRole, 'ExplicitlyDenied'],
    [
      'sts:AssumeRole',
      `arn:aws:iam::${ENV.accountId}:role/OrganizationAccountAccessRole`,
      'ExplicitlyDenied',
    ],
  ])('may not call %s on %s (%s)', async (action, resource, expected) => {
    expect(await decide(ROLE, action, resource)).toBe(expected);
  });

  it.each([
    ['secretsmanager:GetSecretValue', `arn:aws:secretsmanager:${HERE}:secret:/billing/db-AbCdEf`],
    ['secretsmanager:GetSecretValue', `arn:aws:secretsmanager:${HERE}:secret:prod/db-AbCdEf`],
    ['ssm:GetParameter', GLOBAL.versionParameter],
    ['ssm:GetParameter', `arn:aws:ssm:${HERE}:parameter/billing/token`],
  ])('may not read %s of %s, outside the application path', async (action, resource) => {
    expect(await decide(ROLE, action, resource)).toBe('ExplicitlyDenied');
  });

  describe('with extra statements from the project config', () => {
    const extra: PolicyStatement[] = [
      {
        Sid: 'ReadBranchSecrets',
        Effect: 'Allow',
        Action: ['secretsmanager:GetSecretValue'],
        Resource: `arn:\${AWS::Partition}:secretsmanager:\${AWS::Region}:\${AWS::AccountId}:secret:/aiproxy/${OURS.secrets.split('/aiproxy/')[1]?.replace('*', '') ?? ''}*`,
      },
      {
        Sid: 'ReadSharedBuildParameters',
        Effect: 'Allow',
        Action: ['ssm:GetParameter'],
        Resource:
          'arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/aiproxy/shared/build/*',
      },
    ];
    const extended = buildRolePolicy(extra);

    it('allows what they grant within the boundary', async () => {
      expect(validateExtraStatements(extra, BOUNDARY, { env: ENV }).refused).toEqual([]);
      expect(
        await decide(
          extended,
          'secretsmanager:GetSecretValue',
          `${OURS.secrets.replace('*', '')}db-AbCdEf`,
        ),
      ).toBe('Allowed');
      expect(
        await decide(
          extended,
          'ssm:GetParameter',
          `arn:aws:ssm:${HERE}:parameter/aiproxy/shared/build/npm-token`,
        ),
      ).toBe('Allowed');
    });

    it('still cannot read outside the application path, nor push elsewhere', async () => {
      expect(
        await decide(
          extended,
          'secretsmanager:GetSecretValue',
          `arn:aws:secretsmanager:${HERE}:secret:/billing/db-AbCdEf`,
        ),
      ).not.toBe('Allowed');
      expect(await decide(extended, 'ecr:PutImage', THEIRS.repository)).not.toBe('Allowed');
    });

    it('are capped by the boundary even if one slipped past the gate', async () => {
      // Given a grant far too broad, written straight into the role (no gate, no template),
      const tooBroad = concrete<object>({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Action: ['secretsmanager:GetSecretValue', 'iam:*', 'sts:AssumeRole', 'ecr:PutImage'],
            Resource: '*',
          },
        ],
      });

      // Then the boundary alone still denies, explicitly, what the application must not do.
      expect(
        await decide(
          tooBroad,
          'secretsmanager:GetSecretValue',
          `arn:aws:secretsmanager:${HERE}:secret:/billing/db-AbCdEf`,
        ),
      ).toBe('ExplicitlyDenied');
      expect(
        await decide(tooBroad, 'iam:CreateRole', `arn:aws:iam::${ENV.accountId}:role/aiproxy/x`),
      ).toBe('ExplicitlyDenied');
      expect(await decide(tooBroad, 'sts:AssumeRole', GLOBAL.executionRole)).toBe(
        'ExplicitlyDenied',
      );
      expect(
        await decide(tooBroad, 'ecr:PutImage', `arn:aws:ecr:${HERE}:repository/billing/api`),
      ).toBe('ExplicitlyDenied');
      // (while the same grant on the application's own secret passes the boundary)
      expect(
        await decide(
          tooBroad,
          'secretsmanager:GetSecretValue',
          `${OURS.secrets.replace('*', '')}db`,
        ),
      ).toBe('Allowed');
    });
  });
});
