/**
 * Extra proof with an independent IAM evaluator (`@cloud-copilot/iam-simulate`, AGPL: used by
 * tests only, never imported from src/): a patch that assessPatch finds not risky really does
 * not let the role pass, assume or rewrite roles outside the application.
 */
import { runSimulation } from '@cloud-copilot/iam-simulate';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { preparePatches } from '../../src/lib/doctor/patch.js';
import type { PolicyDocument, PolicyStatement } from '../../src/lib/doctor/types.js';
import { assessPatch } from '../../src/lib/policy/risk.js';
import { ACCOUNT, SEED_ROLE_ARN, denial } from './denial-fixtures.js';

const context = { roleArn: SEED_ROLE_ARN, account: ACCOUNT, appPrefix: 'aiproxy' };
const ADMIN_ROLE = `arn:aws:iam::${ACCOUNT}:role/Admin`;

async function decide(document: PolicyDocument, action: string, resource: string): Promise<string> {
  const result = await runSimulation(
    {
      identityPolicies: [{ name: 'patch', policy: document }],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      request: {
        principal: SEED_ROLE_ARN,
        action,
        resource: { resource, accountId: ACCOUNT },
        contextVariables: {},
      },
    },
    {},
  );
  if (result.resultType === 'error') throw new Error(JSON.stringify(result.errors));
  return result.overallResult;
}

// The requests a non-risky patch must never allow.
const FORBIDDEN: [string, string][] = [
  ['iam:PassRole', ADMIN_ROLE],
  ['sts:AssumeRole', ADMIN_ROLE],
  ['iam:PutRolePolicy', ADMIN_ROLE],
  ['iam:AttachRolePolicy', SEED_ROLE_ARN],
  ['iam:CreateAccessKey', `arn:aws:iam::${ACCOUNT}:user/admin`],
];

describe('a not-risky patch, checked by an IAM simulator', () => {
  it('allows the seed login and nothing that escalates', async () => {
    // Given the seed patch, which assessPatch finds not risky
    const [patch] = await preparePatches([denial()]);
    expect(patch?.risky).toEqual([]);
    const document = patch?.document as PolicyDocument;

    // Then the simulator allows the denied call, and none of the forbidden ones
    expect(await decide(document, 'ecr:GetAuthorizationToken', '*')).toBe('Allowed');
    for (const [action, resource] of FORBIDDEN) {
      expect(await decide(document, action, resource), action).not.toBe('Allowed');
    }
  });

  it('and the simulator agrees that PassRole on * would allow passing an admin role', async () => {
    const risky: PolicyDocument = {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 'iam:PassRole', Resource: '*' }],
    };
    expect(assessPatch(risky, context)).not.toEqual([]);
    expect(await decide(risky, 'iam:PassRole', ADMIN_ROLE)).toBe('Allowed');
  });

  it('holds for any mix of statements: not risky implies no forbidden request is allowed', async () => {
    // Given statements drawn from application-scoped and foreign grants
    const pool: PolicyStatement[] = [
      { Effect: 'Allow', Action: 'ecr:GetAuthorizationToken', Resource: '*' },
      {
        Effect: 'Allow',
        Action: 'ecr:PutImage',
        Resource: `arn:aws:ecr:eu-west-1:${ACCOUNT}:repository/aiproxy/main`,
      },
      {
        Effect: 'Allow',
        Action: 'iam:PassRole',
        Resource: `arn:aws:iam::${ACCOUNT}:role/aiproxy/task`,
      },
      {
        Effect: 'Allow',
        Action: 'sts:AssumeRole',
        Resource: `arn:aws:iam::${ACCOUNT}:role/aiproxy/*`,
      },
      { Effect: 'Allow', Action: 'iam:PassRole', Resource: `arn:aws:iam::${ACCOUNT}:role/*` },
      {
        Effect: 'Allow',
        Action: 'iam:PassRole',
        Resource: `arn:aws:iam::${ACCOUNT}:role/aiproxy*`,
      },
      { Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' },
      { Effect: 'Allow', Action: 'iam:*', Resource: `arn:aws:iam::${ACCOUNT}:role/A*` },
      { Effect: 'Allow', Action: 'iam:Put*', Resource: SEED_ROLE_ARN },
      {
        Effect: 'Allow',
        Action: 'iam:AttachRolePolicy',
        Resource: `arn:aws:iam::${ACCOUNT}:role/aiproxy-*`,
      },
      { Effect: 'Allow', Action: 'iam:Create*', Resource: `arn:aws:iam::${ACCOUNT}:user/*` },
      { Effect: 'Allow', Action: 'logs:PutLogEvents', Resource: '*' },
      { Effect: 'Allow', Action: 'iam:GetRole', Resource: '*' },
    ];
    await fc.assert(
      fc.asyncProperty(fc.subarray(pool, { minLength: 1 }), async (statements) => {
        const document: PolicyDocument = { Version: '2012-10-17', Statement: statements };
        // When assessPatch finds it not risky
        fc.pre(assessPatch(document, context).length === 0);
        // Then the simulator allows none of the forbidden requests
        for (const [action, resource] of FORBIDDEN) {
          expect(await decide(document, action, resource), action).not.toBe('Allowed');
        }
      }),
      { numRuns: 40 },
    );
  });
});
