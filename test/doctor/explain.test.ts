import { describe, expect, it } from 'vitest';

import { explainDenial } from '../../src/lib/doctor/explain.js';
import type { ParsedDenial } from '../../src/lib/doctor/types.js';
import { ACCOUNT, denial } from '../policy/denial-fixtures.js';

const POLICY = `arn:aws:iam::${ACCOUNT}:policy/deny-outside-eu`;

describe('explainDenial', () => {
  it('explains the seed: who, what, where, and that an Allow on the role fixes it', () => {
    // Given the seed denial (identity, implicit) on a line in the CodeBuild agent's format
    const text = explainDenial(denial({ source: { file: 'x', line: 1, writer: 'aws' } }));
    // Then it is one exact paragraph, which still says to confirm the denial before granting
    expect(text).toBe(
      'The role aiproxy-iam-refactor-cicd-CodeBuildServiceRole-acpZXNrsWUoW was denied ecr:GetAuthorizationToken on any resource (*). ' +
        "No identity-based policy of the role allows it: add an Allow to the role's policy (see the proposed patch). " +
        "This text is in AWS's format, which proves nothing about who printed it: confirm it in CloudTrail before granting anything.",
    );
  });

  describe('the caveat to confirm a denial in CloudTrail before granting it', () => {
    const CAVEAT = /confirm it in CloudTrail before granting anything/;

    it.each<[string, Partial<ParsedDenial>, RegExp]>([
      ["on the build's own output", {}, /printed by the build itself/],
      [
        "on a line in the CodeBuild agent's format, which a build can print too",
        { source: { file: 'build.log', line: 2, writer: 'aws' } },
        /in AWS's format, which proves nothing about who printed it/,
      ],
      [
        'on a denial that names no policy (an Allow is still proposed)',
        { policyType: null, deny: null, source: { file: 'build.log', line: 2, writer: 'aws' } },
        /in AWS's format/,
      ],
    ])('is there for a patch %s', (_case, overrides, source) => {
      // Given a role's denial that an Allow on the role would fix
      const text = explainDenial(denial(overrides));

      // Then the explanation says where the text came from, and to confirm it first
      expect(text).toMatch(source);
      expect(text).toMatch(CAVEAT);
    });

    it.each<[string, Partial<ParsedDenial>]>([
      ['an explicit deny', { deny: 'explicit' }],
      ['a service control policy', { policyType: 'scp', deny: 'explicit' }],
      ['a user', { principalType: 'user', roleArn: null, roleName: null }],
    ])('is left out when no patch is proposed: %s', (_case, overrides) => {
      // Given a denial no Allow on the role can fix
      const text = explainDenial(denial(overrides));

      // Then there is nothing to grant, and nothing to confirm before granting
      expect(text).not.toMatch(CAVEAT);
    });
  });

  it.each<[string, Partial<ParsedDenial>, RegExp[]]>([
    [
      'identity, explicit',
      { deny: 'explicit', policyArn: POLICY },
      [/Deny statement in an identity-based policy/, /deny-outside-eu/, /no Allow can override/],
    ],
    [
      'SCP',
      { policyType: 'scp', deny: 'explicit' },
      [/service control policy/, /organization's administrators/, /cannot help/],
    ],
    [
      'RCP',
      { policyType: 'rcp', deny: 'explicit' },
      [/resource control policy/, /organization's administrators/],
    ],
    [
      'permissions boundary',
      { policyType: 'boundary' },
      [/permissions boundary/, /boundary's owner/, /aiproxy setup/],
    ],
    [
      'session policy',
      { policyType: 'session' },
      [/session policy/, /whoever assumes the role/, /federation broker/, /cannot help/],
    ],
    ['VPC endpoint policy', { policyType: 'vpc-endpoint' }, [/VPC endpoint/, /network team/]],
    [
      'resource-based (bucket) policy',
      { policyType: 'resource', action: 's3:GetObject', resource: 'arn:aws:s3:::assets/a.txt' },
      [/bucket policy/, /resource's owner/],
    ],
    [
      'resource-based (key) policy, explicit',
      {
        policyType: 'resource',
        deny: 'explicit',
        action: 'kms:Decrypt',
        resource: `arn:aws:kms:eu-central-1:${ACCOUNT}:key/5bd63b6f`,
      },
      [/Deny statement in the key policy/, /resource's owner/],
    ],
    [
      'cross-account role',
      {
        policyType: null,
        deny: null,
        action: 'sts:AssumeRole',
        resource: 'arn:aws:iam::444455556666:role/ops_scheduler-Scheduler-Role',
      },
      [/account 444455556666/, /trust policy/, /inferred/],
    ],
    [
      'encoded message',
      { encoded: true, policyType: 'boundary' },
      [/aws sts decode-authorization-message --encoded-message/, /sts:DecodeAuthorizationMessage/],
    ],
    [
      'masked principal',
      {
        principal: 'arn:aws:sts::***:assumed-role/StackSetCodeBuildRole/AWSCodeBuild-1',
        roleArn: null,
        roleName: 'StackSetCodeBuildRole',
        account: null,
      },
      [/masked/, /full ARN/, /by hand/],
    ],
    [
      'partition mismatch',
      {
        principal: 'arn:aws-cn:iam::210987654321:user/ingest-ci',
        principalType: 'user',
        roleArn: null,
        roleName: null,
        action: 'sts:AssumeRole',
        resource: 'arn:aws:iam::210987654321:role/seedfarmer-toolchain-role',
        policyType: null,
        deny: null,
      },
      [/IAM user/, /partition/, /roles only/],
    ],
    [
      'root user',
      {
        principal: `arn:aws:iam::${ACCOUNT}:root`,
        principalType: 'root',
        roleArn: null,
        roleName: null,
        policyType: null,
        deny: null,
      },
      [/root user/, /use a role/],
    ],
    [
      'anonymous caller',
      {
        principal: 'anonymous',
        principalType: 'anonymous',
        roleArn: null,
        roleName: null,
        policyType: 'rcp',
        deny: 'explicit',
      },
      [/unsigned \(anonymous\) request/, /resource control policy/],
    ],
    [
      'build-printed identity gap',
      { source: { file: 'x', line: 1, writer: 'build' } },
      [/printed by the build itself/, /CloudTrail/],
    ],
  ])('explains %s', (_kind, overrides, phrases) => {
    // Given a denial of this kind
    const text = explainDenial(denial(overrides));
    // Then the paragraph says what must change and who owns it
    for (const phrase of phrases) expect(text).toMatch(phrase);
    expect(text).not.toContain('\n');
  });

  it('explains a bare AccessDenied with what to run next', () => {
    // Given a message with nothing but the operation (case 071)
    const text = explainDenial(
      denial({
        principal: null,
        principalType: null,
        roleArn: null,
        roleName: null,
        account: null,
        action: null,
        operation: 'UpdateFunctionCode',
        resource: null,
        policyType: null,
        deny: null,
      }),
    );
    expect(text).toMatch(/bare access denial for the UpdateFunctionCode operation/);
    expect(text).toMatch(/aws sts get-caller-identity/);
    expect(text).toMatch(/CloudTrail/);
  });

  it('explains an encoded message with no clear text (case 025)', () => {
    const text = explainDenial(
      denial({
        principal: null,
        principalType: null,
        roleArn: null,
        roleName: null,
        account: null,
        action: 'ec2:RunInstances',
        resource: null,
        policyType: null,
        deny: null,
        encoded: true,
      }),
    );
    expect(text).toMatch(/^The caller was denied ec2:RunInstances\./);
    expect(text).toMatch(/does not name the caller/);
    expect(text).toMatch(/decode-authorization-message --encoded-message/);
  });

  it('names the inferred action and the operation it came from', () => {
    const text = explainDenial(denial({ action: null }), {
      likelyAction: 'ecr:GetAuthorizationToken',
    });
    expect(text).toMatch(
      /denied ecr:GetAuthorizationToken \(inferred from the GetAuthorizationToken operation\)/,
    );
  });

  it('strips terminal escapes and bidi overrides from everything it echoes', () => {
    // Given a resource carrying an ANSI colour, a bidi override and a newline
    const text = explainDenial(
      denial({
        action: 'ecr:PutImage',
        resource: 'arn:aws:ecr:eu-west-1:1:repository/\u001b[31mred\u202e\nx',
      }),
    );
    expect(text).toContain('repository/red x');
    for (const c of ['\u001b', '\u202e', '\n']) expect(text).not.toContain(c);
  });
});
