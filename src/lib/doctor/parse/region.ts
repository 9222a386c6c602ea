/**
 * Reads every denial occurrence in one region of text: removes the disguises, lays the lines
 * out, finds denial sentences and AWS error wrappers, and pairs them. A sentence inside a
 * wrapper is one occurrence with the wrapper's operation and service; a wrapper with a denial
 * code and no sentence is a denial with no detail (S3's `Access Denied`, a bare
 * `AccessDeniedException`).
 */
import { toSingleLine } from '../../text.js';
import type { DenyKind, LogWriter, PolicyType } from '../types.js';
import { findEnvelopes, type Envelope } from './envelopes.js';
import { layoutLines, pieceAt, type LogicalText } from './layout.js';
import { findStatements, type Statement } from './messages.js';
import { cleanLine, stripRowNumbers, type CleanLine } from './normalize.js';
import { parsePrincipal } from './principal.js';

/** The fields of one denial occurrence, as printed. */
export interface DenialFields {
  principal: string | null;
  action: string | null;
  operation: string | null;
  serviceHint: string | null;
  resource: string | null;
  policyType: PolicyType | null;
  deny: DenyKind | null;
  policyArn: string | null;
  encoded: boolean;
}

/** One occurrence of a denial in a region, with where it starts. */
export interface Occurrence {
  fields: DenialFields;
  /** 1-based line in the original source. */
  line: number;
  writer: LogWriter;
}

const MAX_FIELD = 2048;
// Doubtful breaks tried one by one in a region; a region with more keeps the rest as breaks.
const MAX_DOUBTS = 16;
// No wrapper's body is longer than this (see envelopes.ts).
const MAX_BODY_REACH = 4096;

function field(value: string | null): string | null {
  if (value === null) return null;
  const single = toSingleLine(value).slice(0, MAX_FIELD);
  return single === '' ? null : single;
}

/** The wrappers whose message a statement is, nearest first. `envelopes` are sorted by start. */
function holdersOf(statement: Statement, byBodyStart: Envelope[]): Envelope[] {
  // Bodies are at most a few thousand characters: only wrappers starting that far back can
  // hold the statement, found by binary search, so pairing stays linear on a flood of them.
  let low = 0;
  let high = byBodyStart.length;
  const earliest = statement.start - MAX_BODY_REACH;
  while (low < high) {
    const middle = (low + high) >> 1;
    if ((byBodyStart[middle] as Envelope).bodyStart < earliest) low = middle + 1;
    else high = middle;
  }
  const holders: Envelope[] = [];
  for (let at = low; at < byBodyStart.length; at++) {
    const envelope = byBodyStart[at] as Envelope;
    if (envelope.bodyStart > statement.start) break;
    if (holds(envelope, statement)) holders.push(envelope);
  }
  const distance = (envelope: Envelope): number => Math.abs(envelope.start - statement.start);
  return holders.sort((a, b) => distance(a) - distance(b));
}

function holds(envelope: Envelope, statement: Statement): boolean {
  if (statement.start < envelope.bodyStart || statement.start >= envelope.bodyEnd) return false;
  return envelope.placement !== 'after' || statement.start < envelope.start;
}

function fieldsOf(statement: Statement, holders: Envelope[]): DenialFields {
  const fields: DenialFields = {
    principal: statement.principal,
    action: statement.action,
    operation: statement.operation,
    serviceHint: statement.serviceHint,
    resource: statement.resource,
    policyType: statement.policyType,
    deny: statement.deny,
    policyArn: statement.policyArn,
    encoded: statement.encoded,
  };
  for (const envelope of holders) {
    fields.operation ??= envelope.operation;
    fields.serviceHint ??= envelope.serviceHint;
    fields.action ??= envelope.action;
  }
  return fields;
}

function bareFields(cluster: Envelope[]): DenialFields {
  const pick = (key: 'operation' | 'serviceHint' | 'action'): string | null =>
    cluster.find((envelope) => envelope[key] !== null)?.[key] ?? null;
  return {
    principal: null,
    action: pick('action'),
    operation: pick('operation'),
    serviceHint: pick('serviceHint'),
    resource: null,
    policyType: null,
    deny: null,
    policyArn: null,
    encoded: false,
  };
}

function sanitize(fields: DenialFields): DenialFields {
  return {
    ...fields,
    principal: field(fields.principal),
    action: field(fields.action),
    operation: field(fields.operation),
    serviceHint: field(fields.serviceHint),
    resource: field(fields.resource),
    policyArn: field(fields.policyArn),
  };
}

