/**
 * The newline counter: the WebAssembly SIMD window counts exactly what `indexOf` counts, for
 * any bytes and any range (the 16-byte blocks and the 0-15 byte tail alike).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import {
  countNewlinesPortable,
  createByteWindow,
  simdNewlines,
} from '../../../src/lib/doctor/parse/newlines.js';

describe('the byte window newline counter', () => {
  it('uses WebAssembly SIMD on this Node', () => {
    expect(simdNewlines).toBe(true);
  });

  it('agrees with indexOf on any bytes and range', () => {
    const window = createByteWindow(64 * 1024);
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 0, maxLength: 3000 }),
        fc.nat({ max: 3000 }),
        fc.nat({ max: 3000 }),
        fc.double({ min: 0, max: 0.5, noNaN: true }),
        (noise, a, b, density) => {
          // Given random bytes, a share of them newlines
          const bytes = Buffer.from(
            noise.map((byte, i) => ((i * 7919) % 1000 < density * 1000 ? 10 : byte)),
          );
          window.bytes.fill(0x41);
          bytes.copy(window.bytes, 5);
          const from = Math.min(a, b);
          const to = Math.max(a, b);

          // Then the window counts what indexOf counts
          expect(window.countNewlines(from, to)).toBe(
            countNewlinesPortable(window.bytes, from, to),
          );
        },
      ),
      { numRuns: 500 },
    );
  });

  it('counts a whole window and an empty range', () => {
    const window = createByteWindow(1024 * 1024);
    window.bytes.fill(10);
    expect(window.bytes.length).toBe(1024 * 1024);
    expect(window.countNewlines(0, window.bytes.length)).toBe(1024 * 1024);
    expect(window.countNewlines(100, 100)).toBe(0);
  });

  it('gives each scanner its own memory', () => {
    const first = createByteWindow(65536);
    const second = createByteWindow(65536);
    first.bytes.fill(10);
    second.bytes.fill(0);
    expect(first.countNewlines(0, 65536)).toBe(65536);
    expect(second.countNewlines(0, 65536)).toBe(0);
  });
});
