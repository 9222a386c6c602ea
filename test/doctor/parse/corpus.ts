/**
 * The access-denied corpus (`test/fixtures/corpus`): real-world failure outputs and the
 * denials each must give. See the corpus README for what each field means.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import type { ParsedDenial } from '../../../src/lib/doctor/types.js';

export const CORPUS_DIR = join(import.meta.dirname, '../../fixtures/corpus');

/** The fields the corpus pins down for each denial. */
export interface ExpectedDenial {
  principal: string | null;
  action: string | null;
  resource: string | null;
  policyType: string | null;
  deny: string | null;
  encoded: boolean;
  count: number;
}

export interface CorpusCase {
  file: string;
  denials: ExpectedDenial[];
  notes: string;
}

export const CORPUS: CorpusCase[] = JSON.parse(
  readFileSync(join(CORPUS_DIR, 'expected.json'), 'utf8'),
) as CorpusCase[];

/** The text of one case file. */
export function caseText(file: string): string {
  return readFileSync(join(CORPUS_DIR, 'cases', file), 'utf8');
}

export function casePath(file: string): string {
  return join(CORPUS_DIR, 'cases', file);
}

/** A denial cut down to the fields the corpus compares. */
export function comparable(denial: ParsedDenial): ExpectedDenial {
  return {
    principal: denial.principal,
    action: denial.action,
    resource: denial.resource,
    policyType: denial.policyType,
    deny: denial.deny,
    encoded: denial.encoded,
    count: denial.count,
  };
}
