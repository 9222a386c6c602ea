/**
 * The spec of record: every case of the access-denied corpus gives exactly the expected
 * denials, in order of first appearance, whether the log is streamed from disk, streamed in
 * awkward chunks, or handed over as one text.
 */
import { describe, expect, it } from 'vitest';

import { openLogSource } from '../../../src/lib/doctor/log-source.js';
import { parseDenialText, scanDenials } from '../../../src/lib/doctor/parse/index.js';
import { CORPUS, caseText, casePath, comparable } from './corpus.js';
import { cut, streamOf } from './streams.js';

describe('the access-denied corpus', () => {
  describe.each(CORPUS)('$file', (corpusCase) => {
    it('gives exactly the expected denials when the file is scanned', async () => {
      // Given a real-world failure output on disk
      const path = casePath(corpusCase.file);

      // When doctor scans it
      const result = await scanDenials(await openLogSource(path), { file: path });

      // Then it reports exactly the expected denials, in order of first appearance
      expect(result.denials.map(comparable)).toEqual(corpusCase.denials);
      expect(result.denials.every((denial) => denial.source.file === path)).toBe(true);
    });

    it('gives the same denials when the stream arrives in odd-sized chunks', async () => {
      // Given the same bytes cut at awkward places (mid-word, mid-UTF-8 sequence)
      const bytes = Buffer.from(caseText(corpusCase.file), 'utf8');

      // When they are streamed a few bytes at a time
      const result = await scanDenials(streamOf(cut(bytes, [7, 1, 13, 3, 64])), {
        file: 'stream',
      });

      // Then nothing changes
      expect(result.denials.map(comparable)).toEqual(corpusCase.denials);
    });

    it('gives the same denials from parseDenialText', () => {
      // Given the whole case as one text, as an AWS API would return a message
      const text = caseText(corpusCase.file);

      // When it is parsed directly
      const denials = parseDenialText(text, { file: 'api', line: 1, writer: 'aws' });

      // Then the grammar is the scanner's: same denials, and the caller's writer is kept
      expect(denials.map(comparable)).toEqual(corpusCase.denials);
      expect(denials.every((denial) => denial.source.writer === 'aws')).toBe(true);
    });
  });
});
