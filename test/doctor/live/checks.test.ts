import { SimulatePrincipalPolicyCommand } from '@aws-sdk/client-iam';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { buildReport } from '../../../src/lib/doctor/enrich.js';
import type { PlacementContext } from '../../../src/lib/doctor/live/placement.js';
import type { LiveReader } from '../../../src/lib/doctor/live/reads.js';
import { resolveRoles } from '../../../src/lib/doctor/live/roles.js';
import { parseDenialText } from '../../../src/lib/doctor/parse/index.js';
import {
  ACCOUNT,
  REGION,
  awsError,
  context,
  givenManagedPolicy,
  givenPolicies,
  givenRole,
  givenSimulation,
  givenStackResource,
  mockAws,
  type AwsMocks,
} from './support.js';

let aws: AwsMocks;
let reader: LiveReader;
beforeEach(() => {
  aws = mockAws();
  reader = { ctx: context(), notes: [] };
});
afterEach(() => aws.restore());

const ROLE = `aiproxy-main-build-${REGION}`;
const BOUNDARY = `arn:aws:iam::${ACCOUNT}:policy/aiproxy-global/aiproxy-global-workload-boundary-${REGION}`;
const place: PlacementContext = {
  account: ACCOUNT,
  region: REGION,
  partition: 'aws',
  prefix: 'aiproxy',
  buildRoles: new Set([`arn:aws:iam::${ACCOUNT}:role/aiproxy/${ROLE}`]),
  branch: 'main',
};

/** The report for one denial message, as the offline doctor builds it. */
async function reportFor(message: string) {
  return buildReport(parseDenialText(message, { file: 'build', line: 1, writer: 'aws' }));
}

