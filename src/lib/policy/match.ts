/**
 * Whether two IAM-style wildcard patterns can match a common value. `arn.ts` answers
 * "does this pattern match this value" and "does this pattern cover that one"; deciding
 * whether a grant overlaps a boundary's Deny needs the third question, which neither answers
 * when both sides hold wildcards (`s3:Get*` against `s3:*Object`).
 */

/**
 * Whether some string matches both `a` and `b`. `*` is any run of characters, `?` exactly
 * one, as IAM reads them; actions compare case-insensitively (pass `ignoreCase`), resources
 * case-sensitively.
 *
 * Dynamic programming over suffixes, two rows at a time: O(|a|·|b|) time, O(|b|) memory, even
 * for patterns full of `*` (IAM's ARN limit is 2,048 characters).
 */
export function patternsIntersect(a: string, b: string, ignoreCase = false): boolean {
  const p = ignoreCase ? a.toLowerCase() : a;
  const q = ignoreCase ? b.toLowerCase() : b;
  const m = q.length;
  // below[j]: whether p[i+1..] and q[j..] can meet; row[j]: the same for p[i..].
  let below = new Uint8Array(m + 1);
  let row = new Uint8Array(m + 1);

  for (let i = p.length; i >= 0; i--) {
    for (let j = m; j >= 0; j--) {
      let meet: boolean;
      if (i === p.length && j === m) {
        meet = true;
      } else if (i < p.length && p[i] === '*') {
        // The star is empty, or it swallows whatever `q` puts at position j (a star included).
        meet = below[j] === 1 || (j < m && row[j + 1] === 1);
      } else if (j < m && q[j] === '*') {
        meet = row[j + 1] === 1 || (i < p.length && below[j] === 1);
      } else if (i === p.length || j === m) {
        // One side still needs a character the other cannot produce.
        meet = false;
      } else {
        const x = p[i];
        const y = q[j];
        meet = (x === '?' || y === '?' || x === y) && below[j + 1] === 1;
      }
      row[j] = meet ? 1 : 0;
    }
    [below, row] = [row, below];
  }
  return below[0] === 1;
}
