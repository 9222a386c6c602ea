/**
 * Removes the disguises a denial wears in a build log, one physical line at a time: colour
 * codes (raw and as the text `#033[…m` that syslog writes), JSON and Python escaping (once or
 * twice), carriage returns, console line numbers and the frames Terraform and sops draw.
 */
import { stripControl } from '../../text.js';
import type { LogWriter } from '../types.js';

/** One line of text after its disguises are removed. */
export interface CleanLine {
  text: string;
  /** 1-based line in the original source. */
  line: number;
  /**
   * The caller's writer for API text; for a log line, `aws` when it starts with the CodeBuild
   * agent's prefix. That is only a shape (a build can print it too): the parser also checks
   * what the line says before it calls a denial on it the agent's (see region.ts).
   */
  writer: LogWriter;
  /**
   * True when the break before this line is certainly real: an escaped `\n` or a carriage
   * return inside one physical line. Such a break is never read as a wrap.
   */
  hardBefore: boolean;
  /**
   * How many columns the physical line took on a terminal (control sequences take none): the
   * width a console copy cut it at, when it was cut.
   */
  width: number;
  /** The text before console prefixes were stripped: what a cut line's tail really starts with. */
  unprefixed: string;
  /**
   * Whether a line number or a frame was stripped: such a line starts a line of the original
   * output (a terminal cut's tail has neither). A row number (see {@link rowNumber}) counts
   * only when the row before is not the one numbered before it: a copy cut before it was
   * numbered numbers every row, the tails of cut lines too.
   */
  prefixed: boolean;
  /** The console's number on this row, when the rows around confirm it; else null. */
  rowNumber: RowNumber | null;
}

/**
 * The number a console copy printed before a row (`cat -n`, `nl -ba`, `N `, `N | `, `N: `),
 * believed because the next numbered row, or the one before, carries the next or the previous
 * number (see {@link stripRowNumbers}).
 */
export interface RowNumber {
  value: number;
  /** Columns the number and its separator took: the row's text starts after them. */
  columns: number;
}

