/**
 * A console copy that is both line-numbered and hard-wrapped: the terminal cut each line at a
 * fixed width, then the console numbered every row (`fold -w 80 | nl -ba`), so the tail of a
 * cut line carries a number of its own. The numbers are stripped before the rows are glued back,
 * and are never read as text: the denial is the one the line gives unwrapped and unnumbered,
 * whatever the numbering style, the width, the line endings or the agent's prefix. A copy
 * numbered first and cut after (`cat -n | fold`), with bare tails, reads the same.
 */
import { describe, expect, it } from 'vitest';

import { parseDenialText, scanDenials } from '../../../src/lib/doctor/parse/index.js';
import { cleanLine, stripRowNumbers } from '../../../src/lib/doctor/parse/normalize.js';
import type { ParsedDenial } from '../../../src/lib/doctor/types.js';
import { crlf, hardWrap, hardWrapThenNumber, withLineNumbers } from './disguises.js';
import { cut, streamOf } from './streams.js';

const BUILD_ROLE =
  'arn:aws:sts::123456789012:assumed-role/aiproxy-x-cicd-BuildRole-ABC/AWSCodeBuild-1234';
const PUT_OBJECT = `An error occurred (AccessDenied) when calling the PutObject operation: User: ${BUILD_ROLE} is not authorized to perform: s3:PutObject on resource: "arn:aws:s3:::aiproxy-x-artifacts/key" because no identity-based policy allows the s3:PutObject action`;
const AGENT_PREFIX = '[Container] 2024/05/01 10:00:00.123456 ';
// What the CodeBuild agent itself prints when it cannot download the source: agent-form.
const AGENT_DENIAL = `${AGENT_PREFIX}Phase context status code: CLIENT_ERROR Message: error while downloading key s3://bucket/source.zip, error: AccessDenied: Access Denied status code: 403, request id: 4Q0Z, host id: abc=`;

type Read = Pick<
  ParsedDenial,
  'principal' | 'roleName' | 'action' | 'resource' | 'policyType' | 'deny' | 'operation'
> & { line: number; writer: string };

function readOf(denial: ParsedDenial): Read {
  const { principal, roleName, action, resource, policyType, deny, operation } = denial;
  const { line, writer } = denial.source;
  return { principal, roleName, action, resource, policyType, deny, operation, line, writer };
}

/** The PutObject denial as the unwrapped, unnumbered line gives it, found on `line`. */
function putObject(line: number): Read {
  return {
    principal: BUILD_ROLE,
    roleName: 'aiproxy-x-cicd-BuildRole-ABC',
    action: 's3:PutObject',
    resource: 'arn:aws:s3:::aiproxy-x-artifacts/key',
    policyType: 'identity',
    deny: 'implicit',
    operation: 'PutObject',
    line,
    writer: 'build',
  };
}

/** What a log file gives when parsed whole, and when streamed in odd-sized chunks. */
async function readBoth(text: string): Promise<[Read[], Read[]]> {
  const fromText = parseDenialText(text, { file: 'build.log', line: 1, writer: 'build' });
  const chunks = streamOf(cut(Buffer.from(text, 'utf8'), [97, 13]));
  const fromStream = (await scanDenials(chunks, { file: 'build.log' })).denials;
  return [fromText.map(readOf), fromStream.map(readOf)];
}

/** The row on which line `index` of `lines` starts once each is cut at `width` columns. */
function rowOf(lines: string[], index: number, width: number): number {
  const rows = lines.slice(0, index).map((line) => Math.max(1, Math.ceil(line.length / width)));
  return rows.reduce((sum, count) => sum + count, 1);
}

/** `fold -w WIDTH | awk '{printf "%d %s\n", NR + 100, $0}'`. */
function awkNumbered(line: string, width: number): string {
  return hardWrapThenNumber(line, width, 'space', 101);
}

