/**
 * Puts wrapped text back together. Logs wrap denials in three ways: a terminal or console copy
 * cuts every long line at a fixed width (mid-word, nothing lost); a tool word-wraps (the space
 * at the break is lost); and a table such as SAM's events table wraps one narrow column, so
 * the message sits in a column slice of many rows. This module rebuilds table columns, then
 * joins lines: with nothing where a fixed-width cut is certain, with a soft break (U+2028,
 * which the grammars read as whitespace) where the break may be a wrap, and with a newline
 * where it is a real one. A line that opens a denial sentence after one that holds a whole one
 * is always a real line: otherwise the first line's wrapper would lend it its operation.
 */
import type { LogWriter } from '../types.js';
import type { CleanLine } from './normalize.js';

/** A soft break: whitespace to the grammars, but not the end of a message. */
export const SOFT_BREAK = '\u2028';

/** A region's text with every denial-relevant wrap undone, and where each part came from. */
export interface LogicalText {
  text: string;
  /**
   * Breaks after a line of the widest width left unglued because the next line reads like a
   * line of its own: the line may have been cut there, or just be long. Each is the index of
   * the piece after the break; {@link LayoutOptions.glue} gives the other reading.
   */
  doubtful: number[];
  /** Where each piece starts in `text`, in order. */
  starts: number[];
  lines: number[];
  writers: LogWriter[];
}

/** A clean line, or part of one, with what table and cut detection learned of it. */
interface Piece extends CleanLine {
  /** Width to test for a fixed-width cut, when the piece is a table column slice. */
  columnWidth?: number;
  /** Length of the column part of the piece (its text minus the other columns). */
  columnLength?: number;
  /** Which rebuilt table cell the piece belongs to. */
  cell?: number;
}

// A fixed-width cut is only believed for lines at least this wide.
const MIN_WRAP_WIDTH = 12;
// Table continuation rows start this deep (SAM's status-reason column starts past 70).
const MIN_COLUMN_START = 16;

// Lines that start a new log entry: never the tail of a word-wrapped message, and doubtful as
// the tail of a cut one. A rule or a marker (`===`, `--- FAIL`, `===>`) ends its run of `=` or
// `-` with a space, a `>` or the line: `---a` is the tail of a name cut before its dashes.
const NEW_ENTRY = new RegExp(
  [
    String.raw`^(?:\[|\{|\}|\$ |\+ |# |> |(?:={3,}|-{3,})(?=[\s>]|$)`,
    String.raw`|\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}:\d{2}:\d{2}|[A-Z][a-z]{2} [ \d]\d `,
    String.raw`|Traceback |File "|Caused by|An error occurred \(|A client error \(`,
    String.raw`|(?:Error|ERROR|Warning|WARNING|WARN|INFO|DEBUG|FATAL|fatal|error|warning)\b`,
    String.raw`|[A-Z][A-Z0-9_]{3,}(?=[\s:|]))`,
  ].join(''),
);

