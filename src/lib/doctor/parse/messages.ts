/**
 * The sentences AWS uses to say "access denied", read out of laid-out text. Every pattern is
 * bounded (no unbounded repetition, no nested quantifiers) because log text is untrusted, and
 * whitespace between words is optional because a fixed-width cut glued back together can leave
 * `authorizedto` where the terminal broke `authorized` / `to`.
 */
import type { DenyKind, PolicyType } from '../types.js';
import { SOFT_BREAK } from './layout.js';

/** One denial sentence found in the text, before its envelope adds context. */
export interface Statement {
  start: number;
  end: number;
  principal: string | null;
  action: string | null;
  resource: string | null;
  policyType: PolicyType | null;
  deny: DenyKind | null;
  policyArn: string | null;
  encoded: boolean;
  operation: string | null;
  serviceHint: string | null;
  /**
   * A sentence too generic to stand alone (EC2's "You are not authorized to perform this
   * operation."): a denial only inside an AWS error envelope or with an encoded message.
   */
  weak: boolean;
}

const MAX_PRINCIPAL = 512;
const MAX_RESOURCE = 2048;
const MAX_CONTINUATIONS = 8;

// `is not authorized to perform: <action>`: IAM's sentence, used by almost every service.
const IAM_SENTENCE = /is\s{0,8}not\s{0,8}authori[sz]ed\s{0,8}to\s{0,8}perform\s{0,4}:?\s{0,8}/g;
// Lambda's legacy `User doesn't have permission to call lambda:GetFunctionConfiguration`.
const PERMISSION_SENTENCE =
  /(?:does\s{1,4}not|doesn'?t)\s{1,4}have\s{1,4}(?:the\s{1,4})?(?:required\s{1,4})?permissions?\s{1,4}to\s{1,4}(?:call|perform|invoke)?\s{0,4}:?\s{0,4}(?=[A-Za-z0-9][A-Za-z0-9-]{0,63}:[A-Za-z0-9*])/g;
// EC2's sentence, before the clear-text one (newer API versions) or the encoded message.
const EC2_SENTENCE =
  /You\s{0,4}are\s{0,4}not\s{0,4}authori[sz]ed\s{0,4}to\s{0,4}perform\s{0,4}this\s{0,4}operation\.?/g;
// Lambda reading a code bundle on CloudFormation's behalf (`permission to GetObject for b/k.`).
const S3_FOR_LAMBDA =
  /Your\s{1,4}access\s{1,4}has\s{1,4}been\s{1,4}denied\s{1,4}by\s{1,4}S3,?\s{1,4}please\s{1,4}make\s{1,4}sure\s{1,4}your\s{1,4}request\s{1,4}credentials\s{1,4}have\s{1,4}permission\s{1,4}to\s{1,4}(\w{1,64})\s{1,4}for\s{1,4}/g;
// STS web identity (GitHub OIDC): `Not authorized to perform sts:AssumeRoleWithWebIdentity`.
const STS_SENTENCE = /(?<![A-Za-z])Not\s{0,4}authori[sz]ed\s{0,4}to\s{0,4}perform\s{0,4}:?\s{0,4}/g;

const ACTION = /(?:(null|None)(?![\w:])|([A-Za-z0-9][A-Za-z0-9-]{0,63}:[A-Za-z0-9*]{1,128}))/y;
const ON_RESOURCE = /\s{0,8}on\s{0,8}resource\s{0,4}:?\s{0,8}/y;
const POLICY_KIND = String.raw`(identity-based\s{0,4}polic(?:y|ies)|resource-based\s{0,4}polic(?:y|ies)|permissions\s{0,4}boundar(?:y|ies)|session\s{0,4}polic(?:y|ies)|service\s{0,4}control\s{0,4}polic(?:y|ies)|resource\s{0,4}control\s{0,4}polic(?:y|ies)|VPC\s{0,4}endpoint\s{0,4}polic(?:y|ies))`;
const IMPLICIT = new RegExp(
  String.raw`[\s.,]{0,8}because\s{0,4}no\s{0,4}(?:applicable\s{0,4})?${POLICY_KIND}?(?:\s{0,4}allows?\s{0,4}the\s{0,4}[\w:*\u2028-]{1,200}?\s{0,4}action)?`,
  'y',
);
const EXPLICIT = new RegExp(
  String.raw`[\s.,]{0,8}with\s{0,4}an?\s{0,4}explicit\s{0,4}deny(?:\s{0,4}in\s{0,4}(?:an?\s{0,4}|the\s{0,4})?${POLICY_KIND})?(?:\s{0,4}:\s{0,4}\\{0,7}["'\`]?(arn:[^\s"'\\\`]{1,1600}))?`,
  'y',
);
// The encoded message follows the sentence, after a period, on the same line.
const ENCODED = /[^\n]{0,160}?Encoded\s{0,4}authori[sz]ation/y;

const TOKEN_STOP = /[\s"'`\\<>]/;
// A quote around a value, escaped by a log layer that was not undone (`\"`, `\\\"`), and a soft
// break where a terminal cut the line right after or before it.
const OPEN_QUOTE = /\\{0,7}(["'`])\u2028?/y;
const CLOSE_QUOTE = /\u2028?\\{0,7}(["'`])/y;
const RESOURCE_TYPE_WORD = /^[a-z][a-z-]{1,30}$/;
const KEYWORD = /^(?:(?:because|with|on|and|status)(?![\w-])|\(Service:|Encoded)/;

function policyTypeOf(phrase: string | undefined): PolicyType | null {
  if (phrase === undefined) return null;
  const words = phrase.toLowerCase().replace(/\s+/g, '');
  if (words.startsWith('identity')) return 'identity';
  if (words.startsWith('resource-based')) return 'resource';
  if (words.startsWith('permissions')) return 'boundary';
  if (words.startsWith('session')) return 'session';
  if (words.startsWith('servicecontrol')) return 'scp';
  if (words.startsWith('resourcecontrol')) return 'rcp';
  if (words.startsWith('vpc')) return 'vpc-endpoint';
  return null;
}

function isSpace(char: string | undefined): boolean {
  return char !== undefined && /\s/.test(char);
}

/** The run of token characters starting at `from`, at most `max` long. */
function tokenAt(text: string, from: number, max: number): string {
  let end = from;
  while (end < text.length && end - from < max && !TOKEN_STOP.test(text[end] as string)) end++;
  return text.slice(from, end);
}

/** Drops a keyword that a fixed-width cut glued onto the end of a token. */
function unglue(token: string, after: string): string {
  const glued: [RegExp, RegExp][] = [
    [/because$/, /^\s{0,4}no\b/],
    [/with$/, /^\s{0,4}an?\s{1,4}explicit/],
    [/on$/, /^\s{0,4}resource\s{0,4}:/],
    [/\.?Encoded$/, /^\s{0,4}authori[sz]ation/],
  ];
  for (const [tail, next] of glued) {
    const cut = tail.exec(token);
    if (cut !== null && cut.index > 0 && next.test(after)) return token.slice(0, cut.index);
  }
  return token;
}

function trimResource(value: string): string {
  let current = value.replace(/[.,;]+$/, '');
  for (const [open, close] of [
    ['(', ')'],
    ['[', ']'],
    ['{', '}'],
  ] as const) {
    while (current.endsWith(close) && current.split(open).length <= current.split(close).length) {
      current = current.slice(0, -1);
    }
  }
  return current;
}

function isIncompleteArn(token: string): boolean {
  if (!token.startsWith('arn:')) return false;
  return token.split(':').length < 6 || /[:/-]$/.test(token);
}

/**
 * The resource after `on resource:`, as printed without quotes; `end` is where it stops in
 * `text`, after a closing quote. S3's current message quotes the ARN (`on resource:
 * "arn:aws:s3:::b/k"`); a quoted resource reads exactly like an unquoted one.
 */
export function readResource(text: string, from: number): { value: string | null; end: number } {
  OPEN_QUOTE.lastIndex = from;
  const open = OPEN_QUOTE.exec(text);
  if (open === null) return readBareResource(text, from);

  const resource = readBareResource(text, from + open[0].length);
  if (resource.value === null) return { value: null, end: from };
  // The closing quote may be missing (a message cut short); then the resource ends as read.
  const quote = open[1] as string;
  CLOSE_QUOTE.lastIndex = resource.end;
  const close = CLOSE_QUOTE.exec(text);
  const closed = close !== null && close[1] === quote;
  return { value: resource.value, end: closed ? resource.end + close[0].length : resource.end };
}

function readBareResource(text: string, from: number): { value: string | null; end: number } {
  let token = tokenAt(text, from, MAX_RESOURCE);
  let end = from + token.length;
  if (token === '') return { value: null, end: from };
  token = unglue(token, text.slice(end, end + 32));
  end = from + token.length;

  // An ARN cut at a soft break (a wrap the layout could not prove) continues on the next line.
  for (let step = 0; step < MAX_CONTINUATIONS && isIncompleteArn(token); step++) {
    if (text[end] !== SOFT_BREAK) break;
    const next = tokenAt(text, end + 1, MAX_RESOURCE);
    if (next === '' || KEYWORD.test(next)) break;
    const kept = unglue(next, text.slice(end + 1 + next.length, end + 33 + next.length));
    token += kept;
    end += 1 + kept.length;
  }

  // IAM names some resources by type and name: `role cdk-hnb659fds-…`, `policy my-policy`.
  if (RESOURCE_TYPE_WORD.test(token) && !KEYWORD.test(token) && text[end] === ' ') {
    const name = tokenAt(text, end + 1, MAX_RESOURCE);
    if (name !== '' && !KEYWORD.test(name)) {
      const kept = unglue(name, text.slice(end + 1 + name.length, end + 33 + name.length));
      return { value: trimResource(`${token} ${kept}`), end: end + 1 + kept.length };
    }
  }
  return { value: trimResource(token) || null, end };
}

/** The principal printed just before `at` (`User: <principal> is not authorized…`). */
export function readPrincipalBefore(
  text: string,
  at: number,
): { value: string | null; start: number } {
  let end = at;
  while (end > 0 && at - end < 16 && isSpace(text[end - 1])) end--;
  let start = end;
  while (start > 0 && end - start < MAX_PRINCIPAL && !TOKEN_STOP.test(text[start - 1] as string)) {
    start--;
  }
  let token = text.slice(start, end);

  // A fixed-width cut the layout could not prove leaves the ARN split over soft breaks.
  for (let step = 0; step < MAX_CONTINUATIONS; step++) {
    if (token.startsWith('arn:') || token.includes('User:') || token === 'anonymous') break;
    if (text[start - 1] !== SOFT_BREAK) break;
    let previous = start - 1;
    while (
      previous > 0 &&
      start - previous < MAX_PRINCIPAL &&
      !TOKEN_STOP.test(text[previous - 1] as string)
    ) {
      previous--;
    }
    const piece = text.slice(previous, start - 1);
    if (piece === '') break;
    token = piece + token;
    start = previous;
  }

  const label = token.lastIndexOf('User:');
  if (label !== -1) {
    return { value: token.slice(label + 'User:'.length) || null, start: start + label };
  }
  token = token.replace(/^[([{<]+/, '');
  let before = start;
  while (before > 0 && start - before < 8 && isSpace(text[before - 1])) before--;
  const labelled = text.slice(Math.max(0, before - 5), before) === 'User:';
  if (labelled) return { value: token || null, start: before - 5 };
  if (token.startsWith('arn:') || token === 'anonymous') return { value: token, start };
  return { value: null, start: at };
}

/** Reads the `because no …` / `with an explicit deny in …` clause and what follows it. */
function readReason(
  text: string,
  from: number,
): Pick<Statement, 'policyType' | 'deny' | 'policyArn' | 'end'> {
  EXPLICIT.lastIndex = from;
  const explicit = EXPLICIT.exec(text);
  if (explicit !== null) {
    return {
      deny: 'explicit',
      policyType: policyTypeOf(explicit[1]),
      policyArn: explicit[2] === undefined ? null : trimResource(explicit[2]),
      end: from + explicit[0].length,
    };
  }
  IMPLICIT.lastIndex = from;
  const implicit = IMPLICIT.exec(text);
  if (implicit !== null) {
    return {
      deny: 'implicit',
      policyType: policyTypeOf(implicit[1]),
      policyArn: null,
      end: from + implicit[0].length,
    };
  }
  return { deny: null, policyType: null, policyArn: null, end: from };
}

function followedByEncoded(text: string, from: number): boolean {
  ENCODED.lastIndex = from;
  return ENCODED.test(text);
}

function readAction(text: string, from: number): { value: string | null; end: number } | null {
  ACTION.lastIndex = from;
  const match = ACTION.exec(text);
  if (match === null) return null;
  if (match[1] !== undefined) return { value: null, end: from + match[0].length };
  const end = from + match[0].length;
  const action = unglue(match[0], text.slice(end, end + 32));
  return { value: action, end: from + action.length };
}

function emptyStatement(start: number, end: number): Statement {
  return {
    start,
    end,
    principal: null,
    action: null,
    resource: null,
    policyType: null,
    deny: null,
    policyArn: null,
    encoded: false,
    operation: null,
    serviceHint: null,
    weak: false,
  };
}

/** `User: P is not authorized to perform: A [on resource: R] [because …|with an explicit deny …]`. */
function readIamSentences(text: string, found: Statement[]): void {
  for (const match of text.matchAll(IAM_SENTENCE)) {
    const action = readAction(text, match.index + match[0].length);
    if (action === null) continue;
    const principal = readPrincipalBefore(text, match.index);
    const statement = emptyStatement(principal.start, action.end);
    statement.principal = principal.value;
    statement.action = action.value;

    let cursor = action.end;
    ON_RESOURCE.lastIndex = cursor;
    const on = ON_RESOURCE.exec(text);
    if (on !== null) {
      const resource = readResource(text, cursor + on[0].length);
      statement.resource = resource.value;
      cursor = resource.value === null ? cursor : resource.end;
    }
    const reason = readReason(text, cursor);
    Object.assign(statement, reason);
    statement.encoded = followedByEncoded(text, reason.end);
    found.push(statement);
  }
}

function readPermissionSentences(text: string, found: Statement[]): void {
  for (const match of text.matchAll(PERMISSION_SENTENCE)) {
    const action = readAction(text, match.index + match[0].length);
    if (action === null) continue;
    const principal = readPrincipalBefore(text, match.index);
    const statement = emptyStatement(Math.min(principal.start, match.index), action.end);
    statement.principal = principal.value;
    statement.action = action.value;
    found.push(statement);
  }
}

function readEc2Sentences(text: string, found: Statement[]): void {
  const iamStarts = found.map((statement) => statement.start).sort((a, b) => a - b);
  for (const match of text.matchAll(EC2_SENTENCE)) {
    const end = match.index + match[0].length;
    // Newer EC2 API versions follow with the clear-text IAM sentence, which carries it all.
    const next = iamStarts[firstAtOrAfter(iamStarts, end)];
    if (next !== undefined && next - end <= 16) continue;
    const statement = emptyStatement(match.index, end);
    statement.encoded = followedByEncoded(text, end);
    statement.weak = true;
    found.push(statement);
  }
}

/** The index of the first value >= `at` in ascending `values`. */
function firstAtOrAfter(values: number[], at: number): number {
  let low = 0;
  let high = values.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if ((values[middle] as number) < at) low = middle + 1;
    else high = middle;
  }
  return low;
}

function readS3ForLambda(text: string, found: Statement[]): void {
  for (const match of text.matchAll(S3_FOR_LAMBDA)) {
    const from = match.index + match[0].length;
    const resource = tokenAt(text, from, MAX_RESOURCE);
    const statement = emptyStatement(match.index, from + resource.length);
    statement.resource = trimResource(resource) || null;
    statement.operation = match[1] ?? null;
    statement.serviceHint = 's3';
    found.push(statement);
  }
}

function readStsSentences(text: string, found: Statement[]): void {
  for (const match of text.matchAll(STS_SENTENCE)) {
    const action = readAction(text, match.index + match[0].length);
    if (action === null || action.value === null) continue;
    const statement = emptyStatement(match.index, action.end);
    statement.action = action.value;
    found.push(statement);
  }
}

/** Every denial sentence in the text, in order of where it starts. */
export function findStatements(text: string): Statement[] {
  const found: Statement[] = [];
  readIamSentences(text, found);
  readPermissionSentences(text, found);
  readEc2Sentences(text, found);
  readS3ForLambda(text, found);
  readStsSentences(text, found);
  return found.sort((left, right) => left.start - right.start);
}
