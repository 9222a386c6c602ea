import { describe, expect, it } from 'vitest';

import {
  hasNestedArn,
  isArnSafe,
  parseArn,
  patternCovers,
  wildcardMatches,
} from '../../src/lib/policy/arn.js';
import {
  coversSelf,
  isAppResource,
  isAppRolePattern,
  isBroad,
} from '../../src/lib/policy/scope.js';

const A = '123456789012';
const context = {
  roleArn: `arn:aws:iam::${A}:role/aiproxy-main-cicd-BuildRole-X1`,
  account: A,
  appPrefix: 'aiproxy',
};

describe('ARN helpers', () => {
  it('parses ARNs and keeps colons in the resource', () => {
    expect(parseArn(`arn:aws:logs:eu-west-1:${A}:log-group:g:log-stream:s`)).toEqual({
      partition: 'aws',
      service: 'logs',
      region: 'eu-west-1',
      account: A,
      resource: 'log-group:g:log-stream:s',
    });
    expect(parseArn('aws:iam::1:role/x')).toBeNull();
    expect(parseArn('*')).toBeNull();
  });

  it.each([
    ['arn:aws:ecr:eu-west-1:1:repository/a', true],
    ['*', true],
    ['arn:aws:s3:::b/a b', false],
    ['arn:aws:s3:::b/"x"', false],
    ['arn:aws:s3:::b/${aws:username}', false],
    ['arn:aws:s3:::b/x\ny', false],
    ['', false],
    ['a'.repeat(2049), false],
  ])('isArnSafe(%j) is %s', (value, safe) => {
    expect(isArnSafe(value)).toBe(safe);
  });

  it('spots a full ARN pasted where a name was expected', () => {
    expect(hasNestedArn(`arn:aws:iam::${A}:role/arn:aws:iam::${A}/role/admin`)).toBe(true);
    expect(hasNestedArn(`arn:aws:iam::${A}:role/service-role/x`)).toBe(false);
  });

  it('matches IAM wildcards and pattern containment', () => {
    expect(wildcardMatches('iam:Pass*', 'IAM:PassRole', true)).toBe(true);
    expect(wildcardMatches('role/a?c', 'role/abc')).toBe(true);
    expect(patternCovers('role/aiproxy/*', 'role/aiproxy/x*')).toBe(true);
    expect(patternCovers('role/aiproxy/*', 'role/aiproxy*')).toBe(false);
  });
});

describe('application scope', () => {
  it.each([
    // [pattern, inside the application]
    [`arn:aws:iam::${A}:role/aiproxy/task`, true],
    [`arn:aws:iam::${A}:role/aiproxy/*`, true],
    [`arn:aws:iam::${A}:role/aiproxy-global/exec`, false],
    [`arn:aws:iam::${A}:role/aiproxy*`, false],
    [`arn:aws:iam::${A}:user/aiproxy/ci`, false],
    [`arn:aws:iam::444455556666:role/aiproxy/task`, false],
    [`arn:aws:ecr:eu-west-1:${A}:repository/aiproxy/main`, true],
    [`arn:aws:ecr:eu-west-1:***:repository/aiproxy/main`, false],
    [`arn:aws:ecr:eu-west-1:*:repository/aiproxy/main`, false],
    [`arn:aws:cloudformation:eu-west-1:${A}:stack/aiproxy-main-app/*`, true],
    [`arn:aws:cloudformation:eu-west-1:${A}:stack/aiproxy-global/*`, false],
    [`arn:aws:cloudformation:eu-west-1:${A}:stack/aiproxy*`, false],
    [`arn:aws:cloudformation:eu-west-1:${A}:stack/aiproxy-g*`, false],
    [`arn:aws:logs:eu-west-1:${A}:log-group:/aws/codebuild/aiproxy-main-build:*`, true],
    [`arn:aws:ssm:eu-west-1:${A}:parameter/aiproxy/main/db`, true],
    [`arn:aws:secretsmanager:eu-west-1:${A}:secret:/aiproxy/main/db-AbCdEf`, true],
    [`arn:aws:s3:::aiproxy-main-${A}-eu-west-1/*`, true],
    ['arn:aws:s3:::other-bucket/*', false],
    [`arn:aws:ec2:eu-west-1:${A}:instance/i-0abc`, false],
    ['*', false],
  ])('%s is the application’s: %s', (pattern, inside) => {
    expect(isAppResource(pattern, context)).toBe(inside);
  });

  it('knows the application roles, the caller, and broad patterns', () => {
    expect(isAppRolePattern(`arn:aws-us-gov:iam::${A}:role/aiproxy/x`, context)).toBe(true);
    expect(isAppRolePattern(`arn:aws:iam::${A}:role/other`, context)).toBe(false);
    // The caller's ARN came from a session and lost its path: a path wildcard may cover it
    expect(coversSelf(`arn:aws:iam::${A}:role/aiproxy/*`, context)).toBe(true);
    expect(coversSelf(`arn:aws:iam::${A}:role/aiproxy/other`, context)).toBe(false);
    expect(coversSelf('*', context)).toBe(true);
    expect(isBroad(`arn:aws:ssm:eu-west-1:${A}:parameter/*`)).toBe(true);
    expect(isBroad(`arn:aws:ssm:eu-west-1:${A}:*`)).toBe(true);
    expect(isBroad(`arn:aws:ssm:eu-west-1:${A}:parameter/aiproxy/*`)).toBe(false);
  });
});