describe('a denial in a console copy cut at a fixed width and then numbered', () => {
  it.each<[string, string]>([
    ["`fold -w 80`, numbered from 101 by awk's `N `", awkNumbered(PUT_OBJECT, 80)],
    ['`fold -w 100 | nl -ba`', hardWrapThenNumber(PUT_OBJECT, 100, 'cat')],
  ])('reads as the line unwrapped and unnumbered: %s', async (_copy, text) => {
    // Given the failing line of the bug report, wrapped and numbered as a console copy
    // When the copy is read as a text and streamed
    const [fromText, fromStream] = await readBoth(text);

    // Then it is one denial with every field, from the first row, and no row number in it
    expect(fromText).toEqual([putObject(1)]);
    expect(fromStream).toEqual([putObject(1)]);
  });

  const styles = [
    ['cat -n', 'cat'],
    ['nl -ba', 'cat'],
    ['N ', 'space'],
    ['N | ', 'pipe'],
    ['N: ', 'colon'],
  ] as const;
  // 64 and 100 cut `operation` in two, 61 puts `34 is …` (digits) at a row's start.
  const widths = [24, 40, 61, 64, 80, 100, 120, 132, 200];
  const table = styles.flatMap(([name, style]) => widths.map((width) => ({ name, style, width })));

  it.each(table)('numbered as $name, cut at $width columns', async ({ style, width }) => {
    // Given build output around the denial, cut at `width` and numbered from 9,998 on, so the
    // numbers gain a digit on the way
    const lines = ['npm info ok', 'Step 5/12 : RUN make deploy', PUT_OBJECT, 'make: *** Error 1'];
    const text = hardWrapThenNumber(lines.join('\n'), width, style, 9998);

    // When it is read
    const [fromText, fromStream] = await readBoth(text);

    // Then the denial is the unwrapped line's, found on the row where its line starts
    expect(fromText).toEqual([putObject(rowOf(lines, 2, width))]);
    expect(fromStream).toEqual([putObject(rowOf(lines, 2, width))]);
  });

  it.each(table)(
    'numbered as $name, cut at $width columns, with CRLF endings',
    async ({ style, width }) => {
      // Given the same copy saved on Windows
      const text = crlf(hardWrapThenNumber(`npm info ok\n${PUT_OBJECT}\ndone`, width, style, 7));

      const [fromText, fromStream] = await readBoth(text);

      // Then nothing changes
      expect(fromText).toEqual([putObject(2)]);
      expect(fromStream).toEqual([putObject(2)]);
    },
  );

  it.each(table.filter(({ width }) => width >= AGENT_PREFIX.length + 1))(
    "numbered as $name, cut at $width columns, behind the agent's prefix",
    async ({ style, width }) => {
      // Given the line a build command printed on a [Container] line, and the rest
      const lines = [`${AGENT_PREFIX}Running command make deploy`, AGENT_PREFIX + PUT_OBJECT];
      const text = hardWrapThenNumber(lines.join('\n'), width, style);

      const [fromText, fromStream] = await readBoth(text);

      // Then it is the build's denial, as unwrapped: the agent prints no CLI wrapper
      expect(fromText).toEqual([putObject(rowOf(lines, 1, width))]);
      expect(fromStream).toEqual([putObject(rowOf(lines, 1, width))]);
    },
  );

  it.each(['cat', 'space', 'pipe', 'colon'] as const)(
    "keeps the agent's own denial the agent's when numbered as %s",
    async (style) => {
      // Given the agent's source-download failure, numbered; cut at a width that keeps its
      // error in the first row, which is where a denial with no sentence is found
      const text = hardWrapThenNumber(`npm ci\n${AGENT_DENIAL}\ndone`, 160, style);

      // When it is scanned
      const { denials } = await scanDenials(streamOf([Buffer.from(text)]), { file: 'b.log' });

      // Then the number before `[Container]` does not hide who printed it
      expect(denials.map((denial) => denial.source)).toEqual([
        { file: 'b.log', line: 2, writer: 'aws' },
      ]);
    },
  );
});

