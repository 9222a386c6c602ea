/**
 * Where a policy's resource pattern reaches, seen from one application: its own resources
 * (names starting with the prefix, roles and policies under the IAM path `/<prefix>/`), the
 * calling role itself, or anything beyond. Patterns come from policies, so they may hold
 * wildcards; every answer errs towards "beyond" when a pattern could reach further.
 */
import {
  PARTITIONS,
  hasWildcard,
  isMaskedAccount,
  parseArn,
  patternCovers,
  wildcardMatches,
} from './arn.js';

/** The application and the role a policy belongs to. */
export interface ScopeContext {
  /** The role the policy is for: `arn:<partition>:iam::<account>:role/<name>`. */
  roleArn: string;
  /** The role's account (12 digits). */
  account: string;
  /** The application prefix (`aiproxy`). */
  appPrefix: string;
}

// The global stack, roles, policies and parameters start with `<prefix>-global`: they belong
// to the admin, not to the application, even though their names start with the prefix.
const GLOBAL_SUFFIX = '-global';

// IAM resource types that the application owns under its path. Users and groups are never
// the application's: its roles need none (SECURITY-DESIGN B7).
const APP_IAM_TYPES = ['role', 'policy', 'instance-profile'];

/** `arn:<partition>:iam::<account>:role/<prefix>/*` for every partition a patch may name. */
export function appRolePatterns(context: ScopeContext): string[] {
  return PARTITIONS.map((p) => `arn:${p}:iam::${context.account}:role/${context.appPrefix}/*`);
}

/** Whether every role the pattern can match is one of the application's roles. */
export function isAppRolePattern(pattern: string, context: ScopeContext): boolean {
  return appRolePatterns(context).some((outer) => patternCovers(outer, pattern));
}

/**
 * The part of a resource that carries the application's name: `repository/aiproxy-x` gives
 * `aiproxy-x`, `log-group:/aws/codebuild/aiproxy-x` gives `aiproxy-x`, an S3 ARN gives the
 * bucket (and key).
 */
function nameOf(service: string, resource: string): string {
  let name = service === 's3' ? resource : resource.replace(/^[A-Za-z0-9-]+[/:]/, '');
  // Services name log groups `/aws/<service>/<name>`; parameters and secrets may start with `/`.
  name = name.replace(/^\/aws\/[a-z0-9-]+\//, '').replace(/^\//, '');
  return name;
}

/** Whether the first characters of a pattern spell `literal` without a wildcard among them. */
function startsLiterally(pattern: string, literal: string): boolean {
  return pattern.startsWith(literal) && !hasWildcard(pattern.slice(0, literal.length));
}

/** Whether a name pattern could match a name starting with `<prefix>-global`. */
function couldBeGlobal(name: string, prefix: string): boolean {
  const global = `${prefix}${GLOBAL_SUFFIX}`;
  const wildcardAt = name.search(/[*?]/);
  const literal = wildcardAt === -1 ? name : name.slice(0, wildcardAt);
  if (literal.startsWith(global)) return true;
  return wildcardAt !== -1 && global.startsWith(literal);
}

/**
 * Whether every resource the pattern can match belongs to the application, in the role's own
 * account. `*`, patterns that are not ARNs, other accounts, masked accounts and names that a
 * wildcard could stretch past the prefix all count as beyond it.
 */
export function isAppResource(pattern: string, context: ScopeContext): boolean {
  const arn = parseArn(pattern);
  if (!arn) return false;
  // S3 bucket ARNs carry no account: the bucket name decides.
  const accountOk = arn.account === context.account || (arn.account === '' && arn.service === 's3');
  if (!accountOk || isMaskedAccount(arn.account) || hasWildcard(arn.account)) return false;

  const prefix = context.appPrefix;
  if (arn.service === 'iam') {
    return APP_IAM_TYPES.some((type) => startsLiterally(arn.resource, `${type}/${prefix}/`));
  }
  const name = nameOf(arn.service, arn.resource);
  return startsLiterally(name, prefix) && !couldBeGlobal(name, prefix);
}

/** The role's name: the last path segment of its ARN. */
function roleNameOf(roleArn: string): string {
  const resource = parseArn(roleArn)?.resource ?? '';
  return resource.slice(resource.lastIndexOf('/') + 1);
}

/**
 * Whether the pattern can match the calling role itself. A role ARN taken from an
 * assumed-role session has lost its path, so any role pattern whose last segment matches the
 * role's name counts: `role/aiproxy/*` may well cover the caller.
 */
export function coversSelf(pattern: string, context: ScopeContext): boolean {
  if (wildcardMatches(pattern, context.roleArn)) return true;
  const arn = parseArn(pattern);
  if (!arn || !wildcardMatches(arn.service, 'iam') || !arn.resource.startsWith('role/')) {
    return false;
  }
  const lastSegment = arn.resource.slice(arn.resource.lastIndexOf('/') + 1);
  return (
    wildcardMatches(arn.account, context.account) &&
    wildcardMatches(lastSegment, roleNameOf(context.roleArn))
  );
}

/** Whether a pattern matches every resource of its type: `*`, `arn:…:*`, `parameter/*`. */
export function isBroad(pattern: string): boolean {
  if (pattern === '*') return true;
  const arn = parseArn(pattern);
  if (!arn) return hasWildcard(pattern);
  if (hasWildcard(arn.account)) return true;
  const name = nameOf(arn.service, arn.resource);
  return /^[*?]/.test(name) || /^[*?]/.test(arn.resource);
}

/** The account a resource lies in, when it names one (12 digits), else null. */
export function resourceAccount(pattern: string): string | null {
  const arn = parseArn(pattern);
  return arn && /^\d{12}$/.test(arn.account) ? arn.account : null;
}