/** Intervals merged and sorted, for overlap questions in logarithmic time. */
class Intervals {
  private readonly starts: number[] = [];
  private readonly ends: number[] = [];

  constructor(intervals: (readonly [number, number])[]) {
    const sorted = [...intervals].sort((a, b) => a[0] - b[0]);
    for (const [start, end] of sorted) {
      const last = this.ends.length - 1;
      if (last >= 0 && start <= (this.ends[last] as number)) {
        this.ends[last] = Math.max(this.ends[last] as number, end);
      } else {
        this.starts.push(start);
        this.ends.push(end);
      }
    }
  }

  /** Whether [start, end) overlaps any interval. */
  overlaps(start: number, end: number): boolean {
    let low = 0;
    let high = this.starts.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if ((this.ends[middle] as number) <= start) low = middle + 1;
      else high = middle;
    }
    return low < this.starts.length && (this.starts[low] as number) < end;
  }
}

// How far around an occurrence its line is searched for a wrapper the agent never prints.
const LINE_REACH = 4096;
// The agent repeats buildspec commands (`Running command echo …`, `Error while executing
// command: …`): what follows is the build's text, echoed, not an error the agent got.
const AGENT_ECHO =
  /^[^\n]{0,120}?(?:Running command |Command did not exit successfully |Error while executing command: )/;

/**
 * Whether an occurrence reads as the CodeBuild agent's own report of an error. Its line must
 * have the agent's prefix, and nothing on it may say a tool of the build printed it: the agent
 * prints no CLI or SDK wrapper but its own Go SDK v1 one, and no stack trace, so such text is
 * build output whatever its prefix. This is still a shape: a build can print a line exactly
 * like the agent's, which is why `aws` is never taken as proof (see provenance.ts).
 */
class AgentCheck {
  private toolWrappers: Intervals | null = null;

  constructor(
    private readonly layout: LogicalText,
    private readonly envelopes: Envelope[],
  ) {}

  wrote(occurrence: Found, piece: number): boolean {
    if (this.layout.writers[piece] !== 'aws') return false;
    if (occurrence.wrappers.some((envelope) => !envelope.agentForm)) return false;

    const { text } = this.layout;
    const lineStart = this.layout.starts[piece] ?? 0;
    if (AGENT_ECHO.test(text.slice(lineStart, Math.min(occurrence.start, lineStart + 200)))) {
      return false;
    }
    const newline = text.indexOf('\n', occurrence.start);
    const reach = occurrence.start + LINE_REACH;
    const lineEnd = newline === -1 || newline > reach ? Math.min(text.length, reach) : newline;
    this.toolWrappers ??= new Intervals(
      this.envelopes
        .filter((envelope) => !envelope.agentForm)
        .map((envelope) => [envelope.start, envelope.end] as const),
    );
    return !this.toolWrappers.overlaps(Math.max(lineStart, occurrence.start - LINE_REACH), lineEnd);
  }
}

/** Groups wrappers of one error (the CLI line and the JSON body it quotes) into clusters. */
function clusters(envelopes: Envelope[]): Envelope[][] {
  const groups: Envelope[][] = [];
  let current: Envelope[] = [];
  let currentEnd = -1;
  for (const envelope of envelopes) {
    if (current.length > 0 && envelope.start >= currentEnd) {
      groups.push(current);
      current = [];
    }
    current.push(envelope);
    currentEnd = Math.max(currentEnd, envelope.end);
  }
  if (current.length > 0) groups.push(current);
  return groups;
}

// What a well-formed resource looks like: an ARN with all six parts, `*`, `role NAME`.
const WHOLE_RESOURCE = /^(?:arn:[^:\s]+:[^:\s]*:[^:\s]*:[^:\s]*:\S|\*$|[a-z][a-z-]{1,30} \S)/;

/** One occurrence read from a laid-out text, at an offset into it. */
interface Found {
  start: number;
  fields: DenialFields;
  /** A wrapper with no sentence: a denial with no detail. */
  bare: boolean;
  /** The wrappers around it: those holding its sentence, or those it is made of. */
  wrappers: Envelope[];
}

/** The occurrences in a laid-out text, and every wrapper found in it. */
interface Reading {
  found: Found[];
  envelopes: Envelope[];
}

/**
 * How much a reading of a region tells: sentences and the fields they carry, well-formed ones
 * (a principal AWS could print, a whole ARN) above fragments. A wrapper with no sentence counts
 * little: a cut that splits a sentence away from its wrapper makes one. Each wrapper that names
 * an operation counts once, however many sentences take it: a cut inside the wrapper's words
 * (`when calling the PutObject oper` / `ation:`) loses it, while gluing a line of its own to a
 * wrapped line before it only lends that line's operation to a second sentence.
 */