// Colour codes written out as text: syslog's `#033[31m`, and the escaped forms a JSON or
// shell layer leaves behind. The raw ESC byte form is handled by stripControl.
const LITERAL_ANSI = /(?:#033|\\033|\\x1[bB]|\\u001[bB]|\\e|\^\[)\[[0-9;?]{0,32}[ -/]{0,4}[@-~]/g;

// JSON (`\"`, `\\`, `\n`, `\u0041`), Python (`\'`, `\x41`) escapes.
const ESCAPE = /\\(?:(["'\\/bfnrt])|u([0-9a-fA-F]{4})|x([0-9a-fA-F]{2}))/g;
const HAS_ESCAPE = /\\(?:["'\\/bfnrt]|u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2})/;
// A JSON log line holding a Python repr holding a JSON body is three layers deep.
const MAX_ESCAPE_LAYERS = 3;

// Console copies number their lines: `  12\t…` (cat -n, nl -ba), `12 | …`, `12: …`.
const LINE_NUMBER = /^ {0,8}\d{1,7}(?:\t| {0,2}[|│] ?|: )/;
// The same, and `12 …` (awk, editors), which is as often text: believed only when the rows
// around agree (see stripRowNumbers). A blank row may have lost its separator.
const ROW_NUMBER = /^ {0,8}(\d{1,7})(\t| {0,2}[|│] ?|:(?: |$)| |$)/;
// How many tails of a cut line may come between two numbered rows (`cat -n | fold`).
const MAX_TAIL_ROWS = 64;
// Terraform draws `│ ` before each line of an error block; sops writes `| `.
const FRAME = /^\s{0,16}(?:- )?[│┃|] ?/;
// Unicode line and paragraph separators would read as breaks; the parser uses U+2028 itself.
const UNICODE_BREAKS = /[\u2028\u2029\u0085]/g;
// The CodeBuild agent starts each of its lines with `[Container]` and a timestamp, with or
// without microseconds: `[Container] 2023/08/11 02:14:38.909041 `; a console copy may put its
// line number before that.
const CODEBUILD_AGENT =
  /^(?: {0,8}\d{1,7}(?:\t| {0,2}[|│] ?|: | ))?\s{0,4}\[Container\] \d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2}(?:\.\d{1,9})? /;

const UNESCAPES: Readonly<Record<string, string>> = {
  '"': '"',
  "'": "'",
  '\\': '\\',
  '/': '/',
  b: '',
  f: '',
  n: '\n',
  r: '\n',
  t: '\t',
};

function unescapeOnce(text: string): string {
  return text.replace(ESCAPE, (_all, simple: string | undefined, u4?: string, x2?: string) => {
    if (simple !== undefined) return UNESCAPES[simple] ?? '';
    const code = Number.parseInt(u4 ?? x2 ?? '0', 16);
    return String.fromCharCode(code);
  });
}

/** Undoes JSON and Python string escaping, layer after layer, up to three layers. */
export function unescapeLayers(text: string): string {
  let current = text;
  for (let layer = 0; layer < MAX_ESCAPE_LAYERS && HAS_ESCAPE.test(current); layer++) {
    current = unescapeOnce(current);
  }
  return current;
}

function stripPrefixes(text: string, first: boolean): string {
  const current = first ? text.replace(LINE_NUMBER, '') : text;
  return current.replace(FRAME, '');
}

// C0/C1 controls and bidi overrides: when none is present, stripControl has nothing to do.
// eslint-disable-next-line no-control-regex
const HAS_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

// Log shippers wrap each line in a record: Docker's json-file `{"log":…,"stream":…,"time":…}`,
// CloudWatch exports `{"timestamp":…,"message":…}`. Unwrapped only when every other field is
// shipper metadata: an application's own JSON (`{"msg":…,"error":"AccessDenied…"}`) is kept.
const BODY_FIELDS = ['log', 'message'] as const;
const SHIPPER_FIELDS = new Set([
  'log',
  'message',
  'stream',
  'time',
  'timestamp',
  '@timestamp',
  'ingestionTime',
  'eventId',
  'logStreamName',
  'logGroupName',
  'tag',
  'source',
  'container_id',
  'container_name',
  'attrs',
]);
const MAX_RECORD = 1 << 20;
const MAX_RECORD_LAYERS = 3;

function unwrapRecord(text: string): string | null {
  const trimmed = text.trim();
  if (trimmed.length > MAX_RECORD || !trimmed.startsWith('{') || !trimmed.endsWith('}')) {
    return null;
  }
  if (!trimmed.includes('"log"') && !trimmed.includes('"message"')) return null;
  let record: unknown;
  try {
    record = JSON.parse(trimmed);
  } catch {
    return null;
  }
  if (typeof record !== 'object' || record === null || Array.isArray(record)) return null;
  const fields = record as Record<string, unknown>;
  if (!Object.keys(fields).every((key) => SHIPPER_FIELDS.has(key))) return null;
  const body = BODY_FIELDS.map((key) => fields[key]).find((value) => typeof value === 'string');
  return typeof body === 'string' ? body.replace(/\r?\n$/, '') : null;
}

/** The line a shipper's JSON record (or a record of a record) carries, else the line itself. */
export function unwrapRecords(text: string): string {
  let current = text;
  for (let layer = 0; layer < MAX_RECORD_LAYERS; layer++) {
    const body = unwrapRecord(current);
    if (body === null) break;
    current = body;
  }
  return current;
}

/**
 * Cleans one physical line. It may come back as several lines when it held escaped newlines
 * (a Python bytes repr, a JSON string with `\n`); all of them keep the physical line number.
 * Most lines hold none of the disguises, so each step first checks that it has work to do.
 */
export function cleanLine(raw: string, line: number, writer?: LogWriter): CleanLine[] {
  let text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
  if (text.includes('{')) text = unwrapRecords(text);
  if (text.includes('[')) text = text.replace(LITERAL_ANSI, '');
  if (HAS_CONTROL.test(text)) text = stripControl(text.replace(/\r/g, '\n'));
  // Colour codes take no room on a terminal: this is the width a console copy cut at.
  const width = text.length;
  const shape = CODEBUILD_AGENT.test(text) ? 'aws' : 'build';
  if (text.includes('\\')) {
    text = unescapeLayers(text);
    if (HAS_CONTROL.test(text)) text = stripControl(text.replace(/\r/g, '\n'));
  }
  if (text.includes('\u2028') || text.includes('\u2029') || text.includes('\u0085')) {
    text = text.replace(UNICODE_BREAKS, ' ');
  }

  return text.split('\n').map((part, index) => {
    const stripped = stripPrefixes(part, index === 0);
    return {
      text: stripped,
      line,
      // What follows an escaped newline or a carriage return is the line's content, not the
      // agent's prefix, whatever it looks like.
      writer: writer ?? (index === 0 ? shape : 'build'),
      hardBefore: index > 0,
      width,
      unprefixed: part,
      prefixed: stripped !== part,
      rowNumber: null,
    };
  });
}

/** A row's console number, how it was separated from the text, and the columns both took. */
interface NumberedRow {
  value: number;
  separator: 'tab' | 'pipe' | 'colon' | 'space' | 'none';
  columns: number;
  /** Where the digits start and end: a console aligns its numbers on one or the other. */
  indent: number;
  digitsEnd: number;
}

function styleOf(separator: string): NumberedRow['separator'] {
  if (separator === '') return 'none';
  if (separator === '\t') return 'tab';
  if (separator.startsWith(':')) return 'colon';
  return /[|│]/.test(separator) ? 'pipe' : 'space';
}

/**
 * The ways a row's start reads as a console number: none, one, or two when awk's `N ` comes
 * before text that starts with a pipe (`12 |a|b`), which also reads as `N | `.
 */
function readingsOf(line: CleanLine): NumberedRow[] {
  // Text after an escaped newline or a CR is inside a row, never at its start.
  if (line.hardBefore) return [];
  const match = ROW_NUMBER.exec(line.unprefixed);
  if (match === null) return [];
  const digits = match[1] ?? '';
  const separator = match[2] ?? '';
  const digitsEnd = match[0].length - separator.length;
  const reading: NumberedRow = {
    value: Number(digits),
    separator: styleOf(separator),
    columns: match[0].length,
    indent: digitsEnd - digits.length,
    digitsEnd,
  };
  if (reading.separator !== 'pipe' || !separator.startsWith(' ')) return [reading];
  return [reading, { ...reading, separator: 'space', columns: digitsEnd + 1 }];
}

/**
 * Whether two rows are numbered in one style (a blank row may have lost its separator), aligned
 * the same way. A cut's tail that happens to start with the next number (`2 because …` after
 * `   1 | …`) is seldom aligned with the number of the row it was cut from.
 */
function sameStyle(one: NumberedRow, other: NumberedRow): boolean {
  if (one.indent !== other.indent && one.digitsEnd !== other.digitsEnd) return false;
  // Two bare numbers are just numbers (`seq`): one of them must show the style.
  if (one.separator === 'none' || other.separator === 'none') {
    return one.separator !== other.separator;
  }
  return one.separator === other.separator;
}

/** The readings of two rows that number them one after the other, if any do. */
function numberedInTurn(
  before: NumberedRow[],
  after: NumberedRow[],
): [NumberedRow, NumberedRow] | undefined {
  for (const one of before) {
    const next = after.find((other) => other.value === one.value + 1 && sameStyle(one, other));
    if (next !== undefined) return [one, next];
  }
  return undefined;
}

/**
 * Strips the console's number from each row of a numbered copy. One number alone may be text
 * (`12: …`, `5 passing`); rows numbered one after another are a copy's numbering, and their
 * numbers are never text. The next number may be a few rows down, when a terminal cut the
 * numbered copy (`cat -n | fold`): the rows between are the tails of a cut line, with no number.
 * When the copy was cut before it was numbered (`fold | nl -ba`), every row carries a number,
 * the tails too: such a row keeps only the text after its number, so that the rows can be glued
 * back together, and layout.ts measures it from there, where the cut was made.
 */
export function stripRowNumbers(lines: CleanLine[]): CleanLine[] {
  const readings = lines.map(readingsOf);
  // The lines that start a row: the parts an escaped newline split off are inside one.
  const rows = lines.flatMap((line, at) => (line.hardBefore ? [] : [at]));
  const numbers = new Map<number, NumberedRow>();
  // Rows right after the row numbered one less: each may be the tail of a cut in that row.
  const inTurn = new Set<number>();
  rows.forEach((at, index) => {
    const known = numbers.get(at);
    const own = known === undefined ? (readings[at] ?? []) : [known];
    const width = (lines[at] as CleanLine).width;
    const last = Math.min(rows.length - 1, index + 1 + MAX_TAIL_ROWS);
    let lastTail = false;
    for (let next = index + 1; own.length > 0 && next <= last; next++) {
      const row = rows[next] as number;
      const pair = numberedInTurn(own, readings[row] ?? []);
      if (pair !== undefined) {
        numbers.set(at, pair[0]);
        numbers.set(row, pair[1]);
        if (next === index + 1) inTurn.add(row);
        break;
      }
      // Rows between two numbers must be the tails of a line a terminal cut: as wide as its
      // first row, but the last, which is no wider. Text that merely starts with numbers
      // seldom lies out like that.
      const rowWidth = (lines[row] as CleanLine).width;
      if (lastTail || rowWidth > width) break;
      lastTail = rowWidth < width;
    }
  });

  return lines.map((line, at) => {
    const number = numbers.get(at);
    if (number === undefined) return line;
    const unprefixed = line.unprefixed.slice(number.columns);
    const text = unprefixed.replace(FRAME, '');
    return {
      ...line,
      text,
      unprefixed,
      // Only a row right after the one numbered before it can be a cut's tail.
      prefixed: text !== unprefixed || !inTurn.has(at),
      rowNumber: { value: number.value, columns: number.columns },
    };
  });
}