// A line whose first word is followed by the rest of a denial sentence (`etObject on
// resource: …`, `A (Service: Iam; …`): the tail of a line cut inside that word.
const CONTINUES_DENIAL =
  /^\S{1,200}?\s{0,4}(?:on\s+resource|because\s+no|with\s+an?\s+explicit|is\s+not\s+authori|\.?\s*Encoded\s+authori|\(Service:|status\s+code:|\(RequestToken:)/;

// A line that reads like the start of a sentence (`Step 5/12 : …`, `Roles may not …`) or of a
// tool's message (`denied: …`, `toomanyrequests: …`): after a line of the widest width it is
// as likely a new line as the tail of a cut one.
const LINE_START = /^(?:[A-Z][a-z]{1,20} [a-z0-9]|[a-z][\w.-]{1,30}: )/;

// The denial sentences that name their action: IAM's `is not authorized to perform: s3:X`,
// Lambda's legacy `doesn't have permission to call lambda:X`, STS's `Not authorized to perform
// sts:X`. Spaces are optional: a cut glued back together can leave `authorizedto`.
const IAM_SENTENCE = String.raw`is\s{0,8}not\s{0,8}authori[sz]ed\s{0,8}to\s{0,8}perform`;
const PERMISSION_SENTENCE = String.raw`(?:does\s{0,4}not|doesn'?t)\s{0,4}have\s{0,4}(?:the\s{0,4})?(?:required\s{0,4})?permissions?\s{0,4}to\s{0,4}(?:call|perform|invoke)?`;
const STS_SENTENCE = String.raw`Not\s{0,4}authori[sz]ed\s{0,4}to\s{0,4}perform`;
const NAMED_ACTION = String.raw`\s{0,4}:?\s{0,8}[A-Za-z0-9][A-Za-z0-9-]{0,63}:[A-Za-z0-9*]`;
const HOLDS_DENIAL = new RegExp(
  String.raw`(?:${IAM_SENTENCE}|${PERMISSION_SENTENCE}|${STS_SENTENCE})${NAMED_ACTION}`,
);
// What a tool or logger prints before a message: `[Container]`, a date or a time, a level, a
// label such as `Error:`, `denied:` or `AccessDeniedException:`.
const LABEL = String.raw`(?:\[[^\]\s]{1,40}\]|\d[\d/:.,TZ+-]{3,40}|[A-Z]{4,7}|[A-Za-z][\w.$-]{0,80}:)`;
// A line that opens a denial sentence of its own, principal first (`User: P is not authorized
// to perform: A`, or `P is not …` with an ARN for P), after at most a few labels. The ARN form
// is captured: it is also the tail of a line cut right after `User:`.
const OPENS_DENIAL = new RegExp(
  String.raw`^\s{0,16}(?:${LABEL}\s{1,4}){0,4}(?:(?:User:\s{0,4}\S{1,512}|(arn:)[\w-]{1,32}:\S{1,500})\s{0,8}(?:${IAM_SENTENCE}|${PERMISSION_SENTENCE})|${STS_SENTENCE})${NAMED_ACTION}`,
);
// What such a line starts with: checked first, on the row alone, as most rows fail it.
const OPENS_SENTENCE = new RegExp(
  String.raw`^\s{0,16}(?:${LABEL}\s{1,4}){0,4}(?:User:|arn:[\w-]{1,32}:|Not\s{0,4}authori)`,
);
// Enough text after a line's start to hold labels, a principal and the sentence's first words.
const OPENING_REACH = 1200;
// Enough to hold the labels and the sentence's first word.
const LABELS_REACH = 400;
// Rows a tool's word wrap can spread those first words over.
const WRAPPED_ROWS = 3;
// How far back a line's text is searched for the sentence it already holds.
const HOLDING_REACH = 4096;

/** Where the last column of a continuation row starts, or -1 when the row is not one. */
function columnStart(text: string): number {
  if (!text.startsWith('    ') || text.includes('\t')) return -1;
  const trimmed = text.trimEnd();
  const lastGap = trimmed.lastIndexOf('  ');
  if (lastGap === -1) return -1;
  let start = lastGap;
  while (trimmed[start] === ' ') start++;
  return start >= MIN_COLUMN_START && start < trimmed.length ? start : -1;
}

function isColumnBoundary(head: string, column: number): boolean {
  return (
    head.length > column &&
    head[column - 1] === ' ' &&
    head[column - 2] === ' ' &&
    head[column] !== ' ' &&
    !head.startsWith(' ')
  );
}

/**
 * Rebuilds a wrapped last column of a fixed-width table: the row's head line holds the start
 * of the cell, the continuation rows hold the rest at the same offset.
 */
function rebuildColumns(lines: CleanLine[]): Piece[] {
  const pieces: Piece[] = [];
  let index = 0;
  let cellCount = 0;
  while (index < lines.length) {
    const head = lines[index] as CleanLine;
    const next = lines[index + 1];
    const column = next !== undefined && !next.hardBefore ? columnStart(next.text) : -1;
    if (column === -1 || !isColumnBoundary(head.text, column)) {
      pieces.push({ ...head });
      index++;
      continue;
    }

    const cells: CleanLine[] = [head];
    let cursor = index + 1;
    for (; cursor < lines.length; cursor++) {
      const row = lines[cursor] as CleanLine;
      if (row.hardBefore || columnStart(row.text) !== column) break;
      cells.push(row);
    }
    const slices = cells.map((cell) => cell.text.slice(column).trimEnd());
    const width = Math.max(...slices.map((slice) => slice.length));
    cellCount++;
    cells.forEach((cell, at) => {
      const slice = slices[at] ?? '';
      pieces.push({
        text: at === 0 ? head.text.slice(0, column) + slice : slice,
        line: cell.line,
        writer: cell.writer,
        hardBefore: at === 0 ? head.hardBefore : false,
        width: cell.width,
        unprefixed: at === 0 ? head.text.slice(0, column) + slice : slice,
        prefixed: at === 0 ? head.prefixed : false,
        rowNumber: cell.rowNumber,
        columnWidth: width,
        columnLength: slice.length,
        cell: cellCount,
      });
    });
    index = cursor;
  }
  return pieces;
}

type Join = '' | typeof SOFT_BREAK | '\n';

/** The width a console copy cut the region's lines at, and whether more than one line says so. */
interface WrapWidth {
  width: number;
  confirmed: boolean;
}

interface Decision {
  join: Join;
  /** The break may also be a fixed-width cut: glued in the other reading. */
  doubtful: boolean;
}

const certain = (join: Join): Decision => ({ join, doubtful: false });

/**
 * The width to test `before` against for a cut with `after` as its tail. A copy cut at a fixed
 * width and then numbered numbers every row, so the cut was made in the text after the number;
 * a copy numbered and then cut has no number on a cut's tail, and was cut where the row ends.
 */
function cutWidth(before: Piece, after: Piece | undefined): number {
  const number = before.rowNumber;
  if (number === null || after?.rowNumber?.value !== number.value + 1) return before.width;
  return before.width - number.columns;
}

function joinBetween(before: Piece, after: Piece, wrap: WrapWidth): Decision {
  if (after.hardBefore) return certain('\n');
  if (before.text.trim() === '' || after.text.trim() === '') return certain('\n');
  const inColumn = before.cell !== undefined && before.cell === after.cell;
  // A table row next to ordinary text, or a new row: a real break.
  if (!inColumn && (before.cell !== undefined || after.cell !== undefined)) return certain('\n');

  const newEntry = !inColumn && NEW_ENTRY.test(after.text);
  if (inColumn) {
    const width = before.columnWidth ?? 0;
    if (width >= MIN_WRAP_WIDTH && before.columnLength === width) return certain('');
  } else if (
    wrap.width >= MIN_WRAP_WIDTH &&
    cutWidth(before, after) === wrap.width &&
    !after.prefixed
  ) {
    // A cut that fell on a space: gluing restores the text exactly.
    if (/^\s/.test(after.unprefixed)) return certain('');
    // A lone fragment, or one that goes on with a denial sentence, is a cut's tail; so is any
    // line when other lines confirm the width, unless it reads like a line of its own.
    const fragment = !/\s/.test(after.text.trim()) || CONTINUES_DENIAL.test(after.text);
    if (!newEntry && (fragment || (wrap.confirmed && !LINE_START.test(after.text)))) {
      return certain('');
    }
    return { join: newEntry ? '\n' : SOFT_BREAK, doubtful: true };
  }
  if (newEntry) return certain('\n');
  // Python's textwrap (SAM) breaks after a hyphen inside a word and drops nothing.
  if (/[A-Za-z0-9]-$/.test(before.text) && /^[A-Za-z0-9]/.test(after.text)) return certain('');
  return certain(SOFT_BREAK);
}

/**
 * The widest line that continues onto a next one: a console copy never exceeds its width, and
 * a line it cut there continues on the next. Confirmed when two or more lines have it.
 */
function wrapWidthOf(pieces: Piece[]): WrapWidth {
  let width = 0;
  let lines = 0;
  for (let at = 0; at + 1 < pieces.length; at++) {
    const piece = pieces[at] as Piece;
    const next = pieces[at + 1] as Piece;
    if (piece.cell !== undefined || next.hardBefore || next.text.trim() === '') continue;
    const pieceWidth = cutWidth(piece, next);
    if (pieceWidth > width) {
      width = pieceWidth;
      lines = 0;
    }
    if (pieceWidth === width) lines++;
  }
  return { width, confirmed: lines >= 2 };
}

/**
 * The text from piece `at` on, over at most `rows` rows: the line may itself have been cut or
 * wrapped, so what it opens can run on over the next rows.
 */
function textFrom(pieces: Piece[], at: number, length: number, rows: number): string {
  let text = (pieces[at] as Piece).text;
  const last = Math.min(pieces.length, at + rows);
  for (let next = at + 1; text.length < length && next < last; next++) {
    const piece = pieces[next] as Piece;
    if (piece.hardBefore || piece.cell !== undefined || piece.text.trim() === '') break;
    text += piece.text;
  }
  return text;
}

/** The last `length` or so characters of the line being laid out: its parts from `from` on. */
function lineTail(parts: string[], from: number, length: number): string {
  let tail = '';
  for (let at = parts.length - 1; at >= from && tail.length < length; at--) {
    tail = (parts[at] as string) + tail;
  }
  return tail;
}

/**
 * Whether piece `at` opens a denial sentence of its own while the line before it (`held`, its
 * text since the last real break) already holds one: then it starts a new line, whatever its
 * width says. A wrap inside one message cannot do that: AWS prints one sentence per message
 * (EC2's `You are not authorized to perform this operation.` names no action, so it is not
 * one), so a cut can leave a whole sentence on both sides only between two messages.
 */
function opensAnotherDenial(
  pieces: Piece[],
  at: number,
  wrap: WrapWidth,
  held: () => string,
): boolean {
  const row = pieces[at] as Piece;
  if ((pieces[at - 1] as Piece).cell !== undefined || row.cell !== undefined) return false;
  // A row a terminal cut runs on over any number of rows, at any column; a row a tool
  // word-wrapped holds its first words and runs on over a few.
  const cut = cutWidth(row, pieces[at + 1]) >= wrap.width;
  const rows = cut ? pieces.length : WRAPPED_ROWS;
  if (!OPENS_SENTENCE.test(cut ? textFrom(pieces, at, LABELS_REACH, rows) : row.text)) {
    return false;
  }
  const opening = OPENS_DENIAL.exec(textFrom(pieces, at, OPENING_REACH, rows));
  if (opening === null) return false;
  const before = held();
  // A row that starts with an ARN after one that ends with `User:` is that sentence's principal.
  if (opening[1] !== undefined && /User:\s*$/.test(before)) return false;
  return HOLDS_DENIAL.test(before);
}

/** How {@link layoutLines} reads doubtful breaks. */
export interface LayoutOptions {
  /** Doubtful breaks (from {@link LogicalText.doubtful}) to read as cuts and glue. */
  glue?: ReadonlySet<number>;
}

/**
 * Joins a region's clean lines into one text: glued where a console copy cut them at a fixed
 * width, with a soft break where a tool may have word-wrapped them, with a newline where a new
 * entry starts (a timestamp, `[Container]`, a level), where a line opens a denial of its own
 * after one that holds one, or where a break is certain.
 */
export function layoutLines(lines: CleanLine[], options: LayoutOptions = {}): LogicalText {
  const pieces = rebuildColumns(lines);
  const wrap = wrapWidthOf(pieces);

  const parts: string[] = [];
  const starts: number[] = [];
  const lineNumbers: number[] = [];
  const writers: LogWriter[] = [];
  const doubtful: number[] = [];
  let offset = 0;
  // Where the line being laid out starts in `parts`: after the last real break.
  let lineFrom = 0;
  const held = (): string => lineTail(parts, lineFrom, HOLDING_REACH);
  pieces.forEach((piece, at) => {
    let text = piece.text;
    if (at > 0) {
      let decision = joinBetween(pieces[at - 1] as Piece, piece, wrap);
      const mayJoin = decision.join !== '\n' || decision.doubtful;
      if (mayJoin && opensAnotherDenial(pieces, at, wrap, held)) decision = certain('\n');
      if (decision.doubtful) doubtful.push(at);
      const join = decision.doubtful && options.glue?.has(at) === true ? '' : decision.join;
      // The tail of a cut line starts mid-text: what looked like a console prefix is content.
      if (join === '' && piece.cell === undefined) text = piece.unprefixed;
      parts.push(join);
      offset += join.length;
      if (join === '\n') lineFrom = parts.length;
    }
    starts.push(offset);
    lineNumbers.push(piece.line);
    writers.push(piece.writer);
    parts.push(text);
    offset += text.length;
  });
  return { text: parts.join(''), doubtful, starts, lines: lineNumbers, writers };
}

/** The index of the piece holding `offset` in a laid-out text. */
export function pieceAt(layout: LogicalText, offset: number): number {
  let low = 0;
  let high = layout.starts.length - 1;
  while (low < high) {
    const middle = (low + high + 1) >> 1;
    if ((layout.starts[middle] ?? 0) <= offset) low = middle;
    else high = middle - 1;
  }
  return low;
}
