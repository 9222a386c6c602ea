/**
 * Streams a build log of any size through the denial grammars with flat memory. Raw buffers
 * are searched for a few trigger fragments with `Buffer.indexOf` (native, fast when the
 * fragment starts with a rare byte); only a window of text around each hit is decoded and
 * parsed. Windows that touch are merged into one region so no occurrence is read twice.
 */
import { TextDecoder } from 'node:util';

import type { ParsedDenial } from '../types.js';
import { DenialAggregator } from './aggregate.js';
import { parseRegion } from './region.js';
import { SEAM_BYTES, findTriggers } from './triggers.js';

/** Options for {@link scanDenials}. */
export interface ScanOptions {
  /** The log's path as given (`-` for standard input); it is copied into each denial's source. */
  file: string;
  /** Lines longer than this are noted and parsed only around trigger words. Default 1 MiB. */
  maxLineBytes?: number;
}

/** What {@link scanDenials} found. */
export interface ScanResult {
  /** Distinct denials in order of first appearance, each with its count. */
  denials: ParsedDenial[];
  bytes: number;
  lines: number;
  /** What was unusual about the input and how it was handled (binary data, a long line, …). */
  notes: string[];
}

const DEFAULT_MAX_LINE_BYTES = 1 << 20;
// Text kept on each side of a hit: enough for a message hard-wrapped at a narrow width, a
// table row, or the `status code:` line Go SDK v1 prints after the message.
const CONTEXT_BYTES = 4096;
// How far a window edge moves to reach a line boundary before it cuts the line.
const SNAP_BYTES = 16384;
// A region (merged windows) is parsed once it reaches this size, so memory stays flat when a
// log is full of trigger words.
const MAX_REGION_BYTES = 256 * 1024;
const NEWLINE = 0x0a;
const REPLACEMENT = '\uFFFD';
const UTF8_REPLACEMENT = Buffer.from(REPLACEMENT, 'utf8');

interface Stored {
  buffer: Buffer;
  /** Absolute offset of the buffer's first byte. */
  start: number;
  /** Newlines in the stream before the buffer. */
  newlinesBefore: number;
}

interface Region {
  start: number;
  end: number;
}

function countNewlines(buffer: Buffer, from = 0, to = buffer.length): number {
  let count = 0;
  let at = buffer.indexOf(NEWLINE, from);
  while (at !== -1 && at < to) {
    count++;
    at = buffer.indexOf(NEWLINE, at + 1);
  }
  return count;
}

/** The streaming state behind {@link scanDenials}. */
class LogScanner {
  private readonly aggregator: DenialAggregator;
  private readonly maxLineBytes: number;
  private stored: Stored[] = [];
  private regions: Region[] = [];
  private parsedTo = 0;
  private bytes = 0;
  private newlines = 0;
  private lineLength = 0;
  private lastByte = -1;
  private utf16: TextDecoder | null = null;
  private firstChunk = true;
  /** The last bytes of the stream, for a trigger cut between two chunks. */
  private tail = Buffer.alloc(0);
  private readonly notes = new Map<string, string>();

  constructor(private readonly options: ScanOptions) {
    this.aggregator = new DenialAggregator(options.file);
    this.maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  }

  push(input: Buffer): void {
    if (input.length === 0) return;
    this.bytes += input.length;
    let chunk = input;
    if (this.firstChunk) {
      this.firstChunk = false;
      this.detectEncoding(chunk);
    }
    if (this.utf16 !== null) {
      chunk = Buffer.from(this.utf16.decode(chunk, { stream: true }), 'utf8');
      if (chunk.length === 0) return;
    }
    this.consume(chunk);
  }

