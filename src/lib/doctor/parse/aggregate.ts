/**
 * Folds occurrences into distinct denials: the same denial printed again (a retry, a wrapper
 * echoing it, a JSON copy of a plain line) raises its count instead of adding a row.
 */
import type { DenialSource, ParsedDenial } from '../types.js';
import { parsePrincipal } from './principal.js';
import type { DenialFields, Occurrence } from './region.js';

/** More distinct denials than this in one source are counted but not listed. */
export const MAX_DISTINCT_DENIALS = 1000;

// What makes two occurrences the same denial. The operation is left out (the same message is
// printed with and without `when calling the X operation`), except for a denial with no detail
// at all, where it is the only thing that tells two apart.
function keyOf(fields: DenialFields): string {
  const bare = fields.principal === null && fields.action === null && fields.resource === null;
  return JSON.stringify([
    fields.principal,
    fields.action,
    fields.resource,
    fields.policyType,
    fields.deny,
    fields.policyArn,
    fields.encoded,
    bare ? fields.operation : null,
  ]);
}

/** Collects occurrences from one source, in order of first appearance. */
export class DenialAggregator {
  private readonly byKey = new Map<string, ParsedDenial>();
  /** Occurrences of denials past {@link MAX_DISTINCT_DENIALS}, counted but not listed. */
  unlisted = 0;

  constructor(
    private readonly file: string,
    private readonly limit = MAX_DISTINCT_DENIALS,
  ) {}

  add(occurrence: Occurrence): void {
    const key = keyOf(occurrence.fields);
    const known = this.byKey.get(key);
    if (known !== undefined) {
      known.count++;
      known.operation ??= occurrence.fields.operation;
      known.serviceHint ??= occurrence.fields.serviceHint;
      return;
    }
    if (this.byKey.size >= this.limit) {
      this.unlisted++;
      return;
    }
    const source: DenialSource = {
      file: this.file,
      line: occurrence.line,
      writer: occurrence.writer,
    };
    const principal =
      occurrence.fields.principal === null
        ? { principalType: null, roleArn: null, roleName: null, account: null }
        : parsePrincipal(occurrence.fields.principal);
    this.byKey.set(key, { ...occurrence.fields, ...principal, count: 1, source });
  }

  /** The distinct denials, in order of first appearance. */
  get denials(): ParsedDenial[] {
    return [...this.byKey.values()];
  }
}
