import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { wildcardMatches } from '../../src/lib/policy/arn.js';
import { patternsIntersect } from '../../src/lib/policy/match.js';

/** Every string over {a, b} up to `max` characters: enough to find any witness of two short patterns. */
function strings(max: number): string[] {
  const out = [''];
  for (let length = 1; length <= max; length++) {
    for (let n = 0; n < 2 ** length; n++) {
      out.push(n.toString(2).padStart(length, '0').replace(/0/g, 'a').replace(/1/g, 'b'));
    }
  }
  return out;
}

describe('patternsIntersect', () => {
  it.each([
    // [a, b, intersect]
    ['s3:Get*', 's3:*Object', true],
    ['s3:Get*', 's3:Put*', false],
    ['s3:GetObject', 's3:GetObject', true],
    ['s3:GetObject', 's3:GetObjectAcl', false],
    ['*', 'anything', true],
    ['a*', '*b', true],
    ['*a', '*b', false],
    ['a?c', 'a*', true],
    ['a?c', 'ab', false],
    ['', '*', true],
    ['', '?', false],
    [
      'arn:aws:iam::123456789012:role/aiproxy/*',
      'arn:aws:iam::123456789012:role/aiproxy-global/*',
      false,
    ],
    ['arn:aws:s3:::aiproxy-*-1-r/*', 'arn:aws:s3:::other/*', false],
  ])('%s and %s meet: %s', (a, b, expected) => {
    // Given two patterns, When intersected, Then the answer is symmetric and as expected.
    expect(patternsIntersect(a, b)).toBe(expected);
    expect(patternsIntersect(b, a)).toBe(expected);
  });

  it('compares actions case-insensitively only when asked', () => {
    expect(patternsIntersect('iam:Pass*', 'IAM:PASSROLE', true)).toBe(true);
    expect(patternsIntersect('iam:Pass*', 'IAM:PASSROLE')).toBe(false);
  });

  it('agrees with brute force over every short pattern pair', () => {
    // Given patterns over {a, b, *, ?} of up to 4 characters, When a witness exists among all
    // strings up to their joint length, Then patternsIntersect says so, and only then.
    const candidates = strings(8);
    const pattern = fc.string({ unit: fc.constantFrom('a', 'b', '*', '?'), maxLength: 4 });
    fc.assert(
      fc.property(pattern, pattern, (a, b) => {
        const witness = candidates.some(
          (s) => s.length <= a.length + b.length && wildcardMatches(a, s) && wildcardMatches(b, s),
        );
        expect(patternsIntersect(a, b)).toBe(witness);
      }),
      { numRuns: 2000 },
    );
  });

  it('stays fast on long patterns full of stars', () => {
    const a = `${'*a'.repeat(1000)}*`;
    const b = `${'*b'.repeat(1000)}*`;
    expect(patternsIntersect(a, b)).toBe(true);
    expect(patternsIntersect(`${a}c`, `${b}d`)).toBe(false);
  });
});
