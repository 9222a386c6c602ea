/**
 * Bad input: binary data, invalid UTF-8, UTF-16, a 50 MB line without a newline, lines built
 * to make a regular expression backtrack, an empty log. Each gives a correct result or a note,
 * never a crash, a hang or unbounded memory.
 */
import { describe, expect, it } from 'vitest';

import { parseDenialText, scanDenials } from '../../../src/lib/doctor/parse/index.js';
import { CORPUS, caseText, comparable } from './corpus.js';
import { cut, streamOf } from './streams.js';

const DENIAL =
  'An error occurred (AccessDeniedException) when calling the GetParameter operation: User: arn:aws:sts::111122223333:assumed-role/build/AWSCodeBuild-1 is not authorized to perform: ssm:GetParameter on resource: arn:aws:ssm:eu-west-1:111122223333:parameter/app because no identity-based policy allows the ssm:GetParameter action';

const EXPECTED = {
  principal: 'arn:aws:sts::111122223333:assumed-role/build/AWSCodeBuild-1',
  action: 'ssm:GetParameter',
  resource: 'arn:aws:ssm:eu-west-1:111122223333:parameter/app',
  policyType: 'identity',
  deny: 'implicit',
  encoded: false,
  count: 1,
};

function scan(chunks: Iterable<Buffer | string>, maxLineBytes?: number) {
  return scanDenials(streamOf(chunks), {
    file: 'bad.log',
    ...(maxLineBytes === undefined ? {} : { maxLineBytes }),
  });
}

/** Deterministic pseudo-random bytes. */
function noiseBytes(length: number, seed: number): Buffer {
  const bytes = Buffer.alloc(length);
  let state = seed;
  for (let i = 0; i < length; i++) {
    state = (state * 1103515245 + 12345) >>> 0;
    bytes[i] = state >>> 24;
  }
  return bytes;
}

