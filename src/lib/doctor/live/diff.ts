/**
 * A unified diff of two small texts (a project config before and after `doctor --apply`), so
 * the change can be reviewed before it is written. Line-based longest common subsequence: the
 * config is a few hundred lines at most.
 */

/** Lines of unchanged context around each change. */
const CONTEXT = 3;
// Past this many cells the table is not built; the whole file is shown as replaced instead.
const MAX_CELLS = 4_000_000;

type Op = { kind: ' ' | '-' | '+'; text: string; a: number; b: number };

function operations(before: string[], after: string[]): Op[] {
  const n = before.length;
  const m = after.length;
  if (n * m > MAX_CELLS) {
    return [
      ...before.map((text, a) => ({ kind: '-' as const, text, a, b: 0 })),
      ...after.map((text, b) => ({ kind: '+' as const, text, a: n, b })),
    ];
  }
  // at(i, j): the longest common subsequence of before[i..] and after[j..], in one flat table.
  const width = m + 1;
  const table = new Uint32Array((n + 1) * width);
  const at = (i: number, j: number): number => table[i * width + j] ?? 0;
  for (let i = n - 1; i >= 0; i -= 1) {
    for (let j = m - 1; j >= 0; j -= 1) {
      table[i * width + j] =
        before[i] === after[j] ? at(i + 1, j + 1) + 1 : Math.max(at(i + 1, j), at(i, j + 1));
    }
  }
  const ops: Op[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && before[i] === after[j]) {
      ops.push({ kind: ' ', text: before[i] ?? '', a: i, b: j });
      i += 1;
      j += 1;
    } else if (i < n && (j === m || at(i + 1, j) >= at(i, j + 1))) {
      // Removals before additions, as diff(1) prints them.
      ops.push({ kind: '-', text: before[i] ?? '', a: i, b: j });
      i += 1;
    } else {
      ops.push({ kind: '+', text: after[j] ?? '', a: i, b: j });
      j += 1;
    }
  }
  return ops;
}

function split(text: string): string[] {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/**
 * The unified diff of `before` and `after`, with `---`/`+++` headers naming `path`; empty when
 * the texts are equal.
 */
export function unifiedDiff(before: string, after: string, path: string): string {
  if (before === after) return '';
  const ops = operations(split(before), split(after));
  const changed = ops.map((op, index) => (op.kind === ' ' ? -1 : index)).filter((i) => i >= 0);

  // Group changes whose context windows touch into hunks.
  const hunks: [number, number][] = [];
  for (const index of changed) {
    const start = Math.max(0, index - CONTEXT);
    const end = Math.min(ops.length - 1, index + CONTEXT);
    const last = hunks[hunks.length - 1];
    if (last !== undefined && start <= last[1] + 1) last[1] = end;
    else hunks.push([start, end]);
  }

  const out = [`--- ${path}`, `+++ ${path} (proposed)`];
  for (const [start, end] of hunks) {
    const slice = ops.slice(start, end + 1);
    const first = slice[0] as Op;
    const oldCount = slice.filter((op) => op.kind !== '+').length;
    const newCount = slice.filter((op) => op.kind !== '-').length;
    out.push(`@@ -${first.a + 1},${oldCount} +${first.b + 1},${newCount} @@`);
    for (const op of slice) out.push(`${op.kind}${op.text}`);
  }
  return `${out.join('\n')}\n`;
}