function score(found: Found[]): number {
  let total = 0;
  const operations = new Set<Envelope | Found>();
  for (const occurrence of found) {
    const { fields, bare } = occurrence;
    if (bare) {
      total += 1;
      continue;
    }
    total += 10;
    if (fields.principal !== null) {
      total += parsePrincipal(fields.principal).principalType === null ? 1 : 2;
    }
    if (fields.resource !== null) total += WHOLE_RESOURCE.test(fields.resource) ? 2 : 1;
    for (const value of [fields.action, fields.policyType, fields.deny, fields.policyArn]) {
      if (value !== null) total += 1;
    }
    if (fields.encoded) total += 1;
    if (fields.operation !== null) {
      const namer = occurrence.wrappers.find((envelope) => envelope.operation !== null);
      operations.add(namer ?? occurrence);
    }
  }
  return total + operations.size;
}

/** Pairs sentences with wrappers in a laid-out text; offsets are into that text. */
export function readOccurrences(text: string): Reading {
  const statements = findStatements(text);
  const envelopes = findEnvelopes(text);
  const used = new Set<Envelope>();
  const found: Found[] = [];

  const byBodyStart = [...envelopes].sort((a, b) => a.bodyStart - b.bodyStart);
  for (const statement of statements) {
    const holders = holdersOf(statement, byBodyStart);
    if (statement.weak && holders.length === 0 && !statement.encoded) continue;
    holders.forEach((envelope) => used.add(envelope));
    const opener = holders.find((envelope) => envelope.placement === 'before');
    const start = Math.min(statement.start, opener?.start ?? statement.start);
    found.push({ start, fields: fieldsOf(statement, holders), bare: false, wrappers: holders });
  }

  // A wrapper that overlaps a sentence or a used wrapper belongs to that denial already.
  const taken = new Intervals([
    ...statements.map((statement) => [statement.start, statement.end] as const),
    ...[...used].map((envelope) => [envelope.start, envelope.end] as const),
  ]);
  const bare = envelopes.filter((envelope) => !used.has(envelope));
  for (const cluster of clusters(bare)) {
    if (!cluster.some((envelope) => envelope.denial)) continue;
    const start = Math.min(...cluster.map((envelope) => envelope.start));
    const end = Math.max(...cluster.map((envelope) => envelope.end));
    if (taken.overlaps(start, end)) continue;
    found.push({ start, fields: bareFields(cluster), bare: true, wrappers: cluster });
  }
  return { found: found.sort((left, right) => left.start - right.start), envelopes };
}

/**
 * Reads the denials in a region of text. `firstLine` is the 1-based line of the region's first
 * line in the original source; `writer`, when given, is who wrote every line (a stack event).
 */
export function parseRegion(text: string, firstLine: number, writer?: LogWriter): Occurrence[] {
  const cleaned: CleanLine[] = [];
  text.split('\n').forEach((raw, index) => {
    cleaned.push(...cleanLine(raw, firstLine + index, writer));
  });
  const lines = stripRowNumbers(cleaned);
  let layout = layoutLines(lines);
  let reading = readOccurrences(layout.text);
  let best = score(reading.found);
  // A line of the widest width followed by one that reads like a line of its own may have
  // been cut there, or just be long. Each such break is glued if that reads more (a sentence
  // whose keyword the cut split, a reason clause after a split resource); on a tie the line is
  // taken as it stands. Two passes, as one glue can make another worth it.
  let glue = new Set<number>();
  const doubts = layout.doubtful.slice(0, MAX_DOUBTS);
  for (let pass = 0; pass < 2 && doubts.length > 0; pass++) {
    let changed = false;
    for (const doubt of doubts) {
      if (glue.has(doubt)) continue;
      const trial = new Set(glue).add(doubt);
      const glued = layoutLines(lines, { glue: trial });
      const gluedReading = readOccurrences(glued.text);
      const gluedScore = score(gluedReading.found);
      if (gluedScore > best) {
        [glue, layout, reading, best, changed] = [trial, glued, gluedReading, gluedScore, true];
      }
    }
    if (!changed) break;
  }

  const agent = new AgentCheck(layout, reading.envelopes);
  return reading.found.map((occurrence) => {
    const piece = pieceAt(layout, occurrence.start);
    return {
      fields: sanitize(occurrence.fields),
      line: layout.lines[piece] ?? firstLine,
      writer: writer ?? (agent.wrote(occurrence, piece) ? 'aws' : 'build'),
    };
  });
}