describe('bad input', () => {
  it('reads a denial between blocks of binary data, and says binary data was seen', async () => {
    // Given a log with a core dump pasted into it, NUL bytes and all
    const bytes = Buffer.concat([
      noiseBytes(200_000, 1),
      Buffer.from(`\n${DENIAL}\n`),
      noiseBytes(200_000, 2),
    ]);

    // When it is scanned
    const result = await scan(cut(bytes, [65536]));

    // Then the denial is found, and a note says what happened
    expect(result.denials.map(comparable)).toEqual([EXPECTED]);
    expect(result.notes.join(' ')).toMatch(/binary data/);
    expect(result.bytes).toBe(bytes.length);
  });

  it('reads a denial next to invalid UTF-8, and says so', async () => {
    // Given truncated and invalid UTF-8 sequences right against the message
    const bytes = Buffer.concat([
      Buffer.from([0xff, 0xfe, 0xc3]),
      Buffer.from(DENIAL),
      Buffer.from([0xe2, 0x82, 0x0a, 0xed, 0xa0, 0x80, 0x0a]),
    ]);

    const result = await scan(cut(bytes, [3, 5, 7]));

    expect(result.denials.map(comparable)).toEqual([EXPECTED]);
    expect(result.notes.join(' ')).toMatch(/invalid UTF-8/);
  });

  it('reads a UTF-16 log with a byte-order mark (PowerShell), and says so', async () => {
    // Given a corpus case saved by PowerShell
    const corpusCase = CORPUS.find((c) => c.file.startsWith('007-')) ?? CORPUS[0];
    if (corpusCase === undefined) throw new Error('empty corpus');
    const bytes = Buffer.concat([
      Buffer.from([0xff, 0xfe]),
      Buffer.from(caseText(corpusCase.file), 'utf16le'),
    ]);

    // When it is streamed in odd chunks (splitting code units)
    const result = await scan(cut(bytes, [3, 4097]));

    // Then it reads as the UTF-8 file would
    expect(result.denials.map(comparable)).toEqual(corpusCase.denials);
    expect(result.notes.join(' ')).toMatch(/UTF-16/);
  });

  it('streams a 50 MB line without a newline in bounded memory, finding the denial in it', async () => {
    // Given one 50 MB line (minified JSON, a base64 blob) with a denial in its middle
    const block = Buffer.alloc(1024 * 1024, 'A');
    function* hugeLine(): Generator<Buffer> {
      for (let i = 0; i < 50; i++) {
        yield block;
        if (i === 25) yield Buffer.from(` ${DENIAL} `);
      }
    }
    const before = process.memoryUsage();

    // When it is scanned
    const result = await scan(hugeLine());

    // Then it finishes with one line, the denial, a note, and memory did not follow the line
    const after = process.memoryUsage();
    expect(result.lines).toBe(1);
    expect(result.denials.map(comparable)).toEqual([EXPECTED]);
    expect(result.notes.join(' ')).toMatch(/Line 1 is longer than/);
    expect(after.heapUsed - before.heapUsed).toBeLessThan(40 * 1024 * 1024);
    expect(after.arrayBuffers - before.arrayBuffers).toBeLessThan(40 * 1024 * 1024);
  });

  it('notes a long line even below the chunk size, with its line number', async () => {
    const text = `short\n${'x'.repeat(5000)}\n${DENIAL}\n`;
    const result = await scan([text], 4096);
    expect(result.notes.join(' ')).toMatch(/Line 2 is longer than 4096 bytes/);
    expect(result.denials.map(comparable)).toEqual([EXPECTED]);
  });

  describe('lines built to make a regular expression backtrack finish fast', () => {
    const PATHOLOGICAL: [string, string][] = [
      ['a principal that never ends', `User: ${'a'.repeat(200_000)} is not authorized`],
      ['anchors with no action', 'is not authorized to perform: '.repeat(20_000)],
      [
        'anchors with actions and no resource end',
        'is not authorized to perform: s3:Get on resource: '.repeat(10_000),
      ],
      ['an action made of colons', `is not authorized to perform: ${'a:'.repeat(100_000)}`],
      ['unclosed CLI headers', 'An error occurred ('.repeat(20_000)],
      [
        'Go SDK headers without a status',
        'operation error S3: Op, https response error StatusCode: 403, RequestID: , '.repeat(5_000),
      ],
      ['Go SDK v1 codes with no status line', 'AccessDenied: '.repeat(30_000)],
      ['Java suffixes', '(Service: x; Status Code: 403; '.repeat(10_000)],
      ['a backslash run', '\\'.repeat(300_000)],
      ['literal colour codes', '#033['.repeat(60_000)],
      [
        'reason clauses without policy',
        ' because no because no with an explicit deny'.repeat(10_000),
      ],
      ['wrapped fragments', Array.from({ length: 20_000 }, () => 'Us').join('\n')],
      ['handler messages without a token', 'Resource handler returned message: "'.repeat(10_000)],
    ];

    it.each(PATHOLOGICAL)('%s', async (_name, line) => {
      // Given a line an attacker printed into the build log
      const started = performance.now();

      // When it is scanned and parsed as an API message
      await scan([line]);
      parseDenialText(line.slice(0, 200_000), { file: 'api', line: 1, writer: 'aws' });

      // Then both finish in well under the time a real 1 MB log takes to read
      expect(performance.now() - started).toBeLessThan(5000);
    });
  });

  it('an empty log gives no denials and a note', async () => {
    const result = await scan([]);
    expect(result).toEqual({
      denials: [],
      bytes: 0,
      lines: 0,
      notes: ['The log is empty: there was nothing to scan.'],
    });
  });

  it('strips control characters and bidi overrides an attacker put in a denial', async () => {
    // Given a denial whose names carry terminal escapes and a right-to-left override
    const text =
      'User: arn:aws:iam::123456789012:user/dev\u202Eved\u001b]8;;http://x\u0007 is not authorized to perform: s3:GetObject on resource: arn:aws:s3:::b\u0008\u001b[2Jucket/k';

    // When it is parsed
    const [denial] = (await scan([text])).denials;

    // Then every field is clean
    expect(denial?.principal).toBe('arn:aws:iam::123456789012:user/devved');
    expect(denial?.resource).toBe('arn:aws:s3:::bucket/k');
    const everything = JSON.stringify(denial);
    expect(everything).not.toMatch(/\\u00(?:0[0-8]|1[0-9a-f]|7f)|\\u202e/i);
  });

  it('keeps a flood of distinct denials to a bounded list, with a note', async () => {
    // Given a log that prints 3,000 different denials
    const lines = Array.from(
      { length: 3000 },
      (_, i) =>
        `User: arn:aws:iam::123456789012:user/u${i} is not authorized to perform: s3:GetObject`,
    );

    const result = await scan([lines.join('\n')]);

    expect(result.denials).toHaveLength(1000);
    expect(result.notes.join(' ')).toMatch(/2000 more occurrences were counted but not listed/);
  });
});
