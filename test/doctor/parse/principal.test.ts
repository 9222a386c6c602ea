/**
 * parsePrincipal: every kind of principal AWS prints in a denial, in every partition.
 */
import { describe, expect, it } from 'vitest';

import { parsePrincipal } from '../../../src/lib/doctor/parse/index.js';

const PARTITIONS = ['aws', 'aws-cn', 'aws-us-gov'] as const;

describe('parsePrincipal', () => {
  describe.each(PARTITIONS)('in the %s partition', (partition) => {
    it('maps an assumed-role session to its role ARN (without the role path it omits)', () => {
      // Given a CodeBuild session of a role
      const printed = `arn:${partition}:sts::111122223333:assumed-role/Build-Role_1/AWSCodeBuild-6a1b`;

      // When it is parsed
      const info = parsePrincipal(printed);

      // Then the role is the session's role, in the same partition and account
      expect(info).toEqual({
        principalType: 'assumed-role',
        roleArn: `arn:${partition}:iam::111122223333:role/Build-Role_1`,
        roleName: 'Build-Role_1',
        account: '111122223333',
      });
    });

    it('keeps a role ARN with its path and names the role by its last segment', () => {
      const printed = `arn:${partition}:iam::210987654321:role/service-role/codebuild-role`;
      expect(parsePrincipal(printed)).toEqual({
        principalType: 'role',
        roleArn: printed,
        roleName: 'codebuild-role',
        account: '210987654321',
      });
    });

    it('reads a user, with or without a path, as a user (no role)', () => {
      for (const printed of [
        `arn:${partition}:iam::123456789012:user/deploy-bot`,
        `arn:${partition}:iam::123456789012:user/convox/orders-staging-KernelUser-NS90`,
      ]) {
        expect(parsePrincipal(printed)).toEqual({
          principalType: 'user',
          roleArn: null,
          roleName: null,
          account: '123456789012',
        });
      }
    });

    it('reads a federated user and the root user', () => {
      expect(parsePrincipal(`arn:${partition}:sts::314159265358:federated-user/vault-52`)).toEqual({
        principalType: 'federated-user',
        roleArn: null,
        roleName: null,
        account: '314159265358',
      });
      expect(parsePrincipal(`arn:${partition}:iam::210987654321:root`)).toEqual({
        principalType: 'root',
        roleArn: null,
        roleName: null,
        account: '210987654321',
      });
    });
  });

  it('keeps an e-mail session name out of the role name', () => {
    const info = parsePrincipal(
      'arn:aws:sts::123456789012:assumed-role/platform-team/dev.user@example.com',
    );
    expect(info.roleName).toBe('platform-team');
    expect(info.roleArn).toBe('arn:aws:iam::123456789012:role/platform-team');
  });

  it('gives no account and no role ARN when CI masked the account', () => {
    // Given CodeBuild's masking of a secret that happens to be the account id
    const masked = parsePrincipal(
      'arn:aws:sts::***:assumed-role/custom-control-tower-StackSetCodeBuildRole-AMFB/AWSCodeBuild-6a1b',
    );

    // Then the role is named but no ARN is guessed
    expect(masked).toEqual({
      principalType: 'assumed-role',
      roleArn: null,
      roleName: 'custom-control-tower-StackSetCodeBuildRole-AMFB',
      account: null,
    });
    expect(parsePrincipal('arn:aws:iam::********3333:role/x').account).toBeNull();
    expect(parsePrincipal('arn:aws:iam::********3333:role/x').roleArn).toBeNull();
  });

  it('reads anonymous and service principals', () => {
    const none = { roleArn: null, roleName: null, account: null };
    expect(parsePrincipal('anonymous')).toEqual({ principalType: 'anonymous', ...none });
    expect(parsePrincipal('ecs-tasks.amazonaws.com')).toEqual({
      principalType: 'service',
      ...none,
    });
    expect(parsePrincipal('lambda.amazonaws.com.cn')).toEqual({
      principalType: 'service',
      ...none,
    });
  });

  it('gives nothing for text that is not a principal', () => {
    const nothing = { principalType: null, roleArn: null, roleName: null, account: null };
    for (const printed of ['', 'User', 'arn:aws:s3:::bucket', 'arn:aws:iam::123:role', 'bob']) {
      expect(parsePrincipal(printed)).toEqual(nothing);
    }
  });
});
