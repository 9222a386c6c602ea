/**
 * From parsed denials to the report: infer the action where only an operation was printed,
 * explain each denial, and build the patches.
 */
import { likelyActionFor, loadActionFacts } from '../policy/actions.js';
import { explainDenial } from './explain.js';
import { buildPatches, patchActions } from './patch.js';
import type { Denial, DoctorReport, ParsedDenial } from './types.js';

/** Options for {@link buildReport}. */
export interface BuildReportOptions {
  /** The application prefix that scopes the risk check. Default `aiproxy`. */
  appPrefix?: string;
}

async function enrichDenial(parsed: ParsedDenial): Promise<Denial> {
  // `serviceHint` only serves the inference; the report does not carry it.
  const { serviceHint, ...rest } = parsed;
  const likelyAction =
    parsed.action === null && parsed.operation !== null
      ? await likelyActionFor(parsed.operation, serviceHint)
      : null;
  return { ...rest, likelyAction, explanation: explainDenial(parsed, { likelyAction }) };
}

/** Adds `likelyAction` and `explanation` to each denial, in the same order. */
export async function enrichDenials(parsed: readonly ParsedDenial[]): Promise<Denial[]> {
  return Promise.all(parsed.map(enrichDenial));
}

/**
 * The offline report for a set of parsed denials: each explained, and one patch per role for
 * what an identity-policy Allow can fix. Reads the IAM reference data, nothing from AWS.
 */
export async function buildReport(
  parsed: readonly ParsedDenial[],
  options: BuildReportOptions = {},
): Promise<DoctorReport> {
  const denials = await enrichDenials(parsed);
  const facts = await loadActionFacts(patchActions(denials));
  const patches = buildPatches(denials, { ...options, facts });
  return { denials, patches };
}
