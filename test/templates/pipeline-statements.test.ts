import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import type { ProjectConfig } from '../../src/lib/config/project-config.js';
import type { PolicyStatement } from '../../src/lib/doctor/types.js';
import { wildcardMatches } from '../../src/lib/policy/arn.js';
import { GLOBAL_TEMPLATE_VERSION, globalTemplatePolicies } from '../../src/lib/templates/global.js';
import {
  flattenIntrinsic,
  validateExtraStatements,
  type RefusalReason,
} from '../../src/lib/templates/pipeline-statements.js';

const REPO_ROOT = join(import.meta.dirname, '..', '..');
const BOUNDARY = globalTemplatePolicies({ version: GLOBAL_TEMPLATE_VERSION }).boundary;
const ENV = { partition: 'aws', accountId: '123456789012', region: 'us-east-1' };
const HERE = `${ENV.region}:${ENV.accountId}`;

const allow = (Action: string | string[], Resource: string | string[]): PolicyStatement => ({
  Effect: 'Allow',
  Action,
  Resource,
});

describe('validateExtraStatements', () => {
  it.each<[string, PolicyStatement]>([
    [
      "the branch's own secrets",
      allow(
        'secretsmanager:GetSecretValue',
        'arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:/aiproxy/main/*',
      ),
    ],
    [
      'parameters under the app path',
      allow(
        ['ssm:GetParameter', 'ssm:GetParameters'],
        `arn:aws:ssm:${HERE}:parameter/aiproxy/shared/*`,
      ),
    ],
    ['a resource-less action on *', allow('cloudwatch:PutMetricData', '*')],
    ['reads of a bucket outside the app', allow('s3:GetObject', 'arn:aws:s3:::public-datasets/*')],
    ['a write only partly outside the app', allow('s3:PutObject', 'arn:aws:s3:::*')],
    [
      'assuming one of the app roles',
      allow('sts:AssumeRole', `arn:aws:iam::${ENV.accountId}:role/aiproxy/integration-tests`),
    ],
    ['reading IAM', allow(['iam:GetRole', 'iam:List*'], '*')],
    [
      'a conditional grant',
      {
        ...allow('kms:Decrypt', '*'),
        Condition: { StringEquals: { 'kms:ViaService': 'secretsmanager.us-east-1.amazonaws.com' } },
      },
    ],
  ])('accepts %s', (_story, statement) => {
    const result = validateExtraStatements([statement], BOUNDARY);

    expect(result.refused).toEqual([]);
    expect(result.accepted).toEqual([statement]);
  });

  it.each<[string, unknown, RefusalReason, RegExp]>([
    ['a Deny', { Effect: 'Deny', Action: 's3:GetObject', Resource: '*' }, 'malformed', /Effect/],
    [
      'a NotAction',
      { Effect: 'Allow', NotAction: 'iam:*', Resource: '*' },
      'malformed',
      /NotAction/,
    ],
    ['no Resource', { Effect: 'Allow', Action: 's3:GetObject' }, 'malformed', /no Resource/],
    ['a string', 's3:GetObject', 'malformed', /policy statement/],
    ['every action', allow('*', '*'), 'wildcard-action', /every service/],
    [
      'every action of a service',
      allow(['logs:PutLogEvents', 's3:*'], '*'),
      'wildcard-action',
      /"s3:\*"/,
    ],
    [
      'iam:PassRole',
      allow('iam:PassRole', `arn:aws:iam::${ENV.accountId}:role/aiproxy/x`),
      'pass-role',
      /PassRole/,
    ],
    ['PassRole through a wildcard', allow('iam:*Role', '*'), 'pass-role', /"iam:\*Role"/],
    ['an IAM write', allow('iam:CreateRole', '*'), 'iam-write', /iam:CreateRole/],
    ['an IAM verb wildcard', allow('iam:Put*', '*'), 'iam-write', /iam:Put\*/],
    [
      'assuming a global role',
      allow(
        'sts:AssumeRole',
        `arn:aws:iam::${ENV.accountId}:role/aiproxy-global/aiproxy-global-cfn-exec-us-east-1`,
      ),
      'assume-role-outside-app',
      /aiproxy-global/,
    ],
    ['assuming any role', allow('sts:Assume*', '*'), 'assume-role-outside-app', /"\*"/],
    [
      "another team's secret",
      allow('secretsmanager:GetSecretValue', `arn:aws:secretsmanager:${HERE}:secret:/billing/db-*`),
      'boundary-deny',
      /"DenySecretsOutsideApp"/,
    ],
    [
      'the global version parameter',
      allow('ssm:GetParameter', `arn:aws:ssm:${HERE}:parameter/aiproxy-global/version`),
      'boundary-deny',
      /DenySecretsOutsideApp|DenyGlobalResources/,
    ],
    [
      'a push to another application',
      allow('ecr:PutImage', `arn:aws:ecr:${HERE}:repository/billing/api`),
      'boundary-deny',
      /"DenyWritesOutsideApp"/,
    ],
    [
      'redefining its own pipeline',
      allow('codepipeline:UpdatePipeline', `arn:aws:codepipeline:${HERE}:aiproxy-main-pipeline`),
      'boundary-deny',
      /"DenyDefinitionChanges"/,
    ],
    [
      'organizations',
      allow('organizations:ListAccounts', '*'),
      'boundary-deny',
      /"DenyGuardrailChanges"/,
    ],
    [
      'running commands on instances',
      allow('ssm:SendCommand', '*'),
      'boundary-deny',
      /"DenyForeignCompute"/,
    ],
  ])('refuses %s', (_story, statement, reason, message) => {
    // Given a harmless statement first and the one under test second,
    const harmless = allow('cloudwatch:PutMetricData', '*');

    // When validated against the workload boundary of global.ts,
    const result = validateExtraStatements([harmless, statement], BOUNDARY);

    // Then the harmless one passes and the other is refused, naming itself, the rule and why.
    expect(result.accepted).toEqual([harmless]);
    expect(result.refused).toHaveLength(1);
    expect(result.refused[0]).toMatchObject({ index: 1, statement, reason });
    expect(result.refused[0]?.message).toMatch(/^build\.extraStatements\[1\]/);
    expect(result.refused[0]?.message).toMatch(message);
    expect(result.refused[0]?.fix.length).toBeGreaterThan(0);
  });

  it('names the Sid of the statement and the Deny it meets', () => {
    const statement: PolicyStatement = {
      Sid: 'PushEverywhere',
      ...allow('ecr:PutImage', [
        `arn:aws:ecr:${HERE}:repository/aiproxy/main`,
        `arn:aws:ecr:${HERE}:repository/billing/api`,
      ]),
    };

    const [refusal] = validateExtraStatements([statement], BOUNDARY).refused;

    // The repository of the app passes; the foreign one alone is what the Deny covers.
    expect(refusal?.message).toBe(
      `build.extraStatements[0] ("PushEverywhere") grants ecr:PutImage on arn:aws:ecr:${HERE}:repository/billing/api, but the workload boundary's Deny "DenyWritesOutsideApp" denies exactly that to every role under the boundary: the grant could never take effect.`,
    );
    expect(refusal?.deny?.sid).toBe('DenyWritesOutsideApp');
  });

  it('is exact about account and region when it knows them', () => {
    // A secret of the app's path, but in another region than the deployment's.
    const elsewhere = allow(
      'secretsmanager:GetSecretValue',
      `arn:aws:secretsmanager:eu-west-1:${ENV.accountId}:secret:/aiproxy/main/db-*`,
    );

    expect(validateExtraStatements([elsewhere], BOUNDARY).refused).toEqual([]);
    expect(validateExtraStatements([elsewhere], BOUNDARY, { env: ENV }).refused).toEqual([
      expect.objectContaining({ reason: 'boundary-deny' }),
    ]);
  });

  it('takes the boundary as a plain list of denied actions too', () => {
    const result = validateExtraStatements(
      [allow('s3:DeleteObject', 'arn:aws:s3:::b/*'), allow('s3:GetObject', 'arn:aws:s3:::b/*')],
      ['s3:Delete*'],
    );

    expect(result.refused).toEqual([
      expect.objectContaining({
        index: 0,
        reason: 'boundary-deny',
        deny: expect.objectContaining({ sid: 'DeniedActions' }) as unknown,
      }),
    ]);
    expect(result.accepted).toHaveLength(1);
  });

  it("accepts the repository's own config", async () => {
    const config = JSON.parse(
      await readFile(join(REPO_ROOT, 'aiproxy.config.json'), 'utf8'),
    ) as ProjectConfig;
    const statements = config.build?.extraStatements ?? [];

    expect(statements.length).toBeGreaterThan(0);
    expect(validateExtraStatements(statements, BOUNDARY).refused).toEqual([]);
  });

  it('never lets PassRole, IAM writes or whole services through, whatever the mix', () => {
    const actions = fc.constantFrom(
      'iam:PassRole',
      'iam:Pass*',
      'iam:*',
      'IAM:passrole',
      'iam:Get*',
      'iam:TagRole',
      's3:*',
      '*',
      's3:GetObject',
      'sts:AssumeRole',
      'logs:PutLogEvents',
      'ecr:Put*',
    );
    const resources = fc.constantFrom(
      '*',
      `arn:aws:iam::${ENV.accountId}:role/aiproxy/x`,
      'arn:aws:s3:::aiproxy-main-123456789012-us-east-1/*',
      `arn:aws:iam::${ENV.accountId}:role/admin`,
    );
    const statement = fc.record({
      Effect: fc.constant('Allow' as const),
      Action: fc.uniqueArray(actions, { minLength: 1, maxLength: 3 }),
      Resource: fc.uniqueArray(resources, { minLength: 1, maxLength: 2 }),
    });

    fc.assert(
      fc.property(fc.array(statement, { maxLength: 4 }), (statements) => {
        const result = validateExtraStatements(statements, BOUNDARY);
        // Every statement comes back exactly once, and none accepted holds what must not pass.
        expect(result.accepted.length + result.refused.length).toBe(statements.length);
        for (const s of result.accepted) {
          for (const action of [s.Action].flat()) {
            expect(wildcardMatches(action, 'iam:PassRole', true)).toBe(false);
            expect(action).not.toMatch(/^\*$|:\*$/);
            expect(
              action.toLowerCase().startsWith('iam:') && !/^iam:(get|list)/i.test(action),
            ).toBe(false);
          }
        }
      }),
    );
  });
});

describe('flattenIntrinsic', () => {
  it('turns the intrinsics policies use back into placeholder strings', () => {
    expect(
      flattenIntrinsic({
        a: { 'Fn::Sub': 'arn:${AWS::Partition}:s3:::x' },
        b: { 'Fn::Sub': ['role/${Name}/${AWS::Region}', { Name: 'app' }] },
        c: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::y']] },
        d: { 'Fn::ImportValue': 'aiproxy-global-BoundaryPolicyArn' },
        e: [{ Ref: 'SomeResource' }, 'plain'],
      }),
    ).toEqual({
      a: 'arn:${AWS::Partition}:s3:::x',
      b: 'role/app/${AWS::Region}',
      c: 'arn:${AWS::Partition}:s3:::y',
      d: '*',
      e: ['*', 'plain'],
    });
  });
});
