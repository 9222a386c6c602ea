import type { PrincipalType } from '../types.js';

/** What a printed principal tells about who was denied. */
export interface PrincipalInfo {
  principalType: PrincipalType | null;
  /** `arn:<partition>:iam::<account>:role/<name>` for a role or a session of one, when the account is readable. */
  roleArn: string | null;
  roleName: string | null;
  /** The 12-digit account, or null when absent or masked (`***`, `********3333`). */
  account: string | null;
}

const NOTHING: PrincipalInfo = {
  principalType: null,
  roleArn: null,
  roleName: null,
  account: null,
};

// arn:<partition>:<service>:<region>:<account>:<resource>. The account field is kept as printed
// so that a masked one (`***`) can be told apart from a missing one.
const PRINCIPAL_ARN = /^arn:(aws(?:-[a-z]+)*):(iam|sts)::([^:\s]{1,32}):(.{1,1800})$/;
const ACCOUNT_ID = /^\d{12}$/;
// Service principals print as their DNS-like name, in China with a `.cn` suffix.
const SERVICE_PRINCIPAL = /^[a-z0-9][a-z0-9.-]{0,80}\.amazonaws\.com(?:\.cn)?$/;

/**
 * Reads a principal as AWS prints it in an access-denied message and says what kind it is.
 *
 * An assumed-role session (`arn:aws:sts::111122223333:assumed-role/Deploy/session`) maps to the
 * role's ARN `arn:aws:iam::111122223333:role/Deploy`. The session ARN omits the role's path, so
 * a role created under a path (`role/service-role/Deploy`) comes back without it: IAM still
 * resolves the role by name, but the ARN is not the one in the role's own description.
 * A masked account (CodeBuild prints secret values as `***`) gives `account: null` and
 * `roleArn: null`: a guessed account would point a policy patch at the wrong place.
 */
export function parsePrincipal(printed: string): PrincipalInfo {
  const principal = printed.trim();
  if (principal === 'anonymous' || principal === '*') {
    return { ...NOTHING, principalType: 'anonymous' };
  }
  if (SERVICE_PRINCIPAL.test(principal)) {
    return { ...NOTHING, principalType: 'service' };
  }

  const match = PRINCIPAL_ARN.exec(principal);
  if (match === null) return NOTHING;
  const [, partition = 'aws', service, accountField = '', resource = ''] = match;
  const account = ACCOUNT_ID.test(accountField) ? accountField : null;
  const slash = resource.indexOf('/');
  const kind = slash === -1 ? resource : resource.slice(0, slash);
  const rest = slash === -1 ? '' : resource.slice(slash + 1);

  if (service === 'sts' && kind === 'assumed-role') {
    // assumed-role/<role name>/<session name>; the role name itself cannot hold a slash.
    const roleName = rest.split('/')[0] ?? '';
    if (roleName === '') return { ...NOTHING, principalType: 'assumed-role', account };
    return {
      principalType: 'assumed-role',
      roleArn: account === null ? null : `arn:${partition}:iam::${account}:role/${roleName}`,
      roleName,
      account,
    };
  }
  if (service === 'sts' && kind === 'federated-user') {
    return { ...NOTHING, principalType: 'federated-user', account };
  }
  if (service === 'iam' && kind === 'role' && rest !== '') {
    const roleName = rest.slice(rest.lastIndexOf('/') + 1);
    return {
      principalType: 'role',
      roleArn: account === null ? null : principal,
      roleName,
      account,
    };
  }
  if (service === 'iam' && kind === 'user' && rest !== '') {
    return { ...NOTHING, principalType: 'user', account };
  }
  if (service === 'iam' && resource === 'root') {
    return { ...NOTHING, principalType: 'root', account };
  }
  return { ...NOTHING, account };
}
