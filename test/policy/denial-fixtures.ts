/**
 * Parsed denials as the parser hands them over, for the patch, explain and enrich stories.
 * The seed is the build log that started aiproxy (`/work/shared/fixtures`).
 */
import type { ParsedDenial } from '../../src/lib/doctor/types.js';

export const ACCOUNT = '123456789012';
export const SEED_ROLE_NAME = 'aiproxy-iam-refactor-cicd-CodeBuildServiceRole-acpZXNrsWUoW';
export const SEED_ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/${SEED_ROLE_NAME}`;

/** A session of the seed role: every CodeBuild build has its own session name. */
export function sessionOf(build: string): string {
  return `arn:aws:sts::${ACCOUNT}:assumed-role/${SEED_ROLE_NAME}/AWSCodeBuild-${build}`;
}

/** The seed denial, with any field replaced. */
export function denial(overrides: Partial<ParsedDenial> = {}): ParsedDenial {
  return {
    principal: sessionOf('72a7bcfe-fee1-480b-8aad-2c1e7bfc9989'),
    principalType: 'assumed-role',
    roleArn: SEED_ROLE_ARN,
    roleName: SEED_ROLE_NAME,
    account: ACCOUNT,
    action: 'ecr:GetAuthorizationToken',
    operation: 'GetAuthorizationToken',
    serviceHint: null,
    resource: '*',
    policyType: 'identity',
    deny: 'implicit',
    policyArn: null,
    encoded: false,
    count: 1,
    source: { file: 'build.log', line: 24, writer: 'build' },
    ...overrides,
  };
}

/** A denial of another role (`arn:aws:iam::<account>:role/<name>`). */
export function roleDenial(
  name: string,
  overrides: Partial<ParsedDenial> = {},
  account = ACCOUNT,
  partition = 'aws',
): ParsedDenial {
  return denial({
    principal: `arn:${partition}:sts::${account}:assumed-role/${name}/session-1`,
    roleArn: `arn:${partition}:iam::${account}:role/${name}`,
    roleName: name,
    account,
    ...overrides,
  });
}
