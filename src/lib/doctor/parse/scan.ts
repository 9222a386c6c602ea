/**
 * Streams a build log of any size through the denial grammars with flat memory. Raw buffers
 * are searched for a few trigger fragments with `Buffer.indexOf` (native, fast when the
 * fragment starts with a rare byte); only a window of text around each hit is decoded and
 * parsed. Windows that touch are merged into one region so no occurrence is read twice.
 */
import { TextDecoder } from 'node:util';

import type { ParsedDenial } from '../types.js';
import { DenialAggregator } from './aggregate.js';
import { createByteWindow, type ByteWindow } from './newlines.js';
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
const CONTEXT_BYTES = 2048;
// How far a window edge moves to reach a line boundary before it cuts the line.
const SNAP_BYTES = 16384;
// A region (merged windows) is parsed once it reaches this size, so memory stays flat when a
// log is full of trigger words.
const MAX_REGION_BYTES = 256 * 1024;
// Input is copied into the window this much at a time.
const SLICE_BYTES = 64 * 1024;
// Bytes kept behind the newest ones, so a hit's window can reach back to a line start.
const KEEP_BACK_BYTES = CONTEXT_BYTES + SNAP_BYTES + SEAM_BYTES;
// Holds what is kept back, the largest pending region and its wait for a line end, one slice.
const WINDOW_BYTES = 1024 * 1024;
const NEWLINE = 0x0a;
const REPLACEMENT = '\uFFFD';
const UTF8_REPLACEMENT = Buffer.from(REPLACEMENT, 'utf8');

interface Region {
  start: number;
  end: number;
}

/**
 * The streaming state behind {@link scanDenials}. Input is copied into one fixed window (the
 * newest bytes of the stream, plus whatever pending regions still need), searched for
 * triggers and counted for newlines in place; the window is compacted when full, so memory
 * does not grow with the log or with its longest line.
 */
class LogScanner {
  private readonly aggregator: DenialAggregator;
  private readonly maxLineBytes: number;
  private readonly window: ByteWindow = createByteWindow(WINDOW_BYTES);
  /** Absolute stream offset of `window.bytes[0]`. */
  private base = 0;
  /** Bytes of the window in use. */
  private used = 0;
  private regions: Region[] = [];
  private parsedTo = 0;
  private bytes = 0;
  private newlines = 0;
  private lineLength = 0;
  private lastByte = -1;
  private utf16: TextDecoder | null = null;
  /** The first bytes, until there are enough to tell the encoding; then null. */
  private head: Buffer | null = Buffer.alloc(0);
  private readonly notes = new Map<string, string>();

  constructor(options: ScanOptions) {
    this.aggregator = new DenialAggregator(options.file);
    this.maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  }

  push(input: Buffer): void {
    if (input.length === 0) return;
    this.bytes += input.length;
    let chunk = input;
    if (this.head !== null) {
      // The encoding is told from the first four bytes, which may come in several chunks.
      this.head = Buffer.concat([this.head, chunk]);
      if (this.head.length < 4) return;
      chunk = this.head;
      this.head = null;
      this.detectEncoding(chunk);
    }
    if (this.utf16 !== null)
      chunk = Buffer.from(this.utf16.decode(chunk, { stream: true }), 'utf8');
    for (let offset = 0; offset < chunk.length; offset += SLICE_BYTES) {
      this.consume(chunk.subarray(offset, offset + SLICE_BYTES));
    }
  }

  finish(): ScanResult {
    if (this.head !== null && this.head.length > 0) {
      const head = this.head;
      this.head = null;
      this.consume(head);
    }
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
    // PowerShell and some Windows tools write UTF-16 with a byte-order mark. The mark alone is
    // also two bytes of garbage: the first character's zero high byte must follow it.
    const bom = chunk.length >= 4 ? (chunk[0] ?? 0) * 256 + (chunk[1] ?? 0) : 0;
    const littleEndian = bom === 0xfffe && chunk[3] === 0;
    const bigEndian = bom === 0xfeff && chunk[2] === 0;
    if (littleEndian || bigEndian) {
      this.utf16 = new TextDecoder(littleEndian ? 'utf-16le' : 'utf-16be');
      this.note(
        'utf16',
        'The log is UTF-16 (it starts with a byte-order mark); it was read as such.',
      );
    }
  }

  private get end(): number {
    return this.base + this.used;
  }

  /** The bytes in use: searching the whole window would find stale bytes past its end. */
  private view(): Buffer {
    return this.window.bytes.subarray(0, this.used);
  }

  private consume(slice: Buffer): void {
    if (slice.length === 0) return;
    this.makeRoom(slice.length);
    const from = this.used;
    slice.copy(this.window.bytes, from);
    this.used += slice.length;
    const view = this.view();

    this.checkContent(slice, this.base + from);
    this.countLines(view, from);
    this.lastByte = slice[slice.length - 1] ?? -1;
    for (const hit of findTriggers(view, from, SEAM_BYTES)) this.addWindow(this.base + hit);
    this.flush(false);
  }