  finish(): ScanResult {
    if (this.utf16 !== null) {
      const rest = Buffer.from(this.utf16.decode(), 'utf8');
      if (rest.length > 0) this.consume(rest);
    }
    this.flush(true);
    if (this.bytes === 0) this.note('empty', 'The log is empty: there was nothing to scan.');
    if (this.aggregator.unlisted > 0) {
      this.note(
        'unlisted',
        `More than ${this.aggregator.denials.length} distinct denials: ${this.aggregator.unlisted} more occurrences were counted but not listed.`,
      );
    }
    const lines = this.newlines + (this.lastByte !== -1 && this.lastByte !== NEWLINE ? 1 : 0);
    return {
      denials: this.aggregator.denials,
      bytes: this.bytes,
      lines,
      notes: [...this.notes.values()],
    };
  }

  private detectEncoding(chunk: Buffer): void {
    // PowerShell and some Windows tools write UTF-16 with a byte-order mark.
    const bom = chunk.length >= 2 ? (chunk[0] ?? 0) * 256 + (chunk[1] ?? 0) : 0;
    if (bom === 0xfffe || bom === 0xfeff) {
      this.utf16 = new TextDecoder(bom === 0xfffe ? 'utf-16le' : 'utf-16be');
      this.note(
        'utf16',
        'The log is UTF-16 (it starts with a byte-order mark); it was read as such.',
      );
    }
  }

  private end(): number {
    const last = this.stored[this.stored.length - 1];
    return last === undefined ? 0 : last.start + last.buffer.length;
  }

  private consume(chunk: Buffer): void {
    const start = this.end();
    this.checkContent(chunk, start);
    this.stored.push({ buffer: chunk, start, newlinesBefore: this.newlines });
    this.newlines += this.countLines(chunk);
    this.lastByte = chunk[chunk.length - 1] ?? -1;

    for (const hit of findTriggers(chunk, this.tail)) this.addWindow(start + hit);
    this.tail =
      chunk.length >= SEAM_BYTES
        ? Buffer.from(chunk.subarray(chunk.length - SEAM_BYTES))
        : Buffer.concat([this.tail, chunk]).subarray(-SEAM_BYTES);
    this.flush(false);
  }

  /** Counts newlines and notes lines longer than `maxLineBytes`. */
  private countLines(chunk: Buffer): number {
    let count = 0;
    let lineStart = -this.lineLength;
    let at = chunk.indexOf(NEWLINE);
    while (at !== -1) {
      if (at - lineStart > this.maxLineBytes) this.noteLongLine(this.newlines + count + 1);
      count++;
      lineStart = at + 1;
      at = chunk.indexOf(NEWLINE, lineStart);
    }
    this.lineLength = chunk.length - lineStart;
    if (this.lineLength > this.maxLineBytes) this.noteLongLine(this.newlines + count + 1);
    return count;
  }

  private noteLongLine(line: number): void {
    this.note(
      'long-line',
      `Line ${line} is longer than ${this.maxLineBytes} bytes; it was read in pieces and parsed only around words that may start a denial.`,
    );
  }

  private checkContent(chunk: Buffer, start: number): void {
    if (!this.notes.has('binary') && chunk.indexOf(0) !== -1) {
      this.note(
        'binary',
        `The log holds binary data (NUL bytes from byte ${start + chunk.indexOf(0)}); it was scanned as text and the binary parts ignored.`,
      );
    }
  }

  private note(key: string, text: string): void {
    if (!this.notes.has(key)) this.notes.set(key, text);
  }

  private addWindow(hit: number): void {
    const start = Math.max(0, hit - CONTEXT_BYTES);
    const end = hit + CONTEXT_BYTES;
    const last = this.regions[this.regions.length - 1];
    if (last !== undefined && start <= last.end && end - last.start <= MAX_REGION_BYTES) {
      last.end = Math.max(last.end, end);
      return;
    }
    this.regions.push({ start: last === undefined ? start : Math.max(start, last.end), end });
  }

