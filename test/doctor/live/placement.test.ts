import {
  DescribeStackResourcesCommand,
  DescribeStacksCommand,
} from '@aws-sdk/client-cloudformation';
import { GetRoleCommand } from '@aws-sdk/client-iam';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { placeRole, type PlacementContext } from '../../../src/lib/doctor/live/placement.js';
import type { LiveReader } from '../../../src/lib/doctor/live/reads.js';
import {
  ACCOUNT,
  BUILD_ROLE,
  REGION,
  awsError,
  context,
  givenNoStackResource,
  givenRole,
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

const place: PlacementContext = {
  account: ACCOUNT,
  region: REGION,
  partition: 'aws',
  prefix: 'aiproxy',
  buildRoles: new Set(),
  branch: null,
};

const arn = (name: string, account = ACCOUNT): string => `arn:aws:iam::${account}:role/${name}`;

describe('where a role’s fix belongs', () => {
  it('a pipeline stack’s build role: the project config, then aiproxy deploy', async () => {
    const name = `aiproxy-feature-login-build-${REGION}`;
    givenRole(aws, name, {
      path: '/aiproxy/',
      boundary: `arn:aws:iam::${ACCOUNT}:policy/aiproxy-global/aiproxy-global-workload-boundary-${REGION}`,
      tags: { 'aiproxy:branch': 'feature/login' },
    });
    givenStackResource(aws, name, 'aiproxy-feature-login-cicd', 'BuildRole');

    const placement = await placeRole(reader, arn(name), name, place);

    expect(placement).toMatchObject({
      kind: 'pipeline-template',
      evidence: 'stack-resource',
      stackName: 'aiproxy-feature-login-cicd',
      logicalId: 'BuildRole',
      buildRole: true,
      branch: 'feature/login',
      path: '/aiproxy/',
      resolvedArn: `arn:aws:iam::${ACCOUNT}:role/aiproxy/${name}`,
    });
    expect(placement.fix).toContain('aiproxy deploy --branch feature/login');
  });

  it('an application stack’s role: its template, by pull request', async () => {
    givenRole(aws, 'aiproxy-main-app-TaskRole-X1Y2Z3', { path: '/aiproxy/' });
    givenStackResource(aws, 'aiproxy-main-app-TaskRole-X1Y2Z3', 'aiproxy-main-app', 'TaskRole');

    const placement = await placeRole(
      reader,
      arn('aiproxy-main-app-TaskRole-X1Y2Z3'),
      'aiproxy-main-app-TaskRole-X1Y2Z3',
      place,
    );

    expect(placement).toMatchObject({
      kind: 'app-template',
      logicalId: 'TaskRole',
      buildRole: false,
    });
    expect(placement.fix).toMatch(/template by pull request/);
  });

  it('a nested stack’s role belongs to its root stack', async () => {
    givenRole(aws, 'fn-role', { path: '/aiproxy/' });
    givenStackResource(aws, 'fn-role', 'aiproxy-main-app-Api-1ABC', 'FunctionRole');
    aws.cloudformation
      .on(DescribeStacksCommand, { StackName: 'aiproxy-main-app-Api-1ABC' })
      .resolves({
        Stacks: [
          {
            StackName: 'aiproxy-main-app-Api-1ABC',
            CreationTime: new Date(),
            StackStatus: 'UPDATE_COMPLETE',
            RootId: `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/aiproxy-main-app/abc`,
          },
        ],
      });

    const placement = await placeRole(reader, arn('fn-role'), 'fn-role', place);

    expect(placement).toMatchObject({
      kind: 'app-template',
      stackName: 'aiproxy-main-app-Api-1ABC',
    });
  });

  it('a global role: fixed by aiproxy, changed by a reviewed pull request, then setup', async () => {
    const name = `aiproxy-global-cfn-exec-${REGION}`;
    givenRole(aws, name, { path: '/aiproxy-global/' });

    const placement = await placeRole(reader, arn(name), name, place);

    expect(placement).toMatchObject({ kind: 'global', evidence: 'role-path' });
    expect(placement.fix).toContain(
      'pull request to aiproxy’s src/lib/templates/global-policies.ts',
    );
    expect(placement.fix).toContain('escalation matrix (docs/escalation-matrix.md)');
    expect(placement.fix).toContain('re-runs `aiproxy setup` with the new version');
    expect(placement.fix).toContain('`aiproxy doctor --apply --direct`');
    expect(placement.fix).not.toContain('adds the statements to this role in the global stack');
    // The global role is known by its path: its stack was never looked up.
    expect(aws.cloudformation.calls()).toHaveLength(0);
  });

  it('a role in another account is foreign, and nothing is read about it', async () => {
    const placement = await placeRole(reader, arn('deployer', '999988887777'), 'deployer', place);

    expect(placement).toMatchObject({
      kind: 'foreign',
      evidence: 'account',
      account: '999988887777',
    });
    expect(placement.reason).toContain('not in the caller’s account');
    expect(aws.iam.calls()).toHaveLength(0);
  });

  it('a service-linked role is foreign: its policies are AWS’s', async () => {
    const name = 'AWSServiceRoleForECS';
    givenRole(aws, name, { path: '/aws-service-role/ecs.amazonaws.com/' });

    const placement = await placeRole(reader, arn(name), name, place);

    expect(placement).toMatchObject({ kind: 'foreign', serviceLinked: true });
  });

  it('a role made by another application’s stack, or by no stack, is foreign', async () => {
    givenRole(aws, 'payments-role', {});
    givenStackResource(aws, 'payments-role', 'payments-prod', 'Role');
    aws.cloudformation.on(DescribeStacksCommand).resolves({ Stacks: [] });
    const theirs = await placeRole(reader, arn('payments-role'), 'payments-role', place);
    expect(theirs).toMatchObject({ kind: 'foreign', stackName: 'payments-prod' });

    aws.cloudformation.reset();
    givenRole(aws, 'hand-made', { path: '/aiproxy/' });
    givenNoStackResource(aws);
    const handMade = await placeRole(reader, arn('hand-made'), 'hand-made', place);
    expect(handMade).toMatchObject({ kind: 'foreign', evidence: 'stack-resource' });
  });

  it('infers the place from the name when the caller may not read the role or its stack', async () => {
    aws.iam
      .on(GetRoleCommand)
      .rejects(
        awsError(
          'AccessDenied',
          'User: x is not authorized to perform: iam:GetRole on resource: role y',
        ),
      );
    aws.cloudformation
      .on(DescribeStackResourcesCommand)
      .rejects(
        awsError(
          'AccessDenied',
          'User: x is not authorized to perform: cloudformation:DescribeStackResources',
        ),
      );

    const placement = await placeRole(reader, arn(BUILD_ROLE), BUILD_ROLE, place);

    expect(placement).toMatchObject({
      kind: 'pipeline-template',
      evidence: 'role-name',
      branch: 'iam-refactor',
    });
    expect(reader.notes.join('\n')).toMatch(/iam:GetRole/);
    expect(reader.notes.join('\n')).toMatch(/cloudformation:DescribeStackResources/);
  });

  it('a role that no longer exists is foreign', async () => {
    aws.iam.on(GetRoleCommand).rejects(
      awsError('NoSuchEntityException', 'The role with name gone cannot be found.', {
        status: 404,
      }),
    );

    const placement = await placeRole(reader, arn('gone'), 'gone', place);

    expect(placement).toMatchObject({ kind: 'foreign', evidence: 'none' });
  });
});
