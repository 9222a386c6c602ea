/**
 * `aiproxy setup` against moto: the real SDK clients, built by the client factory and
 * pointed at moto by AWS_ENDPOINT_URL, create the global stack; a second run finds no
 * changes. (moto cannot simulate policies, so the caller check reports "unchecked"; nor
 * does it report the outputs of stacks made by change sets, so the hand-off falls back to
 * the fixed global names. Its DeleteStack removes a role before detaching its managed
 * policies and fails, so `--delete` is covered by the client-mock stories only.)
 */
import {
  GetPolicyCommand,
  GetRoleCommand,
  IAMClient,
  ListRolePoliciesCommand,
  ListAttachedRolePoliciesCommand,
} from '@aws-sdk/client-iam';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { describe, expect, it } from 'vitest';

import { MOTO_ACCOUNT, MOTO_REGION, useMoto } from '../support/moto.js';
import { ci, runSetup } from './harness.js';

useMoto();

const ROLE_PATH = '/aiproxy-global/';
const POLICY_PREFIX = `arn:aws:iam::${MOTO_ACCOUNT}:policy/aiproxy-global/aiproxy-global`;

describe('setup against moto', () => {
  it('setup --yes creates the global stack: roles, policies, version parameter', async () => {
    const run = await runSetup(['--yes', '--json'], ci);

    expect(run.exitCode).toBe(0);
    const json = JSON.parse(run.stdout) as { result: string; outputs: Record<string, string> };
    expect(json.result).toBe('deployed');
    expect(json.outputs.DeveloperPolicyArn).toBe(`${POLICY_PREFIX}-developer-${MOTO_REGION}`);

    const iam = new IAMClient({});
    const exec = await iam.send(
      new GetRoleCommand({ RoleName: `aiproxy-global-cfn-exec-${MOTO_REGION}` }),
    );
    expect(exec.Role?.Path).toBe(ROLE_PATH);
    expect(decodeURIComponent(exec.Role?.AssumeRolePolicyDocument ?? '')).toContain(
      'cloudformation.amazonaws.com',
    );
    const attached = await iam.send(
      new ListAttachedRolePoliciesCommand({ RoleName: `aiproxy-global-cfn-exec-${MOTO_REGION}` }),
    );
    expect(attached.AttachedPolicies).toHaveLength(2);
    const pipeline = await iam.send(
      new ListRolePoliciesCommand({ RoleName: `aiproxy-global-pipeline-${MOTO_REGION}` }),
    );
    expect(pipeline.PolicyNames).toEqual(['pipeline']);
    for (const name of ['workload-boundary', 'developer']) {
      const policy = await iam.send(
        new GetPolicyCommand({ PolicyArn: `${POLICY_PREFIX}-${name}-${MOTO_REGION}` }),
      );
      expect(policy.Policy?.Path).toBe(ROLE_PATH);
    }
    const version = await new SSMClient({}).send(
      new GetParameterCommand({ Name: '/aiproxy-global/version' }),
    );
    expect(version.Parameter?.Value).toBe('1');
  });

  it('a second run says there is nothing to change and exits 0', async () => {
    const run = await runSetup([], ci);

    expect(run.exitCode).toBe(0);
    expect(run.stderr).toContain('it is at template version 1, as this CLI; checking for changes');
    expect(run.stdout).toContain('No changes: the global stack aiproxy-global is up to date.');
  });
});
