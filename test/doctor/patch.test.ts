import { describe, expect, it } from 'vitest';

import { buildPatches, preparePatches } from '../../src/lib/doctor/patch.js';
import type { Denial, ParsedDenial, PolicyPatch } from '../../src/lib/doctor/types.js';
import { loadActionFacts } from '../../src/lib/policy/actions.js';
import {
  ACCOUNT,
  SEED_ROLE_ARN,
  SEED_ROLE_NAME,
  denial,
  roleDenial,
  sessionOf,
} from '../policy/denial-fixtures.js';

async function onlyPatch(...denials: ParsedDenial[]): Promise<PolicyPatch> {
  const patches = await preparePatches(denials);
  expect(patches).toHaveLength(1);
  return patches[0] as PolicyPatch;
}

const repo = (name: string): string => `arn:aws:ecr:eu-west-1:${ACCOUNT}:repository/${name}`;

describe('buildPatches: golden patches', () => {
  it('turns the seed denial into exactly one patch, GetAuthorizationToken on *, not risky', async () => {
    // Given the seed: the CodeBuild role denied ecr:GetAuthorizationToken on *, identity, implicit
    const patches = await preparePatches([denial()]);

    // Then one patch for the role (not the session), allowing exactly that, with push/pull hints
    expect(patches).toEqual([
      {
        roleArn: SEED_ROLE_ARN,
        roleName: SEED_ROLE_NAME,
        document: {
          Version: '2012-10-17',
          Statement: [
            {
              Sid: 'AllowEcrGetAuthorizationToken',
              Effect: 'Allow',
              Action: 'ecr:GetAuthorizationToken',
              Resource: '*',
            },
          ],
        },
        risky: [],
        hints: [
          'ecr:BatchCheckLayerAvailability',
          'ecr:BatchGetImage',
          'ecr:CompleteLayerUpload',
          'ecr:GetDownloadUrlForLayer',
          'ecr:InitiateLayerUpload',
          'ecr:PutImage',
          'ecr:UploadLayerPart',
        ],
      },
    ]);
  });

  it('never turns a printed iam:PassRole on * into a grant on every role', async () => {
    // Given a build that prints a PassRole denial on * (a pull request can print this)
    const patch = await onlyPatch(denial({ action: 'iam:PassRole', resource: '*' }));

    // Then PassRole is granted on nothing: it is scoped per role, and * is not forced by it
    expect(patch.document.Statement).toEqual([]);
    expect(patch.uncovered?.[0]?.reason).toContain('does not widen it to every resource');
  });

  it('marks a patch risky when the message names a foreign role for iam:PassRole', async () => {
    // Given PassRole denied on an admin role of the account
    const admin = `arn:aws:iam::${ACCOUNT}:role/Admin`;
    const patch = await onlyPatch(denial({ action: 'iam:PassRole', resource: admin }));

    // Then the statement is exact, and the finding names the technique and the untrusted source
    expect(patch.document.Statement).toEqual([
      { Sid: 'AllowIamPassRole', Effect: 'Allow', Action: 'iam:PassRole', Resource: admin },
    ]);
    expect(patch.risky[0]).toMatchObject({
      action: 'iam:PassRole',
      technique: 'ec2-runinstances-passrole',
    });
    expect(patch.risky[0]?.reason).toContain("build's own output");
  });

  it("says, per risky action, where its denial was read from, in the header's words", async () => {
    // Given a mixed log: PassRole on an admin role on a line in the CodeBuild agent's format,
    // and AssumeRole of another role in the build's own output
    const agentLine = { file: 'build.log', line: 2, writer: 'aws' } as const;
    const patch = await onlyPatch(
      denial({
        action: 'iam:PassRole',
        resource: `arn:aws:iam::${ACCOUNT}:role/Admin`,
        source: agentLine,
      }),
      denial({ action: 'sts:AssumeRole', resource: `arn:aws:iam::${ACCOUNT}:role/Other` }),
    );

    // Then each finding names its own denial's source, and both say to confirm it first
    const reasonOf = (action: string): string =>
      patch.risky.find((risk) => risk.action === action)?.reason ?? '';
    expect(reasonOf('iam:PassRole')).toContain("text in AWS's format, which proves nothing");
    expect(reasonOf('iam:PassRole')).not.toContain("build's own output");
    expect(reasonOf('sts:AssumeRole')).toContain("build's own output");
    for (const risk of patch.risky) expect(risk.reason).toMatch(/confirm it in CloudTrail/);
  });

  it('merges two sessions of the same role into one patch', async () => {
    // Given the same denial from two builds, each with its own session name
    const patches = await preparePatches([
      denial({ principal: sessionOf('aaaa') }),
      denial({ principal: sessionOf('bbbb'), source: { file: 'b.log', line: 3, writer: 'aws' } }),
    ]);
    // Then there is one patch with one statement
    expect(patches).toHaveLength(1);
    expect(patches[0]?.document.Statement).toHaveLength(1);
  });

  it('merges actions of one service that share resources, and keeps others apart', async () => {
    // Given a push denied step by step on one repository, and a pull on another
    const patch = await onlyPatch(
      denial({ action: 'ecr:InitiateLayerUpload', resource: repo('aiproxy/main') }),
      denial({ action: 'ecr:PutImage', resource: repo('aiproxy/main') }),
      denial({ action: 'ecr:BatchGetImage', resource: repo('aiproxy/base') }),
      denial({
        action: 'logs:CreateLogStream',
        resource: `arn:aws:logs:eu-west-1:${ACCOUNT}:log-group:/aws/codebuild/aiproxy-main-build:log-stream:abc`,
      }),
    );
    // Then the statements are exact and ordered, with stable, unique Sids
    expect(patch.document.Statement).toEqual([
      {
        Sid: 'AllowEcrBatchGetImage',
        Effect: 'Allow',
        Action: 'ecr:BatchGetImage',
        Resource: repo('aiproxy/base'),
      },
      {
        Sid: 'AllowEcrInitiateLayerUploadAndPutImage',
        Effect: 'Allow',
        Action: ['ecr:InitiateLayerUpload', 'ecr:PutImage'],
        Resource: repo('aiproxy/main'),
      },
      {
        Sid: 'AllowLogsCreateLogStream',
        Effect: 'Allow',
        Action: 'logs:CreateLogStream',
        Resource: `arn:aws:logs:eu-west-1:${ACCOUNT}:log-group:/aws/codebuild/aiproxy-main-build:log-stream:abc`,
      },
    ]);
    expect(patch.risky).toEqual([]);
  });

  it('gives the same document whatever the order of the denials', async () => {
    const denials = [
      denial({ action: 'ecr:PutImage', resource: repo('aiproxy/a') }),
      denial({ action: 'ecr:PutImage', resource: repo('aiproxy/b') }),
      denial({ action: 'ecr:UploadLayerPart', resource: repo('aiproxy/a') }),
    ];
    const forward = await preparePatches(denials);
    const backward = await preparePatches([...denials].reverse());
    expect(backward).toEqual(forward);
    // And an action on two resources does not merge with one on a single resource
    expect(forward[0]?.document.Statement.map((s) => s.Sid)).toEqual([
      'AllowEcrPutImage',
      'AllowEcrUploadLayerPart',
    ]);
  });

  it('validates the resource ARN against the action', async () => {
    // Given an ECR action whose printed resource is an S3 ARN
    const patch = await onlyPatch(
      denial({ action: 'ecr:PutImage', resource: 'arn:aws:s3:::bucket' }),
    );
    // Then nothing is granted and the reason says why
    expect(patch.document.Statement).toEqual([]);
    expect(patch.uncovered).toEqual([
      {
        action: 'ecr:PutImage',
        resource: 'arn:aws:s3:::bucket',
        reason: 'The resource does not match any ARN format of ecr:PutImage (repository).',
      },
    ]);
  });

  it('turns `role NAME` into the role ARN when account and partition are known', async () => {
    // Given IAM naming the resource as `role NAME` (case 019), for a role caller
    const patch = await onlyPatch(
      denial({ action: 'iam:GetRole', resource: 'role cdk-hnb659fds-file-publishing-role' }),
    );
    expect(patch.document.Statement).toEqual([
      {
        Sid: 'AllowIamGetRole',
        Effect: 'Allow',
        Action: 'iam:GetRole',
        Resource: `arn:aws:iam::${ACCOUNT}:role/cdk-hnb659fds-file-publishing-role`,
      },
    ]);
  });

  it.each<[string, Partial<ParsedDenial>, RegExp]>([
    [
      'a masked account',
      { action: 'ssm:GetParameter', resource: 'arn:aws:ssm:eu-central-1:***:parameter/x' },
      /masked/,
    ],
    [
      'an ARN without the arn: prefix',
      { action: 'sts:AssumeRole', resource: `aws:iam::${ACCOUNT}:role/sp-api-role` },
      /lacks the `arn:` prefix/,
    ],
    [
      'a full ARN pasted as a name',
      {
        action: 'iam:PassRole',
        resource: `arn:aws:iam::${ACCOUNT}:role/arn:aws:iam::${ACCOUNT}/role/admin`,
      },
      /holds another ARN/,
    ],
    [
      'a resource in another partition',
      { action: 'sts:AssumeRole', resource: `arn:aws-cn:iam::${ACCOUNT}:role/x` },
      /partition/,
    ],
    [
      'a secret name',
      { action: 'secretsmanager:GetSecretValue', resource: 'cfn/atlas/profile/development' },
      /describe-secret/,
    ],
    ['no resource', { action: 'ecr:PutImage', resource: null }, /names no resource/],
    ['an unknown action', { action: 'ecr:PushEverything' }, /not in the IAM reference/],
    ['a wildcard action', { action: 'ecr:*' }, /not an IAM action name/],
    [
      'only an operation name',
      { action: null, operation: 'CreateMultipartUpload' },
      /only the operation CreateMultipartUpload/,
    ],
  ])('leaves %s uncovered, with the reason', async (_story, overrides, reason) => {
    // Given a denial a principal patch could fix, but whose resource or action is unusable
    const patch = await onlyPatch(denial(overrides));
    // Then no statement, and an uncovered entry that says why
    expect(patch.document.Statement).toEqual([]);
    expect(patch.uncovered).toHaveLength(1);
    expect(patch.uncovered?.[0]?.reason).toMatch(reason);
  });

  it.each([
    ['a quoted JSON break-out', '*"}],"Statement":[{"Effect":"Allow","Action":"*","Resource":"*'],
    ['a newline', `arn:aws:ecr:eu-west-1:${ACCOUNT}:repository/app\n{"Effect":"Allow"}`],
    ['a policy variable', `arn:aws:ecr:eu-west-1:${ACCOUNT}:repository/\${aws:username}`],
    ['a space', `arn:aws:ecr:eu-west-1:${ACCOUNT}:repository/a b`],
  ])('never lets %s in a resource add a statement', async (_story, resource) => {
    // Given a crafted resource printed by a build
    const patch = await onlyPatch(denial({ action: 'ecr:PutImage', resource }));
    // Then the document has no statement at all, and its JSON has exactly the keys we built
    expect(patch.document).toEqual({ Version: '2012-10-17', Statement: [] });
    expect(JSON.parse(JSON.stringify(patch.document))).toEqual(patch.document);
    expect(patch.uncovered?.[0]?.resource).toBe(resource);
  });

  it('proposes nothing for users, root, anonymous or federated callers', async () => {
    // Given identity denials of principals that are not roles
    const patches = await preparePatches([
      denial({
        principalType: 'user',
        roleArn: null,
        roleName: null,
        principal: `arn:aws:iam::${ACCOUNT}:user/ci`,
      }),
      denial({
        principalType: 'root',
        roleArn: null,
        roleName: null,
        principal: `arn:aws:iam::${ACCOUNT}:root`,
      }),
      denial({ principalType: 'anonymous', roleArn: null, roleName: null, principal: 'anonymous' }),
      denial({ principalType: 'federated-user', roleArn: null, roleName: null }),
    ]);
    expect(patches).toEqual([]);
  });

  it('proposes nothing where an Allow on the principal cannot help', async () => {
    // Given an explicit identity deny, and denials by SCP, RCP, boundary, session, endpoint, resource
    const patches = await preparePatches([
      denial({ deny: 'explicit' }),
      denial({ policyType: null, deny: 'explicit' }),
      ...(['scp', 'rcp', 'boundary', 'session', 'vpc-endpoint', 'resource'] as const).map((t) =>
        denial({ policyType: t }),
      ),
    ]);
    expect(patches).toEqual([]);
  });

  it('infers an identity gap for old-style messages that name no policy', async () => {
    // Given case 003: a push denied with no reason clause
    const patch = await onlyPatch(
      denial({
        action: 'ecr:CompleteLayerUpload',
        resource: repo('aiproxy/service'),
        policyType: null,
        deny: null,
      }),
    );
    expect(patch.document.Statement).toHaveLength(1);
  });

  it('uses the inferred action of an enriched denial', async () => {
    // Given a denial whose action was inferred from the operation name by enrichment
    const enriched: Denial = {
      ...denial({ action: null, resource: null }),
      likelyAction: 'ecr:GetAuthorizationToken',
      explanation: '',
    };
    const patches = await preparePatches([enriched]);
    const patch = patches[0] as PolicyPatch;
    expect(patch.document.Statement[0]?.Action).toBe('ecr:GetAuthorizationToken');
  });

  it('keeps one patch per role, sorted by role ARN', async () => {
    const patches = await preparePatches([
      roleDenial('zeta'),
      roleDenial('alpha'),
      roleDenial('alpha', { action: 'ecr:PutImage', resource: repo('aiproxy/x') }),
    ]);
    expect(patches.map((p) => p.roleName)).toEqual(['alpha', 'zeta']);
  });

  it('refuses to run without the facts it needs', () => {
    // Given no facts were loaded, Then this is a programming error, not an "unknown action"
    expect(() => buildPatches([denial()])).toThrow(/No facts were loaded/);
  });

  it('builds synchronously from loaded facts', async () => {
    const facts = await loadActionFacts(['ecr:GetAuthorizationToken']);
    expect(buildPatches([denial()], { facts })).toHaveLength(1);
  });
});