describe('a denial in a numbered copy shown on a narrower terminal', () => {
  it.each([
    ['cat', 80],
    ['space', 90],
    ['pipe', 100],
    ['colon', 120],
  ] as const)('reads whole when numbered as %s and cut at %i columns', async (style, width) => {
    // Given a numbered copy (`cat -n | fold`): only a line's first row carries its number
    const text = hardWrap(withLineNumbers(`npm info ok\n${PUT_OBJECT}\ndone`, style, 97), width);

    const [fromText, fromStream] = await readBoth(text);

    // Then the tails are glued to it as before
    expect(fromText).toEqual([putObject(2)]);
    expect(fromStream).toEqual([putObject(2)]);
  });
});

describe('two denials in a numbered copy shown on a narrower terminal', () => {
  it("keep their own lines when awk's numbers are the only sign of where a line starts", async () => {
    // Given two denials numbered `N ` and then cut at 80 columns: the second's number is the
    // only thing before its `Error:` label, and it sits after the first's tails
    const first = `An error occurred (AccessDenied) when calling the PutObject operation: User: ${BUILD_ROLE} is not authorized to perform: s3:PutObject on resource: "arn:aws:s3:::aiproxy-x-artifacts/key"`;
    const second = `Error: User: ${BUILD_ROLE} is not authorized to perform: iam:PassRole on resource: arn:aws:iam::123456789012:role/Admin`;
    const text = hardWrap(withLineNumbers(`${first}\n${second}`, 'space'), 80);

    const [fromText] = await readBoth(text);

    // Then the second is read from its own first row, without the first's operation
    const rowOfSecond = Math.ceil((first.length + 2) / 80) + 1;
    expect(fromText.map((read) => [read.action, read.operation, read.line])).toEqual([
      ['s3:PutObject', 'PutObject', 1],
      ['iam:PassRole', null, rowOfSecond],
    ]);
  });
});

describe('row numbers', () => {
  const strip = (rows: string[]): string[] =>
    stripRowNumbers(rows.flatMap((row, at) => cleanLine(row, at + 1))).map((line) => line.text);

  it('are stripped from rows numbered one after another, whatever follows the number', () => {
    // Given rows that start with text that is itself a number
    const rows = ['99 arn:aws:sts::1234', '100 56 is not', '101  a space'];

    // Then only the console's numbers go
    expect(strip(rows)).toEqual(['arn:aws:sts::1234', '56 is not', ' a space']);
  });

  it('are kept as text when no neighbour confirms them', () => {
    // Given lines that start with a number, but not one after another
    const rows = ['5 passing (2s)', '2 failing', '12 files changed'];

    // Then they are text
    expect(strip(rows)).toEqual(rows);
  });

  it('are kept on bare numbers one after another (`seq`)', () => {
    expect(strip(['7', '8', '9'])).toEqual(['7', '8', '9']);
  });

  it('may be a few rows apart, when the rows between are the tails of a cut line', () => {
    // Given a numbered copy cut at 8 columns: the first line's tails carry no number
    expect(strip(['1 abcdef', 'ghijklmn', 'op', '2 next'])).toEqual([
      'abcdef',
      'ghijklmn',
      'op',
      'next',
    ]);
  });

  it('are text when the rows between them are not the tails of a cut line', () => {
    const rows = ['1 abcdef', 'gh', 'ijklmnop', '2 next'];
    expect(strip(rows)).toEqual(rows);
  });

  it('are text on a tail aligned unlike the number of the row it was cut from', () => {
    // Given a `N | ` copy cut right before a `2 ` that belongs to the text
    expect(strip(['   1 | role a,,a=0_', '2 because no policy allows it'])).toEqual([
      'role a,,a=0_',
      '2 because no policy allows it',
    ]);
  });

  it('need the same style on both rows', () => {
    // Given awk's `N ` on one row and `N: ` on the next: `13: ` goes, as on any line alone
    expect(strip(['12 one', '13: two'])).toEqual(['12 one', 'two']);
  });

  it('confirm an empty row that lost its separator, and are confirmed by it', () => {
    expect(strip(['12 one', '13', '14 three'])).toEqual(['one', '', 'three']);
  });
});
