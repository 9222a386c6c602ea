import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

import { preparePatches } from '../../src/lib/doctor/patch.js';
import {
  patchPolicyName,
  patchToCloudFormationYaml,
  patchToJson,
} from '../../src/lib/doctor/snippet.js';
import type { PolicyPatch } from '../../src/lib/doctor/types.js';
import { SEED_ROLE_ARN, denial } from '../policy/denial-fixtures.js';

async function seedPatch(): Promise<PolicyPatch> {
  const [patch] = await preparePatches([denial()]);
  return patch as PolicyPatch;
}

describe('patchToCloudFormationYaml', () => {
  it('gives the seed patch as a Policies entry, golden', async () => {
    // Given the seed patch
    const yaml = patchToCloudFormationYaml(await seedPatch());
    // Then the snippet is exactly this, with the version quoted so it stays a string
    expect(yaml).toBe(
      [
        "# Paste under the role's Policies: (proposed by aiproxy doctor)",
        '',
        '- PolicyName: aiproxy-doctor-aiproxy-iam-refactor-cicd-CodeBuildServiceRole-acpZXNrsWUoW',
        '  PolicyDocument:',
        '    Version: "2012-10-17"',
        '    Statement:',
        '      - Sid: AllowEcrGetAuthorizationToken',
        '        Effect: Allow',
        '        Action: ecr:GetAuthorizationToken',
        '        Resource: "*"',
        '',
      ].join('\n'),
    );
  });

  it('round-trips to the same document through a YAML parser', async () => {
    const patch = await seedPatch();
    const [entry] = parse(patchToCloudFormationYaml(patch)) as [{ PolicyDocument: unknown }];
    expect(entry.PolicyDocument).toEqual(patch.document);
  });

  it('derives a safe policy name from any role name', () => {
    // Given a role name with characters IAM does not allow in a policy name, and a long one
    const odd: PolicyPatch = {
      roleArn: 'arn:aws:iam::123456789012:role/a b"c:d',
      roleName: null,
      document: { Version: '2012-10-17', Statement: [] },
      risky: [],
    };
    expect(patchPolicyName(odd)).toBe('aiproxy-doctor-abcd');
    expect(patchPolicyName({ ...odd, roleName: 'x'.repeat(200) })).toHaveLength(128);
  });

  it('gives a comment, not an invalid policy, when nothing could be covered', () => {
    const empty: PolicyPatch = {
      roleArn: SEED_ROLE_ARN,
      roleName: null,
      document: { Version: '2012-10-17', Statement: [] },
      risky: [],
    };
    expect(parse(patchToCloudFormationYaml(empty))).toBeNull();
  });
});

describe('patchToJson', () => {
  it('gives the policy document for aws iam put-role-policy', async () => {
    const patch = await seedPatch();
    expect(JSON.parse(patchToJson(patch))).toEqual(patch.document);
  });
});
