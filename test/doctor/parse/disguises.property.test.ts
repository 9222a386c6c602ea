/**
 * Property tests: the same denial survives every disguise real logs put on it (CRLF, colour
 * codes raw and as `#033[…m`, JSON escaping once and twice, hard wraps at any column, console
 * line numbers, repeats, surrounding noise), read from a text or streamed in random chunks;
 * and two denials on consecutive lines stay two, each on its own line with its own operation.
 * The expectations come from the corpus or from the generator, never from the parser.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { parseDenialText, scanDenials } from '../../../src/lib/doctor/parse/index.js';
import { TRIGGERS } from '../../../src/lib/doctor/parse/triggers.js';
import type { ParsedDenial } from '../../../src/lib/doctor/types.js';
import { CORPUS, caseText, comparable, type ExpectedDenial } from './corpus.js';
import {
  crlf,
  hardWrap,
  inAppJson,
  inShipperRecords,
  noiseArb,
  repeated,
  syntheticDenialArb,
  withColours,
  withLineNumbers,
  type SyntheticDenial,
} from './disguises.js';
import { cut, streamOf } from './streams.js';

const RUNS = 60;
const POSITIVE = CORPUS.filter((corpusCase) => corpusCase.denials.length > 0);

function fromText(text: string): ExpectedDenial[] {
  return parseDenialText(text, { file: 'text', line: 1, writer: 'build' }).map(comparable);
}

async function fromStream(text: string, sizes: number[]): Promise<ExpectedDenial[]> {
  const result = await scanDenials(streamOf(cut(Buffer.from(text, 'utf8'), sizes)), {
    file: 'stream',
  });
  return result.denials.map(comparable);
}

/** Both readers give exactly `expected`. */
async function expectBoth(
  text: string,
  expected: ExpectedDenial[],
  sizes: number[],
): Promise<void> {
  expect(fromText(text)).toEqual(expected);
  expect(await fromStream(text, sizes)).toEqual(expected);
}

const corpusCaseArb = fc.constantFrom(...POSITIVE);
const chunkSizesArb = fc.array(fc.integer({ min: 1, max: 4096 }), { minLength: 1, maxLength: 5 });

