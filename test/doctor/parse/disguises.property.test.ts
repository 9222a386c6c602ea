/**
 * Property tests: the same denial survives every disguise real logs put on it (CRLF, colour
 * codes raw and as `#033[…m`, JSON escaping once and twice, hard wraps at any column, console
 * line numbers, both at once in either order, repeats, surrounding noise), read from a text or
 * streamed in random chunks; and two denials on consecutive lines stay two, each on its own
 * line with its own operation.
 * The expectations come from the corpus or from the generator, never from the parser.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { parseDenialText, scanDenials } from '../../../src/lib/doctor/parse/index.js';
import { TRIGGERS } from '../../../src/lib/doctor/parse/triggers.js';
import type { ParsedDenial } from '../../../src/lib/doctor/types.js';
import { CORPUS, caseText, comparable, type ExpectedDenial } from './corpus.js';
import {
  LINE_NUMBER_STYLES,
  crlf,
  hardWrap,
  hardWrapThenNumber,
  inAppJson,
  inShipperRecords,
  noiseArb,
  repeated,
  syntheticDenialArb,
  tailLooksNumbered,
  withColours,
  withLineNumbers,
  type LineNumberStyle,
  type SyntheticDenial,
} from './disguises.js';
import { cut, streamOf } from './streams.js';

const RUNS = 60;
const AGENT_PREFIX = '[Container] 2024/05/01 10:00:00.123456 ';
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
const numberStyleArb = fc.constantFrom(...LINE_NUMBER_STYLES);
// Copies start numbering anywhere; awk's `N ` grows a column as its numbers gain a digit.
const firstNumberArb = fc.oneof(fc.integer({ min: 1, max: 99_999 }), fc.constantFrom(1, 95, 9995));

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
        numberStyleArb,
        firstNumberArb,
        chunkSizesArb,
        async (corpusCase, style, first, sizes) => {
          const text = withLineNumbers(caseText(corpusCase.file), style, first);
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

  it('hard-wrapped at any column and then line-numbered, with CRLF or the agent prefix', async () => {
    await fc.assert(
      fc.asyncProperty(
        syntheticDenialArb,
        fc.integer({ min: 20, max: 240 }),
        fc.record({ style: numberStyleArb, first: firstNumberArb }),
        fc.record({ windows: fc.boolean(), agent: fc.boolean() }),
        noiseArb,
        chunkSizesArb,
        async (denial, width, { style, first }, { windows, agent }, noise, sizes) => {
          // Given a console copy that cut every line at `width` columns and then numbered each
          // row (`fold | nl -ba`), so that every tail of a cut line carries a number too
          const line = agent ? AGENT_PREFIX + denial.line : denial.line;
          const exact = line.length % width === 0 ? [''] : [];
          const rows = hardWrapThenNumber(
            [...noise, line, ...exact, ...noise].join('\n'),
            width,
            style,
            first,
          );
          const text = windows ? crlf(rows) : rows;

          // Then the numbers are stripped before the rows are glued: the same denial comes out
          expect(fromText(text)).toEqual([denial.expected]);
          if (TRIGGERS.some((trigger) => text.includes(trigger))) {
            expect(await fromStream(text, sizes)).toEqual([denial.expected]);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('line-numbered and then hard-wrapped at any column', async () => {
    await fc.assert(
      fc.asyncProperty(
        syntheticDenialArb,
        fc.integer({ min: 20, max: 240 }),
        fc.record({ style: numberStyleArb, first: firstNumberArb }),
        noiseArb,
        chunkSizesArb,
        async (denial, width, { style, first }, noise, sizes) => {
          // Given a numbered copy (`cat -n`) shown on a terminal `width` columns wide: a cut
          // line's tails carry no number. A blank line keeps a last row that fills the width
          // exactly from reading as cut, as above; a tail that starts with the next number
          // reads as a numbered row to any reader, and is left out.
          const denialRow = withLineNumbers(denial.line, style, first + noise.length);
          const exact = denialRow.length % width === 0 ? [''] : [];
          const lines = [...noise, denial.line, ...exact, ...noise].join('\n');
          const numbered = withLineNumbers(lines, style, first);
          fc.pre(!tailLooksNumbered(numbered, width, first));
          const text = hardWrap(numbered, width);

          // Then the same denial comes out
          expect(fromText(text)).toEqual([denial.expected]);
          if (TRIGGERS.some((trigger) => text.includes(trigger))) {
            expect(await fromStream(text, sizes)).toEqual([denial.expected]);
          }
        },
      ),
      { numRuns: 200 },
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

/** How a console copy numbered a log: before or after a terminal cut its lines. */
interface Numbering {
  style: LineNumberStyle;
  first: number;
  order: 'cut-then-number' | 'number-then-cut';
}

/**
 * A terminal `width` columns wide and a console that numbers lines, in either order, with CRLF
 * endings if asked. Numbers count rows when the console numbered what the terminal showed, so
 * the lines start on the same rows as unnumbered. A tail that starts with the next line's
 * number reads as a numbered row to any reader: such a case is left out.
 */
const cutAndNumbered =
  (width: number, pad: boolean, numbering: Numbering, windows: boolean): LogDisguise =>
  (lines) => {
    const { style, first, order } = numbering;
    let rows: { text: string; starts: number[] };
    if (order === 'cut-then-number') {
      const cut = cutAt(width, pad)(lines);
      rows = { ...cut, text: withLineNumbers(cut.text, style, first) };
    } else {
      const numbered = withLineNumbers(lines.join('\n'), style, first);
      fc.pre(!tailLooksNumbered(numbered, width, first));
      rows = cutAt(width, pad)(numbered.split('\n'));
    }
    return { text: windows ? crlf(rows.text) : rows.text, starts: rows.starts };
  };

const numberingArb: fc.Arbitrary<Numbering> = fc.record({
  style: numberStyleArb,
  first: firstNumberArb,
  order: fc.constantFrom('cut-then-number' as const, 'number-then-cut' as const),
});

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
    .tuple(numberStyleArb, firstNumberArb)
    .map(([style, first]) => lineByLine((t) => withLineNumbers(t, style, first))),
  // Terminals from 80 columns: narrower rows can cut the Go SDK's wrapper beyond repair, which
  // loses its operation even for a denial alone (not what this property is about).
  fc.integer({ min: 80, max: 240 }).map((width) => cutAt(width, false)),
  // A terminal of a common width whose rows the first line fills exactly: only what the next
  // row says tells a cut from a line of its own.
  fc.constantFrom(80, 120, 160, 200).map((width) => cutAt(width, true)),
  // Both at once: a terminal's rows numbered by the console that copied them, or a numbered
  // copy shown on a terminal, with CRLF or not. (Not behind the agent's prefix: it can push a
  // sentence with no wrapper before it onto the next row, where the parser places the denial,
  // numbered or not.)
  fc
    .tuple(fc.integer({ min: 80, max: 240 }), fc.boolean(), numberingArb, fc.boolean())
    .map(([width, pad, numbering, windows]) => cutAndNumbered(width, pad, numbering, windows)),
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
