/**
 * The disguises real build logs put on a denial, as functions over text, and generators of
 * synthetic denials whose fields are known. Used by the property tests: the same denial must
 * come out of every disguise.
 */
import fc from 'fast-check';

import type { ExpectedDenial } from './corpus.js';

const ESC = '\u001b';

/** Windows line endings. */
export function crlf(text: string): string {
  return text.replace(/\n/g, '\r\n');
}

/** Inserts colour codes at the given fractional positions (0..1) of the text. */
export function withColours(text: string, positions: number[], literal: boolean): string {
  const codes = literal
    ? ['#033[31;1m', '#033[0;m', '#033[0;33m']
    : [`${ESC}[31m`, `${ESC}[0m`, `${ESC}[1;33m`];
  const cuts = [...new Set(positions.map((p) => Math.floor(p * text.length)))].sort(
    (a, b) => a - b,
  );
  let out = '';
  let from = 0;
  cuts.forEach((cut, index) => {
    out += text.slice(from, cut) + (codes[index % codes.length] ?? '');
    from = cut;
  });
  return out + text.slice(from);
}

/**
 * How a console copy numbers its lines: `cat` is `cat -n` (and `nl -ba`, which prints the
 * same), `pipe` is `N | `, `colon` is `N: `, `space` is awk's `N ` (left-aligned, so its width
 * grows with the number).
 */
export type LineNumberStyle = 'cat' | 'pipe' | 'colon' | 'space';

/** Every {@link LineNumberStyle}. */
export const LINE_NUMBER_STYLES: readonly LineNumberStyle[] = ['cat', 'pipe', 'colon', 'space'];

/** Prefixes every line with its number, as a console copy or `cat -n` does, from `first` on. */
export function withLineNumbers(text: string, style: LineNumberStyle, first = 1): string {
  return text
    .split('\n')
    .map((line, index) => {
      const n = String(first + index);
      if (style === 'cat') return `${n.padStart(6)}\t${line}`;
      if (style === 'pipe') return `${n.padStart(4)} | ${line}`;
      if (style === 'space') return `${n} ${line}`;
      return `${n}: ${line}`;
    })
    .join('\n');
}

/** Wraps every line in a log shipper's JSON record (Docker json-file), once or twice. */
export function inShipperRecords(text: string, layers: 1 | 2): string {
  return text
    .split('\n')
    .map((line) => {
      const inner =
        layers === 2 ? JSON.stringify({ timestamp: 1700000000000, message: line }) : line;
      return JSON.stringify({ log: `${inner}\n`, stream: 'stderr', time: '2024-05-01T10:00:00Z' });
    })
    .join('\n');
}

/** Embeds one line as a JSON string value in an application's log line, escaped once or twice. */
export function inAppJson(line: string, layers: 1 | 2): string {
  const value = layers === 2 ? JSON.stringify({ error: line }) : line;
  return JSON.stringify({ level: 'error', msg: 'deploy failed', error: value });
}

/** Cuts every line longer than `width` into pieces of exactly `width`, as a terminal copy does. */
export function hardWrap(text: string, width: number): string {
  return text
    .split('\n')
    .flatMap((line) => {
      const pieces: string[] = [];
      for (let at = 0; at < line.length; at += width) pieces.push(line.slice(at, at + width));
      return pieces.length === 0 ? [''] : pieces;
    })
    .join('\n');
}

/**
 * A console copy of a terminal that cut every line at `width` columns and then numbered each
 * row (`fold -w 80 | nl -ba`): the tail of a cut line carries a number of its own.
 */
export function hardWrapThenNumber(
  text: string,
  width: number,
  style: LineNumberStyle,
  first = 1,
): string {
  return withLineNumbers(hardWrap(text, width), style, first);
}

/**
 * Whether a numbered copy shown on a terminal `width` columns wide (`cat -n | fold`), whose
 * lines are numbered from `first`, leaves a cut's tail that starts like the number of the line
 * after its own (`2 because …` after row `1 …`): any reader takes that tail for a numbered row.
 */
export function tailLooksNumbered(numbered: string, width: number, first: number): boolean {
  return numbered.split('\n').some((line, index) => {
    const next = String(first + index + 1);
    const looksNumbered = new RegExp(String.raw`^ {0,8}${next}(?:\t| {0,2}[|│]|:(?: |$)| |$)`);
    return hardWrap(line, width)
      .split('\n')
      .slice(1)
      .some((tail) => looksNumbered.test(tail));
  });
}