describe('a corpus denial survives every disguise', () => {
  it('CRLF line endings', async () => {
    await fc.assert(
      fc.asyncProperty(corpusCaseArb, chunkSizesArb, async (corpusCase, sizes) => {
        // Given a real failure output saved on Windows, When it is read, Then nothing changes
        await expectBoth(crlf(caseText(corpusCase.file)), corpusCase.denials, sizes);
      }),
      { numRuns: RUNS },
    );
  });

  it('colour codes, raw and as syslog writes them (#033[…m), anywhere in the text', async () => {
    await fc.assert(
      fc.asyncProperty(
        corpusCaseArb.filter((corpusCase) => !caseText(corpusCase.file).includes('#033')),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 30 }),
        fc.boolean(),
        chunkSizesArb,
        async (corpusCase, positions, literal, sizes) => {
          // Given colour codes sprinkled through the output, even inside words
          const text = withColours(caseText(corpusCase.file), positions, literal);

          // Then the same denials come out
          await expectBoth(text, corpusCase.denials, sizes);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('console line numbers', async () => {
    await fc.assert(
      fc.asyncProperty(
        corpusCaseArb,
        fc.constantFrom('cat', 'pipe', 'colon' as const),
        chunkSizesArb,
        async (corpusCase, style, sizes) => {
          const text = withLineNumbers(caseText(corpusCase.file), style);
          await expectBoth(text, corpusCase.denials, sizes);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it("every line in a log shipper's JSON record, once or twice escaped", async () => {
    await fc.assert(
      fc.asyncProperty(
        corpusCaseArb,
        fc.constantFrom(1 as const, 2 as const),
        chunkSizesArb,
        async (corpusCase, layers, sizes) => {
          // Given the output as Docker's json-file driver stores it (a record per line)
          const text = inShipperRecords(caseText(corpusCase.file), layers);

          // Then the records are unwrapped and the same denials come out
          await expectBoth(text, corpusCase.denials, sizes);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('repeats raise the count and leave the set unchanged', async () => {
    await fc.assert(
      fc.asyncProperty(
        corpusCaseArb,
        fc.integer({ min: 2, max: 4 }),
        chunkSizesArb,
        async (corpusCase, times, sizes) => {
          // Given the whole output printed again by a retry loop
          const text = repeated(caseText(corpusCase.file), times, '\n\n');

          // Then each denial is counted once per copy
          const expected = corpusCase.denials.map((denial) => ({
            ...denial,
            count: denial.count * times,
          }));
          await expectBoth(text, expected, sizes);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('surrounding noise, near-misses included', async () => {
    await fc.assert(
      fc.asyncProperty(
        corpusCaseArb,
        noiseArb,
        noiseArb,
        chunkSizesArb,
        async (c, before, after, sizes) => {
          // Given ordinary build output (and denial-like lines that are not denials) around it
          const text = [...before, '', caseText(c.file), '', ...after].join('\n');

          // Then only the real denials come out
          await expectBoth(text, c.denials, sizes);
        },
      ),
      { numRuns: RUNS },
    );
  });
});

describe('a synthetic denial survives every disguise', () => {
  it('is read exactly as printed, whichever tool wrapped it', async () => {
    await fc.assert(
      fc.asyncProperty(
        syntheticDenialArb,
        noiseArb,
        chunkSizesArb,
        async (denial, noise, sizes) => {
          // Given a denial printed by the CLI, an SDK, a JSON body, docker or EC2, among noise
          const text = [...noise, denial.line, ...noise].join('\n');

          // Then its fields are read exactly
          await expectBoth(text, [denial.expected], sizes);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('inside an application JSON log line, escaped once or twice', async () => {
    await fc.assert(
      fc.asyncProperty(
        syntheticDenialArb,
        fc.constantFrom(1 as const, 2 as const),
        chunkSizesArb,
        async (denial, layers, sizes) => {
          await expectBoth(inAppJson(denial.line, layers), [denial.expected], sizes);
        },
      ),
      { numRuns: RUNS * 2 },
    );
  });

  it('hard-wrapped by a terminal at any column', async () => {
    await fc.assert(
      fc.asyncProperty(
        syntheticDenialArb,
        fc.integer({ min: 20, max: 240 }),
        noiseArb,
        chunkSizesArb,
        async (denial, width, noise, sizes) => {
          // Given a console copy of the output, cut every `width` columns. A last piece that
          // fills the width exactly, followed by another line, reads as cut to any reader (was
          // the line longer?): a blank line after it keeps that case out.
          const exact = denial.line.length % width === 0 ? [''] : [];
          const text = hardWrap([...noise, denial.line, ...exact, ...noise].join('\n'), width);

          // Then the wrap is undone and the same denial comes out
          expect(fromText(text)).toEqual([denial.expected]);
          // The scanner parses around trigger fragments: it needs one left whole by the cuts
          // (one cut never takes them all, see triggers.test.ts; many narrow cuts can).
          if (TRIGGERS.some((trigger) => text.includes(trigger))) {
            expect(await fromStream(text, sizes)).toEqual([denial.expected]);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('with CRLF, colour codes and line numbers at once', async () => {
    await fc.assert(
      fc.asyncProperty(
        syntheticDenialArb,
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 10 }),
        chunkSizesArb,
        async (denial, positions, sizes) => {
          const text = crlf(withLineNumbers(withColours(denial.line, positions, false), 'cat'));
          await expectBoth(text, [denial.expected], sizes);
        },
      ),
      { numRuns: RUNS },
    );
  });
});

/** A denial with where it was read: its first line and the operation found for it. */
type PlacedDenial = ExpectedDenial & Pick<ParsedDenial, 'operation'> & { line: number };

function placed(denial: ParsedDenial): PlacedDenial {
  return { ...comparable(denial), operation: denial.operation, line: denial.source.line };
}

/** A disguise of a whole log: the text, and the line each printed line now starts on. */
type LogDisguise = (lines: string[]) => { text: string; starts: number[] };

const lineByLine =
  (disguise: (text: string) => string): LogDisguise =>
  (lines) => ({ text: disguise(lines.join('\n')), starts: lines.map((_line, at) => at + 1) });

/** Cuts every line at `width` columns, each first padded with spaces to a multiple if asked. */
const cutAt =
  (width: number, pad: boolean): LogDisguise =>
  (lines) => {
    const rows = lines.map((line) => line.padEnd(pad ? Math.ceil(line.length / width) * width : 0));
    const starts = rows.map((_row, at) =>
      rows.slice(0, at).reduce((sum, row) => sum + Math.max(1, Math.ceil(row.length / width)), 1),
    );
    return { text: hardWrap(rows.join('\n'), width), starts };
  };

const AGENT_PREFIX = '[Container] 2024/05/01 10:00:00.123456 ';

const logDisguiseArb: fc.Arbitrary<LogDisguise> = fc.oneof(
  fc.constant(lineByLine((text) => text)),
  fc.constant(lineByLine(crlf)),
  fc.constant<LogDisguise>((lines) =>
    lineByLine((text) => text)(lines.map((line) => AGENT_PREFIX + line)),
  ),
  fc
    .constantFrom(1 as const, 2 as const)
    .map((layers) => lineByLine((t) => inShipperRecords(t, layers))),
  fc
    .constantFrom('cat', 'pipe', 'colon' as const)
    .map((style) => lineByLine((t) => withLineNumbers(t, style))),
  // Terminals from 80 columns: narrower rows can cut the Go SDK's wrapper beyond repair, which
  // loses its operation even for a denial alone (not what this property is about).
  fc.integer({ min: 80, max: 240 }).map((width) => cutAt(width, false)),
  // A terminal of a common width whose rows the first line fills exactly: only what the next
  // row says tells a cut from a line of its own.
  fc.constantFrom(80, 120, 160, 200).map((width) => cutAt(width, true)),
);

describe('two synthetic denials on consecutive lines', () => {
  it('keep their own lines and operations, however the log is disguised', async () => {
    await fc.assert(
      fc.asyncProperty(
        // EC2's encoded form is left out first: its denial is placed where its clear-text
        // sentence starts, which a cut can push to the next row of the same line.
        syntheticDenialArb.filter((denial) => !denial.expected.encoded),
        syntheticDenialArb.filter((denial) => denial.opensSentence),
        logDisguiseArb,
        chunkSizesArb,
        async (first: SyntheticDenial, second: SyntheticDenial, disguise, sizes) => {
          // Given two different denials, the second on the line right after the first and
          // opening with its sentence (`User: … is not authorized to perform: …`)
          fc.pre(JSON.stringify(first.expected) !== JSON.stringify(second.expected));
          const { text, starts } = disguise([first.line, second.line]);

          // Then each is read from its own line, with the operation its own line names
          const expected = [first, second].map((denial, at) => ({
            ...denial.expected,
            operation: denial.operation,
            line: starts[at] ?? 0,
          }));
          const source = { file: 'text', line: 1, writer: 'build' } as const;
          expect(parseDenialText(text, source).map(placed)).toEqual(expected);
          if (TRIGGERS.some((trigger) => text.includes(trigger))) {
            const stream = streamOf(cut(Buffer.from(text, 'utf8'), sizes));
            const scanned = await scanDenials(stream, { file: 'stream' });
            expect(scanned.denials.map(placed)).toEqual(expected);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