const SECRET = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:/aiproxy/main/db-AbCdEf`;
// An old-style message: it names no policy type, so the cause is not known from the text.
const OLD_STYLE = `User: arn:aws:sts::${ACCOUNT}:assumed-role/${ROLE}/AWSCodeBuild-1 is not authorized to perform: secretsmanager:GetSecretValue on resource: ${SECRET}`;
const IMPLICIT = `${OLD_STYLE} because no identity-based policy allows the secretsmanager:GetSecretValue action`;

function givenBuildRole(inline: object[], boundary?: object): void {
  givenRole(aws, ROLE, {
    path: '/aiproxy/',
    ...(boundary === undefined ? {} : { boundary: BOUNDARY }),
  });
  givenStackResource(aws, ROLE, 'aiproxy-main-cicd', 'BuildRole');
  givenPolicies(aws, ROLE, {
    build: { Version: '2012-10-17', Statement: inline },
  });
  if (boundary !== undefined) givenManagedPolicy(aws, BOUNDARY, boundary);
}

const ALLOW_ALL = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
};

describe('the role’s current policies', () => {
  it('an action the role already has is explained as another policy’s denial, not patched again', async () => {
    // Given the role already allows reading the branch's secrets
    givenBuildRole(
      [
        {
          Effect: 'Allow',
          Action: 'secretsmanager:GetSecretValue',
          Resource: `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:/aiproxy/main/*`,
        },
      ],
      ALLOW_ALL,
    );
    givenSimulation(aws, 'allowed');

    // When the old-style denial is resolved
    const result = await resolveRoles(reader, await reportFor(OLD_STYLE), place);

    // Then the patch is empty, and the finding and denial name SCP, session and resource policies
    const patch = result.report.patches[0];
    expect(patch?.document.Statement).toEqual([]);
    expect(patch?.uncovered?.[0]?.reason).toMatch(
      /service control policy.*session policy.*resource’s own policy/,
    );
    expect(result.placement[0]?.policies?.findings[0]).toMatchObject({
      verdict: 'allowed',
      policies: ['inline policy build'],
    });
    expect(result.report.denials[0]?.explanation).toContain('Checked against the role now');
    // And nothing was simulated: there is nothing left to check
    expect(result.verification[0]).toMatchObject({ status: 'not-checked' });
    expect(aws.iam.commandCalls(SimulatePrincipalPolicyCommand)).toHaveLength(0);
  });

  it('an action the boundary blocks is not patched: only the boundary’s owner can help', async () => {
    // Given a boundary that denies secrets outside /aiproxy/other/
    givenBuildRole([], {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: '*', Resource: '*' },
        { Effect: 'Deny', Action: 'secretsmanager:GetSecretValue', Resource: '*' },
      ],
    });

    const result = await resolveRoles(reader, await reportFor(IMPLICIT), place);

    expect(result.placement[0]?.policies?.findings[0]).toMatchObject({
      verdict: 'boundary-blocks',
    });
    expect(result.report.patches[0]?.document.Statement).toEqual([]);
  });

  it('an explicit Deny in the role’s own policy is named, and no Allow is proposed over it', async () => {
    givenBuildRole([{ Effect: 'Deny', Action: 'secretsmanager:*', Resource: '*' }]);

    const result = await resolveRoles(reader, await reportFor(OLD_STYLE), place);

    expect(result.placement[0]?.policies?.findings[0]).toMatchObject({
      verdict: 'explicit-deny',
      policies: ['inline policy build'],
    });
    expect(result.report.patches[0]?.document.Statement).toEqual([]);
  });
});

describe('checking the patch with the policy simulator', () => {
  it('allowed: says what was evaluated and what was not', async () => {
    givenBuildRole([], ALLOW_ALL);
    givenSimulation(aws, 'allowed', { boundaryAllows: true });

    const result = await resolveRoles(reader, await reportFor(IMPLICIT), place);

    expect(result.verification[0]).toMatchObject({
      status: 'allowed',
      summary: 'allowed by the evaluated policies',
      results: [{ action: 'secretsmanager:GetSecretValue', resource: SECRET, decision: 'allowed' }],
    });
    expect(result.verification[0]?.evaluated.join(' ')).toContain(BOUNDARY);
    expect(result.verification[0]?.notEvaluated.join(' ')).toMatch(
      /SCPs.*session policies.*VPC endpoint/,
    );
    // The role's real ARN (with its path), the patch as an extra policy, the denied pair
    expect(aws.iam.commandCalls(SimulatePrincipalPolicyCommand)[0]?.args[0].input).toEqual({
      PolicySourceArn: `arn:aws:iam::${ACCOUNT}:role/aiproxy/${ROLE}`,
      PolicyInputList: [JSON.stringify(result.report.patches[0]?.document)],
      ActionNames: ['secretsmanager:GetSecretValue'],
      ResourceArns: [SECRET],
    });
  });

  it('still denied: names what still denies it', async () => {
    givenBuildRole([], ALLOW_ALL);
    givenSimulation(aws, 'implicitDeny', { boundaryAllows: false });

    const result = await resolveRoles(reader, await reportFor(IMPLICIT), place);

    expect(result.verification[0]).toMatchObject({
      status: 'still-denied',
      summary: `still denied by the permissions boundary (secretsmanager:GetSecretValue on ${SECRET})`,
    });
  });

  it('not permitted: says the check did not run, and why', async () => {
    givenBuildRole([], ALLOW_ALL);
    aws.iam
      .on(SimulatePrincipalPolicyCommand)
      .rejects(
        awsError(
          'AccessDenied',
          'User: x is not authorized to perform: iam:SimulatePrincipalPolicy on resource: y',
        ),
      );

    const result = await resolveRoles(reader, await reportFor(IMPLICIT), place);

    expect(result.verification[0]).toMatchObject({
      status: 'not-checked',
      summary: 'not checked: the caller may not call iam:SimulatePrincipalPolicy on this role.',
      evaluated: [],
      results: [],
    });
  });

  it('any other error is “not checked” too, never a pass', async () => {
    givenBuildRole([], ALLOW_ALL);
    aws.iam
      .on(SimulatePrincipalPolicyCommand)
      .rejects(awsError('InvalidInput', 'Policy has invalid resource'));

    const result = await resolveRoles(reader, await reportFor(IMPLICIT), place);

    expect(result.verification[0]?.status).toBe('not-checked');
    expect(result.verification[0]?.summary).toMatch(/^not checked: the simulator did not answer/);
  });

  it('a role of another account is never simulated', async () => {
    const foreign = IMPLICIT.replaceAll(ACCOUNT, '999988887777');

    const result = await resolveRoles(reader, await reportFor(foreign), place);

    expect(result.placement[0]?.kind).toBe('foreign');
    expect(result.verification[0]?.status).toBe('not-checked');
    expect(aws.iam.calls()).toHaveLength(0);
  });
});