  /** Compacts the window so `length` more bytes fit, parsing pending regions if they must go. */
  private makeRoom(length: number): void {
    if (this.used + length <= this.window.bytes.length) return;
    this.compact(this.keepFrom());
    if (this.used + length <= this.window.bytes.length) return;
    this.flush(true);
    this.compact(this.end - KEEP_BACK_BYTES);
  }

  private keepFrom(): number {
    const region = this.regions[0];
    const back = this.end - KEEP_BACK_BYTES;
    return region === undefined ? back : Math.min(back, region.start - SNAP_BYTES);
  }

  private compact(keepFrom: number): void {
    const shift = Math.min(this.used, Math.max(0, keepFrom - this.base));
    if (shift === 0) return;
    this.window.bytes.copyWithin(0, shift, this.used);
    this.base += shift;
    this.used -= shift;
  }

  /** Counts the new bytes' newlines and notes lines longer than `maxLineBytes`. */
  private countLines(view: Buffer, from: number): void {
    const count = this.window.countNewlines(from, view.length);
    if (count === 0) {
      this.lineLength += view.length - from;
    } else {
      const first = view.indexOf(NEWLINE, from);
      if (this.lineLength + first - from > this.maxLineBytes) this.noteLongLine(this.newlines + 1);
      // A line wholly inside one slice can only be too long when the limit is below its size.
      if (view.length - from > this.maxLineBytes) this.checkInnerLines(view, first);
      this.lineLength = view.length - view.lastIndexOf(NEWLINE) - 1;
    }
    this.newlines += count;
    if (this.lineLength > this.maxLineBytes) this.noteLongLine(this.newlines + 1);
  }

  private checkInnerLines(view: Buffer, first: number): void {
    let line = this.newlines + 2;
    for (let start = first + 1; start < view.length; line++) {
      const end = view.indexOf(NEWLINE, start);
      if (end === -1) return;
      if (end - start > this.maxLineBytes) this.noteLongLine(line);
      start = end + 1;
    }
  }

  private noteLongLine(line: number): void {
    this.note(
      'long-line',
      `Line ${line} is longer than ${this.maxLineBytes} bytes; it was read in pieces and parsed only around words that may start a denial.`,
    );
  }

  private checkContent(slice: Buffer, start: number): void {
    if (this.notes.has('binary')) return;
    const nul = slice.indexOf(0);
    if (nul !== -1) {
      this.note(
        'binary',
        `The log holds binary data (NUL bytes from byte ${start + nul}); it was scanned as text and the binary parts ignored.`,
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

  /** Parses the regions whose text is complete (all of them when `final`). */
  private flush(final: boolean): void {
    while (this.regions.length > 0) {
      const region = this.regions[0] as Region;
      if (!final && region.end + SNAP_BYTES > this.end) break;
      this.regions.shift();
      this.parse(region);
    }
  }

  private parse(region: Region): void {
    const from = Math.max(this.snapBack(Math.max(region.start, this.base)), this.parsedTo);
    const to = this.snapForward(Math.min(region.end, this.end));
    if (to <= from) return;
    this.parsedTo = to;

    const bytes = this.window.bytes.subarray(from - this.base, to - this.base);
    const text = bytes.toString('utf8');
    const line = this.lineAt(from);
    if (text.includes(REPLACEMENT) && !bytes.includes(UTF8_REPLACEMENT)) {
      this.note(
        'utf8',
        `The log holds invalid UTF-8 (near line ${line}); those bytes were read as U+FFFD.`,
      );
    }
    for (const occurrence of parseRegion(text, line)) this.aggregator.add(occurrence);
  }

  /** The start of the line holding `at`, if it is near; else `at` (a very long line is cut). */
  private snapBack(at: number): number {
    const local = at - this.base;
    if (local <= 0) return at;
    const newline = this.view().lastIndexOf(NEWLINE, local - 1);
    return newline !== -1 && newline >= local - SNAP_BYTES ? this.base + newline + 1 : at;
  }

  /** The end of the line holding `at` (after its newline), if it is near; else `at`. */
  private snapForward(at: number): number {
    const local = at - this.base;
    const limit = Math.min(this.used, local + SNAP_BYTES);
    const newline = this.view().subarray(0, limit).indexOf(NEWLINE, local);
    return newline === -1 ? this.base + limit : this.base + newline + 1;
  }

  /** The 1-based line holding byte `at` of the window. */
  private lineAt(at: number): number {
    return this.newlines - this.window.countNewlines(at - this.base, this.used) + 1;
  }
}

/**
 * Finds every AWS access denial in a log, streaming: memory stays flat whatever the size of the
 * log or of its lines. Binary data, invalid UTF-8, UTF-16 and over-long lines are handled and
 * said in `notes`. Each chunk is copied before the next is requested, so a producer may reuse
 * its buffer.
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