/** The text printed `times` times (a retry loop, a wrapper echoing it). */
export function repeated(text: string, times: number, separator: string): string {
  return Array.from({ length: times }, () => text).join(separator);
}

/** Ordinary build output, including lines that look like denials but are not. */
export const NOISE_LINES: readonly string[] = [
  '[Container] 2024/05/01 10:00:00.123456 Running command npm ci',
  'npm WARN deprecated inflight@1.0.6: This module is not supported, and leaks memory.',
  'Step 5/12 : RUN pip install -r requirements.txt',
  ' ---> Running in 4f2c1d9e8a7b',
  '',
  'PASS src/components/Button.test.tsx (5.123 s)',
  '{"level":"info","ts":1635238509.11,"msg":"reconciled","name":"web"}',
  'toomanyrequests: You have reached your pull rate limit.',
  'denied: requested access to the resource is denied',
  "ERROR 1045 (28000): Access denied for user 'root'@'localhost' (using password: NO)",
  'org.springframework.security.access.AccessDeniedException: Access is denied',
  "+ grep -q -E 'AccessDenied|UnauthorizedOperation|AuthorizationError'",
  'test/integ/test_cli.py::TestAttachment::test_s3_cross_account_access_denied PASSED [ 60%]',
  "fatal: unable to access 'https://github.com/org/repo/': The requested URL returned error: 403",
  '    at Object.<anonymous> (/codebuild/output/src123/src/index.js:12:3)',
];

export const noiseArb = fc.array(fc.constantFrom(...NOISE_LINES), { maxLength: 6 });

// ---- synthetic denials -----------------------------------------------------------------

/** A synthetic denial line and the fields the parser must read from it. */
export interface SyntheticDenial {
  line: string;
  expected: ExpectedDenial;
  /** The operation the line's wrapper names, if any. */
  operation: string | null;
  /** The line's first words, after at most a label (`Error:`, `denied:`), are the sentence. */
  opensSentence: boolean;
}

const PARTITIONS = ['aws', 'aws-cn', 'aws-us-gov'] as const;
const SERVICES = [
  's3',
  'iam',
  'ecr',
  'ssm',
  'kms',
  'sts',
  'lambda',
  'logs',
  'execute-api',
  'waf-regional',
];
const ACTIONS = [
  'GetObject',
  'PassRole',
  'InitiateLayerUpload',
  'GetParameter',
  'Decrypt',
  'AssumeRole',
  'InvokeFunction',
  'CreateLogStream',
  'Invoke',
  'GetWebACLForResource',
];
const POLICY_PHRASES = {
  identity: 'identity-based policy',
  resource: 'resource-based policy',
  boundary: 'permissions boundary',
  session: 'session policy',
  scp: 'service control policy',
  rcp: 'resource control policy',
  'vpc-endpoint': 'VPC endpoint policy',
} as const;
type PolicyKind = keyof typeof POLICY_PHRASES;

const account = fc.stringMatching(/^[1-9]\d{11}$/);
const iamName = fc.stringMatching(/^[A-Za-z][A-Za-z0-9_+=,.@-]{0,30}[A-Za-z0-9]$/);
// A resource named by type and a name that reads as the sentence's next word (`role on`,
// `policy because`) is ambiguous to any reader: the generator leaves such names out.
const resourceName = iamName.filter(
  (name) => !/^(?:(?:because|with|on|and|status)(?![\w-])|Encoded)/.test(name),
);
const sessionName = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_+=,.@-]{0,30}[A-Za-z0-9]$/);
const requestId = fc.uuid();

const principalArb = fc.oneof(
  fc
    .tuple(fc.constantFrom(...PARTITIONS), account, iamName, sessionName)
    .map(([p, a, role, session]) => `arn:${p}:sts::${a}:assumed-role/${role}/${session}`),
  fc
    .tuple(fc.constantFrom(...PARTITIONS), account, iamName, fc.boolean())
    .map(([p, a, name, path]) => `arn:${p}:iam::${a}:user/${path ? 'team/' : ''}${name}`),
  fc.tuple(fc.constantFrom(...PARTITIONS), account).map(([p, a]) => `arn:${p}:iam::${a}:root`),
  fc
    .tuple(fc.constantFrom(...PARTITIONS), account, iamName)
    .map(([p, a, name]) => `arn:${p}:sts::${a}:federated-user/${name}`),
  fc.tuple(iamName, sessionName).map(([role, s]) => `arn:aws:sts::***:assumed-role/${role}/${s}`),
  fc.constant('anonymous'),
);

