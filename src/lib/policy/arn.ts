/**
 * ARN helpers for text read from logs: parse, check that a value can be an ARN at all, and
 * match IAM-style wildcards. Everything here is pure and synchronous.
 */

/** An ARN split into its six fields. `resource` keeps any further colons. */
export interface ParsedArn {
  partition: string;
  service: string;
  region: string;
  account: string;
  resource: string;
}

/** The partitions a patch may name; others (ISO regions) are left to a person. */
export const PARTITIONS = ['aws', 'aws-cn', 'aws-us-gov'] as const;

/** IAM limits an ARN in a policy to 2048 characters. */
const MAX_ARN_LENGTH = 2048;

// Characters AWS uses in resource names and ARNs. Quotes, backslashes, whitespace, `$`, `{`,
// `}` and angle brackets never appear in a real ARN; in a policy `${…}` would even be read as
// a policy variable. Rejecting them keeps a crafted log line from smuggling anything into a
// policy, even though documents are only ever built as objects.
const ARN_SAFE = /^[A-Za-z0-9_+=,.@\-:/*?!~%()#&]+$/;

/** Whether `value` is made only of characters that can appear in an ARN, within IAM's length. */
export function isArnSafe(value: string): boolean {
  return value.length > 0 && value.length <= MAX_ARN_LENGTH && ARN_SAFE.test(value);
}

/** Splits `arn:partition:service:region:account:resource`, or returns null when it is not one. */
export function parseArn(value: string): ParsedArn | null {
  const parts = value.split(':');
  if (parts.length < 6 || parts[0] !== 'arn') return null;
  const [, partition = '', service = '', region = '', account = ''] = parts;
  const resource = parts.slice(5).join(':');
  if (partition === '' || service === '' || resource === '') return null;
  return { partition, service, region, account, resource };
}

/**
 * Whether an account field was masked by CI (`***`, `********3333`). AWS never prints a
 * wildcard in the account of a denied request, so any `*` there is a mask.
 */
export function isMaskedAccount(account: string): boolean {
  return account.includes('*');
}

/** Whether a string holds an IAM wildcard (`*` or `?`). */
export function hasWildcard(value: string): boolean {
  return value.includes('*') || value.includes('?');
}

function wildcardRegex(pattern: string): RegExp {
  const body = pattern
    .split('')
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\/-]/g, '\\$&')))
    .join('');
  return new RegExp(`^${body}$`, 's');
}

/**
 * IAM-style wildcard match: `*` any run of characters, `?` one. Action names compare
 * case-insensitively (IAM does), resources case-sensitively.
 */
export function wildcardMatches(pattern: string, value: string, ignoreCase = false): boolean {
  return ignoreCase
    ? wildcardRegex(pattern.toLowerCase()).test(value.toLowerCase())
    : wildcardRegex(pattern).test(value);
}

/**
 * Whether every value `inner` can match is also matched by `outer`. Sound for the patterns
 * policies use: `outer`'s `*` must swallow each wildcard of `inner` as a literal character,
 * which is only possible when `outer` has a `*` there. `?` in `outer` is treated as literal.
 */
export function patternCovers(outer: string, inner: string): boolean {
  const body = outer
    .split('')
    .map((c) => (c === '*' ? '.*' : c.replace(/[.+^${}()|[\]\\/?*-]/g, '\\$&')))
    .join('');
  return new RegExp(`^${body}$`, 's').test(inner);
}

const PARTITION_RE = '(?:aws|aws-cn|aws-us-gov)';
// us-east-1, eu-central-1, us-gov-west-1, cn-north-1, ap-southeast-2, me-south-1.
const REGION_RE = '(?:[a-z]{2}(?:-[a-z]+)+-\\d+)';
// AWS-owned resources (managed policies, the SAM transform) carry the literal `aws`.
const ACCOUNT_RE = '(?:\\d{12}|aws)';

const formatCache = new Map<string, RegExp>();

/**
 * The regular expression for an ARN format of the Service Authorization Reference, such as
 * `arn:${Partition}:ecr:${Region}:${Account}:repository/${RepositoryName}`. A name placeholder
 * matches anything but a colon, except the last one, which may hold colons: qualified Lambda
 * ARNs (`function:name:alias`) and log streams are printed that way.
 */
export function arnFormatRegex(format: string): RegExp {
  const cached = formatCache.get(format);
  if (cached) return cached;
  const tokens = format.split(/(\$\{[^}]+\})/).filter((t) => t !== '');
  const lastPlaceholder = tokens.reduce(
    (last, t, i) =>
      t.startsWith('${') && !['${Partition}', '${Region}', '${Account}'].includes(t) ? i : last,
    -1,
  );
  const body = tokens
    .map((t, i) => {
      if (t === '${Partition}') return PARTITION_RE;
      if (t === '${Region}') return REGION_RE;
      if (t === '${Account}') return ACCOUNT_RE;
      if (t.startsWith('${'))
        return i === lastPlaceholder && i === tokens.length - 1 ? '.+' : '[^:]+';
      return t.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    })
    .join('');
  const regex = new RegExp(`^${body}$`);
  formatCache.set(format, regex);
  return regex;
}

/**
 * Whether the resource part of an ARN holds another ARN, as when a full ARN is pasted where a
 * name was expected (`role/arn:aws:iam::111122223333/role/admin`). IAM paths allow colons, so
 * the format alone accepts it; no real resource is named like that.
 */
export function hasNestedArn(arn: string): boolean {
  const parsed = parseArn(arn);
  return parsed !== null && /(^|[/:])arn:/.test(parsed.resource);
}

/** Whether `arn` has the shape of `format` (see {@link arnFormatRegex}). */
export function arnMatchesFormat(arn: string, format: string): boolean {
  return isArnSafe(arn) && !hasNestedArn(arn) && arnFormatRegex(format).test(arn);
}
