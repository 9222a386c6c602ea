/**
 * The prefilter's promise: one cut anywhere in a denial (a terminal wrap, a chunk boundary)
 * leaves at least one trigger fragment whole, and a fragment split between two chunks is still
 * found.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { SEAM_BYTES, TRIGGERS, findTriggers } from '../../../src/lib/doctor/parse/triggers.js';
import { CORPUS, caseText } from './corpus.js';
import { syntheticDenialArb } from './disguises.js';

describe('the trigger fragments', () => {
  it('survive one cut anywhere in a denial, whichever tool printed it', () => {
    fc.assert(
      fc.property(syntheticDenialArb, fc.double({ min: 0, max: 1, noNaN: true }), (denial, at) => {
        // Given a denial line cut once, anywhere, by a newline and a console prefix
        const position = Math.floor(at * denial.line.length);
        const text = `${denial.line.slice(0, position)}\n  12 | ${denial.line.slice(position)}`;

        // Then some fragment is still whole
        expect(TRIGGERS.some((trigger) => text.includes(trigger))).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('appear in every corpus case that holds a denial, wrapped ones included', () => {
    // Given the positive corpus cases (017's table column cuts "authorized" from "to", and
    // still leaves "User: " whole), Then each holds a fragment
    for (const corpusCase of CORPUS.filter((c) => c.denials.length > 0)) {
      const text = caseText(corpusCase.file);
      expect(
        TRIGGERS.some((trigger) => text.includes(trigger)),
        corpusCase.file,
      ).toBe(true);
    }
  });

  it('are found when a chunk boundary splits one', () => {
    // Given "User: " split after its third byte between two chunks
    const previous = Buffer.from('log line\nUse');
    const view = Buffer.concat([previous, Buffer.from('r: arn:aws:iam::123456789012:root')]);

    // When only the new bytes are searched (with the seam before them)
    const hits = findTriggers(view, previous.length, SEAM_BYTES);

    // Then the split fragment is reported where it starts, and nothing twice
    expect(hits).toEqual([view.indexOf('User: ')]);
    expect(findTriggers(view, view.length, SEAM_BYTES)).toEqual([]);
  });

  it('are at most six bytes, each starting with a byte rare in logs (the speed contract)', () => {
    for (const trigger of TRIGGERS) {
      expect(trigger.length).toBeLessThanOrEqual(6);
      expect(trigger[0]).toMatch(/[A-Zxyz]/);
    }
  });
});
