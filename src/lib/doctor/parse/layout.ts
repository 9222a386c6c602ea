/**
 * Puts wrapped text back together. Logs wrap denials in three ways: a terminal or console copy
 * cuts every long line at a fixed width (mid-word, nothing lost); a tool word-wraps (the space
 * at the break is lost); and a table such as SAM's events table wraps one narrow column, so
 * the message sits in a column slice of many rows. This module rebuilds table columns, then
 * joins lines: with nothing where a fixed-width cut is certain, with a soft break (U+2028,
 * which the grammars read as whitespace) where the break may be a wrap, and with a newline
 * where it is a real one.
 */
import type { LogWriter } from '../types.js';
import type { CleanLine } from './normalize.js';

/** A soft break: whitespace to the grammars, but not the end of a message. */
export const SOFT_BREAK = '\u2028';

/** A region's text with every denial-relevant wrap undone, and where each part came from. */
export interface LogicalText {
  text: string;
  /** Where each piece starts in `text`, in order. */
  starts: number[];
  lines: number[];
  writers: LogWriter[];
}

interface Piece {
  text: string;
  line: number;
  writer: LogWriter;
  hardBefore: boolean;
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

// Lines that start a new log entry are never the tail of a wrapped message.
const NEW_ENTRY = new RegExp(
  [
    String.raw`^(?:\[|\{|\}|\$ |\+ |# |> |={3}|-{3}`,
    String.raw`|\d{1,4}[-/:.]\d|[A-Z][a-z]{2} [ \d]\d `,
    String.raw`|Traceback |File "|Caused by|An error occurred \(|A client error \(`,
    String.raw`|(?:Error|ERROR|Warning|WARNING|WARN|INFO|DEBUG|FATAL|fatal|error|warning)\b`,
    String.raw`|[A-Z][A-Z0-9_]{3,}(?=[\s:|]))`,
  ].join(''),
);

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

function joinBetween(before: Piece, after: Piece, width: number): Join {
  if (after.hardBefore) return '\n';
  if (before.text.trim() === '' || after.text.trim() === '') return '\n';
  const inColumn = before.cell !== undefined && before.cell === after.cell;
  // A table row next to ordinary text, or a new row: a real break.
  if (!inColumn && (before.cell !== undefined || after.cell !== undefined)) {
    return '\n';
  }
  if (!inColumn && NEW_ENTRY.test(after.text)) return '\n';

  const length = inColumn ? (before.columnLength ?? 0) : before.text.length;
  const limit = inColumn ? (before.columnWidth ?? 0) : width;
  if (limit >= MIN_WRAP_WIDTH && length === limit) return '';
  // Python's textwrap (SAM) breaks after a hyphen inside a word and drops nothing.
  if (/[A-Za-z0-9]-$/.test(before.text) && /^[A-Za-z0-9]/.test(after.text)) return '';
  return SOFT_BREAK;
}

/**
 * Joins a region's clean lines into one text. The fixed-width cut is detected as the widest
 * line that continues onto a next one: a console copy never exceeds its width, and a line cut
 * there continues on the next. Lines that start a new entry (a timestamp, `[Container]`, a
 * level) are never glued.
 */
export function layoutLines(lines: CleanLine[]): LogicalText {
  const pieces = rebuildColumns(lines);
  let width = 0;
  for (let at = 0; at + 1 < pieces.length; at++) {
    const piece = pieces[at] as Piece;
    const next = pieces[at + 1] as Piece;
    if (piece.cell === undefined && !next.hardBefore && next.text.trim() !== '') {
      width = Math.max(width, piece.text.length);
    }
  }

  const parts: string[] = [];
  const starts: number[] = [];
  const lineNumbers: number[] = [];
  const writers: LogWriter[] = [];
  let offset = 0;
  pieces.forEach((piece, at) => {
    if (at > 0) {
      const join = joinBetween(pieces[at - 1] as Piece, piece, width);
      parts.push(join);
      offset += join.length;
    }
    starts.push(offset);
    lineNumbers.push(piece.line);
    writers.push(piece.writer);
    parts.push(piece.text);
    offset += piece.text.length;
  });
  return { text: parts.join(''), starts, lines: lineNumbers, writers };
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
