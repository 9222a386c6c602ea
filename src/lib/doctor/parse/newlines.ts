/**
 * A byte window that counts its newlines fast. A 500 MB build log has ten million lines;
 * counting them with `Buffer.indexOf` pays a call per line, which was the scanner's largest
 * cost. Here the window's bytes live in the memory of a 154-byte WebAssembly module that
 * compares 16 bytes at a time (SIMD), so counting needs no copy and no call per line. Where
 * WebAssembly SIMD is missing the window is a plain Buffer counted with `indexOf`. Both are
 * tested to agree.
 *
 * The module, in text form (assembled by hand below):
 *
 *   (module
 *     (memory (export "memory") 1)
 *     (func (export "count") (param $ptr i32) (param $len i32) (result i32)
 *       (local $i i32) (local $n i32) (local $end16 i32) (local $end i32)
 *       (local.set $i (local.get $ptr))
 *       (local.set $end (i32.add (local.get $ptr) (local.get $len)))
 *       (local.set $end16 (i32.add (local.get $ptr) (i32.and (local.get $len) (i32.const -16))))
 *       (block (loop                                   ;; 16 bytes at a time
 *         (br_if 1 (i32.ge_u (local.get $i) (local.get $end16)))
 *         (local.set $n (i32.add (local.get $n) (i32.popcnt (i8x16.bitmask
 *           (i8x16.eq (v128.load (local.get $i)) (i8x16.splat (i32.const 10))))))
 *         (local.set $i (i32.add (local.get $i) (i32.const 16)))
 *         (br 0)))
 *       (block (loop                                   ;; the last 0-15 bytes
 *         (br_if 1 (i32.ge_u (local.get $i) (local.get $end)))
 *         (local.set $n (i32.add (local.get $n) (i32.eq (i32.load8_u (local.get $i)) (i32.const 10))))
 *         (local.set $i (i32.add (local.get $i) (i32.const 1)))
 *         (br 0)))
 *       (local.get $n)))
 */
const NEWLINE = 0x0a;
const PAGE = 64 * 1024;

// prettier-ignore
const BODY = [
  0x01, 0x04, 0x7f,
  0x20, 0x00, 0x21, 0x02,
  0x20, 0x00, 0x20, 0x01, 0x6a, 0x21, 0x05,
  0x20, 0x00, 0x20, 0x01, 0x41, 0x70, 0x71, 0x6a, 0x21, 0x04,
  0x02, 0x40, 0x03, 0x40,
  0x20, 0x02, 0x20, 0x04, 0x4f, 0x0d, 0x01,
  0x20, 0x03, 0x20, 0x02, 0xfd, 0x00, 0x04, 0x00, 0x41, 0x0a, 0xfd, 0x0f, 0xfd, 0x23, 0xfd, 0x64,
  0x69, 0x6a, 0x21, 0x03,
  0x20, 0x02, 0x41, 0x10, 0x6a, 0x21, 0x02, 0x0c, 0x00,
  0x0b, 0x0b,
  0x02, 0x40, 0x03, 0x40,
  0x20, 0x02, 0x20, 0x05, 0x4f, 0x0d, 0x01,
  0x20, 0x03, 0x20, 0x02, 0x2d, 0x00, 0x00, 0x41, 0x0a, 0x46, 0x6a, 0x21, 0x03,
  0x20, 0x02, 0x41, 0x01, 0x6a, 0x21, 0x02, 0x0c, 0x00,
  0x0b, 0x0b,
  0x20, 0x03, 0x0b,
];

function section(id: number, content: number[]): number[] {
  return [id, content.length, ...content];
}

function ascii(text: string): number[] {
  return [...Buffer.from(text, 'latin1')];
}

// prettier-ignore
const MODULE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
  ...section(1, [0x01, 0x60, 0x02, 0x7f, 0x7f, 0x01, 0x7f]),
  ...section(3, [0x01, 0x00]),
  ...section(5, [0x01, 0x00, 0x01]),
  ...section(7, [0x02, 0x06, ...ascii('memory'), 0x02, 0x00, 0x05, ...ascii('count'), 0x00, 0x00]),
  ...section(10, [0x01, BODY.length, ...BODY]),
]);

// Node has the WebAssembly global, but its types live in TypeScript's DOM library, which this
// project does not load: declare the little that is used.
declare const WebAssembly: {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: unknown };
};

interface CounterExports {
  memory: { buffer: ArrayBuffer; grow(pages: number): number };
  count: (pointer: number, length: number) => number;
}

function compile(): object | null {
  try {
    return WebAssembly.validate(MODULE) ? new WebAssembly.Module(MODULE) : null;
  } catch {
    return null;
  }
}

const compiled = compile();

/** Whether newlines are counted with WebAssembly SIMD here (else with `indexOf`). */
export const simdNewlines = compiled !== null;

/** Counts the newline bytes in `bytes[from, to)` with `Buffer.indexOf`. */
export function countNewlinesPortable(bytes: Buffer, from = 0, to = bytes.length): number {
  let count = 0;
  for (let at = bytes.indexOf(NEWLINE, from); at !== -1 && at < to;) {
    count++;
    at = bytes.indexOf(NEWLINE, at + 1);
  }
  return count;
}

/** A fixed-size byte buffer whose newlines can be counted fast. */
export interface ByteWindow {
  bytes: Buffer;
  /** Counts the newline bytes in `bytes[from, to)`. */
  countNewlines(from: number, to: number): number;
}

/** Allocates a byte window of `capacity` bytes (rounded up to 64 KiB). */
export function createByteWindow(capacity: number): ByteWindow {
  const pages = Math.max(1, Math.ceil(capacity / PAGE));
  if (compiled !== null) {
    const { memory, count } = new WebAssembly.Instance(compiled).exports as CounterExports;
    memory.grow(pages - 1);
    const bytes = Buffer.from(memory.buffer, 0, pages * PAGE);
    return {
      bytes,
      countNewlines: (from, to) => (to > from ? count(from, to - from) : 0),
    };
  }
  const bytes = Buffer.alloc(pages * PAGE);
  return { bytes, countNewlines: (from, to) => countNewlinesPortable(bytes, from, to) };
}
