/**
 * IAM-style wildcard matching for tests: `*` matches any run of characters, `?` exactly one,
 * case-sensitively. It lets `*` cross the colons of an ARN, which IAM allows only for a `*`
 * that ends a segment: a pattern that does not match here does not match in IAM either, so a
 * disjointness proof made with it is, if anything, stricter than IAM.
 */
export function iamMatches(pattern: string, value: string): boolean {
  const regex = pattern
    .split('')
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\/-]/g, '\\$&')))
    .join('');
  return new RegExp(`^${regex}$`, 's').test(value);
}
