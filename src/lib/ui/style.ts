/**
 * Colours for people, none for machines: off under `NO_COLOR`, with `TERM=dumb` and whenever
 * the stream is not a terminal (CI logs, pipes, files).
 */

/** Whether to colour what is written to `stream`. */
export function colorEnabled(stream: { isTTY?: boolean }): boolean {
  if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '') return false;
  if (process.env.TERM === 'dumb') return false;
  return stream.isTTY === true;
}

const CODES = {
  bold: [1, 22],
  dim: [2, 22],
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  cyan: [36, 39],
} as const;

/** A set of colour functions that do nothing when colour is off. */
export type Style = Record<keyof typeof CODES, (text: string) => string>;

/** Builds the colour functions for one output. */
export function makeStyle(color: boolean): Style {
  const entries = Object.entries(CODES).map(([name, [open, close]]) => [
    name,
    color ? (text: string) => `\u001b[${open}m${text}\u001b[${close}m` : (text: string) => text,
  ]);
  return Object.fromEntries(entries) as Style;
}