const actionArb = fc
  .tuple(fc.constantFrom(...SERVICES), fc.constantFrom(...ACTIONS))
  .map(([service, action]) => `${service}:${action}`);

const resourceArb = fc.oneof(
  fc
    .tuple(fc.constantFrom(...PARTITIONS), fc.constantFrom(...SERVICES), account, iamName, iamName)
    .map(
      ([p, service, a, type, name]) =>
        `arn:${p}:${service}:us-east-1:${a}:${type.toLowerCase()}/${name}`,
    ),
  fc.constant('*'),
  resourceName.map((name) => `role ${name}`),
  resourceName.map((name) => `policy ${name}`),
  fc.tuple(iamName, iamName).map(([a, b]) => `cfn/${a}/${b}`),
  fc.constant(null),
);

const reasonArb = fc.oneof(
  fc.constant({ deny: null, policyType: null, text: '' }),
  fc.constantFrom(...(Object.keys(POLICY_PHRASES) as PolicyKind[])).chain((kind) =>
    fc.constantFrom(
      {
        deny: 'implicit',
        policyType: kind,
        text: `because no ${POLICY_PHRASES[kind]} allows the ACTION action`,
      },
      {
        deny: 'explicit',
        policyType: kind,
        text: `with an explicit deny in a ${POLICY_PHRASES[kind]}`,
      },
    ),
  ),
);

type Envelope = 'none' | 'cli' | 'go-v2' | 'java' | 'json' | 'ecr' | 'ec2-encoded';
const envelopeArb = fc.constantFrom<Envelope>(
  'none',
  'cli',
  'go-v2',
  'java',
  'json',
  'ecr',
  'ec2-encoded',
);

/** A denial as some tool would print it on one line, with the fields it carries. */
export const syntheticDenialArb: fc.Arbitrary<SyntheticDenial> = fc
  .record({
    principal: principalArb,
    action: actionArb,
    resource: resourceArb,
    // S3's current message quotes the resource: `on resource: "arn:aws:s3:::b/k"`.
    quoted: fc.boolean(),
    reason: reasonArb,
    envelope: envelopeArb,
    requestId,
    blob: fc.stringMatching(/^[A-Za-z0-9_-]{40,200}$/),
  })
  .map(({ principal, action, resource, quoted, reason, envelope, requestId: id, blob }) => {
    const parts = [`User: ${principal} is not authorized to perform: ${action}`];
    if (resource !== null) parts.push(`on resource: ${quoted ? `"${resource}"` : resource}`);
    if (reason.text !== '') parts.push(reason.text.replace('ACTION', action));
    const message = parts.join(' ');
    const encoded = envelope === 'ec2-encoded';
    let line: string;
    switch (envelope) {
      case 'none':
        line = `Error: ${message}`;
        break;
      case 'cli':
        line = `An error occurred (AccessDeniedException) when calling the Op operation: ${message}`;
        break;
      case 'go-v2':
        line = `Error: operation error IAM: Op, https response error StatusCode: 403, RequestID: ${id}, api error AccessDenied: ${message}`;
        break;
      case 'java':
        line = `${message} (Service: Iam; Status Code: 403; Error Code: AccessDenied; Request ID: ${id})`;
        break;
      case 'json':
        line = JSON.stringify({ __type: 'AccessDeniedException', Message: message });
        break;
      case 'ecr':
        line = `denied: ${message}`;
        break;
      case 'ec2-encoded':
        line = `api error UnauthorizedOperation: You are not authorized to perform this operation. ${message}. Encoded authorization failure message: ${blob}`;
        break;
    }
    return {
      line,
      expected: {
        principal,
        action,
        resource,
        policyType: reason.policyType,
        deny: reason.deny,
        encoded,
        count: 1,
      },
      operation: envelope === 'cli' || envelope === 'go-v2' ? 'Op' : null,
      opensSentence: envelope === 'none' || envelope === 'java' || envelope === 'ecr',
    };
  });
