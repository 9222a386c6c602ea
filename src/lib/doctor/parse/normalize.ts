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
  writer: LogWriter;
  /**
   * True when the break before this line is certainly real: an escaped `\n` or a carriage
   * return inside one physical line. Such a break is never read as a wrap.
   */
  hardBefore: boolean;
}

// Colour codes written out as text: syslog's `#033[31m`, and the escaped forms a JSON or
// shell layer leaves behind. The raw ESC byte form is handled by stripControl.
const LITERAL_ANSI = /(?:#033|\\033|\\x1[bB]|\\u001[bB]|\\e|\^\[)\[[0-9;?]{0,32}[ -/]{0,4}[@-~]/g;

// JSON (`\"`, `\\`, `\n`, `\u0041`), Python (`\'`, `\x41`) escapes.
const ESCAPE = /\\(?:(["'\\/bfnrt])|u([0-9a-fA-F]{4})|x([0-9a-fA-F]{2}))/g;
const HAS_ESCAPE = /\\(?:["'\\/bfnrt]|u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2})/;
// A JSON log line holding a Python repr holding a JSON body is three layers deep.
const MAX_ESCAPE_LAYERS = 3;

// Console copies number their lines: `  12\t…` (cat -n), `12 | …`, `12: …`, `12  …`.
const LINE_NUMBER = /^ {0,8}\d{1,7}(?:\t| {0,2}[|│:] ?| {2,})/;
// Terraform draws `│ ` before each line of an error block; sops writes `| `.
const FRAME = /^\s{0,16}(?:- )?[│┃|] ?/;
// Unicode line and paragraph separators would read as breaks; the parser uses U+2028 itself.
const UNICODE_BREAKS = /[\u2028\u2029\u0085]/g;
const CODEBUILD_AGENT = /^\s{0,4}\[Container\] /;

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
  let current = first ? text.replace(LINE_NUMBER, '') : text;
  current = current.replace(FRAME, '');
  return current;
}

// C0/C1 controls and bidi overrides: when none is present, stripControl has nothing to do.
// eslint-disable-next-line no-control-regex
const HAS_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

/**
 * Cleans one physical line. It may come back as several lines when it held escaped newlines
 * (a Python bytes repr, a JSON string with `\n`); all of them keep the physical line number.
 * Most lines hold none of the disguises, so each step first checks that it has work to do.
 */
export function cleanLine(raw: string, line: number, writer?: LogWriter): CleanLine[] {
  let text = raw.includes('[') ? raw.replace(LITERAL_ANSI, '') : raw;
  const agent = writer ?? (text.includes('[Container] ') && isAgentLine(text) ? 'aws' : 'build');
  if (text.includes('\r')) text = text.replace(/\r$/, '').replace(/\r/g, '\n');
  if (text.includes('\\')) text = unescapeLayers(text);
  if (HAS_CONTROL.test(text)) text = stripControl(text);
  if (text.includes('\u2028') || text.includes('\u2029') || text.includes('\u0085')) {
    text = text.replace(UNICODE_BREAKS, ' ');
  }

  return text.split('\n').map((part, index) => ({
    text: stripPrefixes(part, index === 0),
    line,
    writer: agent,
    hardBefore: index > 0,
  }));
}

function isAgentLine(text: string): boolean {
  return CODEBUILD_AGENT.test(stripControl(text));
}
