import { describe, expect, it } from 'vitest';

import { callerKind, requiredPermissions } from '../../src/lib/setup/caller.js';
import { planVersion } from '../../src/lib/setup/existing-stack.js';
import { connectionConsoleUrl, setupOutputs } from '../../src/lib/setup/handoff.js';
import { sanctionedBoundary } from '../../src/lib/setup/squatters.js';
import { buildSetupTemplate, connectionChoice } from '../../src/lib/setup/template.js';

const ENV = { partition: 'aws', accountId: '123456789012', region: 'eu-west-1' };
const IDENTITY = {
  account: '123456789012',
  arn: 'arn:aws:sts::123456789012:assumed-role/Admin/alice',
  partition: 'aws',
  region: 'eu-west-1',
};

describe('callerKind', () => {
  it.each([
    ['arn:aws:iam::123456789012:root', 'root'],
    ['arn:aws:iam::123456789012:user/ops/alice', 'user'],
    ['arn:aws-cn:sts::123456789012:assumed-role/AWSReservedSSO_Admin_1/alice', 'role'],
    ['arn:aws:sts::123456789012:federated-user/bob', 'other'],
    ['arn:aws:sts::123456789012:user/moto', 'other'],
  ])('%s is a %s', (arn, kind) => {
    expect(callerKind(arn)).toBe(kind);
  });
});

describe('requiredPermissions', () => {
  it('checks role and policy creation on the global names of this region', () => {
    const permissions = requiredPermissions(IDENTITY, {
      prefix: 'aiproxy',
      connection: { kind: 'none' },
    });
    expect(permissions).toContainEqual({
      action: 'iam:CreateRole',
      resource: 'arn:aws:iam::123456789012:role/aiproxy-global/aiproxy-global-cfn-exec-eu-west-1',
    });
    expect(permissions.map((p) => p.action)).not.toContain('codestar-connections:CreateConnection');
  });

  it('adds CreateConnection when setup creates the connection', () => {
    const permissions = requiredPermissions(IDENTITY, {
      prefix: 'aiproxy',
      connection: { kind: 'create', provider: 'GitHub' },
    });
    expect(permissions.map((p) => p.action)).toContain('codestar-connections:CreateConnection');
  });
});

describe('sanctionedBoundary', () => {
  const sanctioned = sanctionedBoundary({ prefix: 'aiproxy', env: ENV });

  it.each([
    ['this region', 'policy/aiproxy-global/aiproxy-global-workload-boundary-eu-west-1', true],
    ['another region', 'policy/aiproxy-global/aiproxy-global-workload-boundary-us-east-1', true],
    ['the developer policy', 'policy/aiproxy-global/aiproxy-global-developer-eu-west-1', false],
    ['another path', 'policy/aiproxy-global-workload-boundary-eu-west-1', false],
    ['a delegated path', 'policy/aiproxy/aiproxy-global-workload-boundary-eu-west-1', false],
  ])('%s', (_what, resource, expected) => {
    expect(sanctioned.test(`arn:aws:iam::123456789012:${resource}`)).toBe(expected);
  });

  it('never accepts a boundary of another account', () => {
    expect(
      sanctioned.test(
        'arn:aws:iam::999999999999:policy/aiproxy-global/aiproxy-global-workload-boundary-eu-west-1',
      ),
    ).toBe(false);
  });
});

describe('planVersion', () => {
  it.each([
    [1, 1, 'same'],
    [2, 1, 'upgrade'],
    [2, undefined, 'upgrade'],
    [1, 2, 'cli-too-old'],
  ] as const)('CLI %s, stack %s: %s', (cli, stack, kind) => {
    expect(planVersion(cli, stack).kind).toBe(kind);
  });

  it('tells an older CLI to upgrade aiproxy', () => {
    expect(planVersion(1, 3)).toMatchObject({
      kind: 'cli-too-old',
      message: expect.stringContaining('Upgrade aiproxy') as unknown,
    });
  });
});

describe('connection flags', () => {
  it('maps --create-connection to the provider type', () => {
    expect(connectionChoice({ createConnection: 'bitbucket' })).toEqual({
      kind: 'create',
      provider: 'Bitbucket',
    });
  });

  it('refuses both flags (exit 2)', () => {
    expect(() => connectionChoice({ connectionArn: 'arn:x', createConnection: 'github' })).toThrow(
      expect.objectContaining({ code: 'CONFLICTING_CONNECTION', exitCode: 2 }) as Error,
    );
  });

  it('rejects a connection ARN that is not one (exit 2)', () => {
    expect(() =>
      buildSetupTemplate({
        connection: { kind: 'existing', connectionArn: 'arn:aws:iam::123456789012:role/x' },
      }),
    ).toThrow(expect.objectContaining({ code: 'INVALID_CONNECTION_ARN' }) as Error);
  });

  it('links to the pending connection in the right console', () => {
    const arn = 'arn:aws:codeconnections:eu-west-1:123456789012:connection/abc-123';
    expect(connectionConsoleUrl(ENV, arn)).toBe(
      'https://console.aws.amazon.com/codesuite/settings/123456789012/eu-west-1/connections/abc-123?region=eu-west-1',
    );
    expect(connectionConsoleUrl({ ...ENV, partition: 'aws-cn', region: 'cn-north-1' })).toBe(
      'https://console.amazonaws.cn/codesuite/settings/connections?region=cn-north-1',
    );
  });
});

describe('setupOutputs', () => {
  it('prefers what the stack reported, and fills the rest from the fixed names', () => {
    const outputs = setupOutputs(
      { DeveloperPolicyArn: 'arn:aws:iam::123456789012:policy/reported' },
      { prefix: 'team-app', env: ENV, version: 1 },
    );
    expect(outputs).toEqual({
      developerPolicyArn: 'arn:aws:iam::123456789012:policy/reported',
      executionRoleArn:
        'arn:aws:iam::123456789012:role/team-app-global/team-app-global-cfn-exec-eu-west-1',
      pipelineRoleArn:
        'arn:aws:iam::123456789012:role/team-app-global/team-app-global-pipeline-eu-west-1',
      boundaryPolicyArn:
        'arn:aws:iam::123456789012:policy/team-app-global/team-app-global-workload-boundary-eu-west-1',
      version: '1',
    });
  });
});