  /** Parses the regions whose text is complete, then drops the bytes nothing needs any more. */
  private flush(final: boolean): void {
    const end = this.end();
    while (this.regions.length > 0) {
      const region = this.regions[0] as Region;
      if (!final && region.end + SNAP_BYTES > end) break;
      this.regions.shift();
      this.parse(region, end);
    }
    const keepFrom = Math.min(
      this.regions[0]?.start ?? Number.POSITIVE_INFINITY,
      end - CONTEXT_BYTES - SNAP_BYTES - 64,
    );
    while (this.stored.length > 1) {
      const first = this.stored[0] as Stored;
      if (first.start + first.buffer.length > keepFrom) break;
      this.stored.shift();
    }
  }

  private parse(region: Region, end: number): void {
    const from = Math.max(this.snapBack(region.start), this.parsedTo);
    const to = this.snapForward(Math.min(region.end, end), end);
    if (to <= from) return;
    this.parsedTo = to;

    const bytes = this.slice(from, to);
    const text = bytes.toString('utf8');
    if (text.includes(REPLACEMENT) && !bytes.includes(UTF8_REPLACEMENT)) {
      this.note(
        'utf8',
        `The log holds invalid UTF-8 (near line ${this.lineAt(from)}); those bytes were read as U+FFFD.`,
      );
    }
    for (const occurrence of parseRegion(text, this.lineAt(from))) {
      this.aggregator.add(occurrence);
    }
  }

  /** The start of the line holding `at`, if it is near; else `at` (a very long line is cut). */
  private snapBack(at: number): number {
    const floor = Math.max(this.stored[0]?.start ?? 0, at - SNAP_BYTES);
    for (let cursor = at; cursor > floor;) {
      const piece = this.storedAt(cursor - 1);
      if (piece === undefined) break;
      const local = piece.buffer.lastIndexOf(NEWLINE, cursor - 1 - piece.start);
      const found = local === -1 ? -1 : piece.start + local;
      if (found >= floor) return found + 1;
      if (found !== -1) break;
      cursor = piece.start;
    }
    return at;
  }

  /** The end of the line holding `at` (after its newline), if it is near; else `at`. */
  private snapForward(at: number, end: number): number {
    const ceiling = Math.min(end, at + SNAP_BYTES);
    for (let cursor = at; cursor < ceiling;) {
      const piece = this.storedAt(cursor);
      if (piece === undefined) break;
      const local = piece.buffer.indexOf(NEWLINE, cursor - piece.start);
      if (local !== -1) return Math.min(piece.start + local + 1, ceiling);
      cursor = piece.start + piece.buffer.length;
    }
    return ceiling;
  }

  private storedAt(at: number): Stored | undefined {
    for (let index = this.stored.length - 1; index >= 0; index--) {
      const piece = this.stored[index] as Stored;
      if (piece.start <= at && at < piece.start + piece.buffer.length) return piece;
    }
    return undefined;
  }

  private slice(from: number, to: number): Buffer {
    const parts: Buffer[] = [];
    for (const piece of this.stored) {
      const pieceEnd = piece.start + piece.buffer.length;
      if (pieceEnd <= from || piece.start >= to) continue;
      parts.push(
        piece.buffer.subarray(
          Math.max(0, from - piece.start),
          Math.min(piece.buffer.length, to - piece.start),
        ),
      );
    }
    return parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts);
  }

  /** The 1-based line holding byte `at`. */
  private lineAt(at: number): number {
    const piece = this.storedAt(at) ?? this.stored[this.stored.length - 1];
    if (piece === undefined) return 1;
    const local = Math.min(at - piece.start, piece.buffer.length);
    return piece.newlinesBefore + countNewlines(piece.buffer, 0, local) + 1;
  }
}

/**
 * Finds every AWS access denial in a log, streaming: memory stays flat whatever the size of the
 * log or of its lines. Binary data, invalid UTF-8, UTF-16 and over-long lines are handled and
 * said in `notes`. Chunks are kept by reference for a while: the producer must not reuse them.
 */
export async function scanDenials(
  input: AsyncIterable<Buffer | string>,
  options: ScanOptions,
): Promise<ScanResult> {
  const scanner = new LogScanner(options);
  for await (const chunk of input) {
    scanner.push(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk);
  }
  return scanner.finish();
}
