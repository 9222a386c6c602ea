/**
 * The wrappers AWS tools put around a service's error message: the CLI's `An error occurred
 * (Code) when calling the Op operation:`, Go SDK v2's `operation error SVC: Op, https response
 * error StatusCode: 403, …`, Go SDK v1's `Code: message\n\tstatus code: 403, request id: …`, the
 * Java and CloudFormation handler suffix `(Service: X; Status Code: 403; Error Code: Code; …)`,
 * JSON error bodies, CloudFormation's `API: svc:Action` and handler messages, and .NET/Java
 * exception classes. An envelope gives a denial its operation and service, and, with a denial
 * code, makes a message with no detail at all (`Access Denied`, `None`) a denial.
 *
 * Only AWS-specific wrappers count: `AccessDeniedException` alone is also a Spring class.
 */

/** An AWS error wrapper found in the text. */
export interface Envelope {
  /** Where the wrapper's own text starts. */
  start: number;
  /** Where the wrapper's own text (and, for a prefix, its message) ends. */
  end: number;
  /** A statement starting in [bodyStart, bodyEnd) is the message this wrapper carries. */
  bodyStart: number;
  bodyEnd: number;
  /**
   * `before`: the wrapper comes before its message (and so is where the denial starts);
   * `after`: it follows its message (Java's `(Service: …)`); `around`: a JSON body, either way.
   */
  placement: 'before' | 'after' | 'around';
  /** The wrapper alone says the request was denied (a denial error code, a 403 `Forbidden`). */
  denial: boolean;
  operation: string | null;
  serviceHint: string | null;
  /** `service:Action` when the wrapper names it (CloudFormation's `API: iam:CreateRole`). */
  action: string | null;
  /**
   * Whether the CodeBuild agent prints errors in this shape. The agent is a Go program on the
   * AWS SDK for Go v1 (`Code: message` then `status code: 403, request id: …`); it never prints
   * the CLI's `An error occurred (…)`, another SDK's wrapper or a stack trace, so such text on
   * a `[Container]` line is the build's own output.
   */
  agentForm: boolean;
}

const DENIAL_CODE =
  /^(?:Client\.)?(?:AccessDenied(?:Exception|Fault)?|UnauthorizedOperation|AuthorizationError(?:Exception)?)$/;
const MAX_BODY = 3000;
// A prefix wrapper carries the sentence that starts right after it, give or take a preamble
// (`AccessDeniedException: `, EC2's `You are not authorized to perform this operation. `).
const MAX_PREAMBLE = 200;

const CLI_ERROR =
  /An\s{1,4}error\s{1,4}occurred\s{0,4}\(([\w.]{1,64})\)(?:\s{0,4}\(reached max retries: \d{1,4}\))?\s{1,4}when\s{1,4}calling\s{1,4}the\s{1,4}(\w{1,64})\s{1,4}operation(?:\s{0,4}\(reached max retries: \d{1,4}\))?\s{0,4}:?/g;
const OLD_CLI_ERROR =
  /A\s{1,4}client\s{1,4}error\s{0,4}\(([\w.]{1,64})\)\s{1,4}occurred\s{1,4}when\s{1,4}calling\s{1,4}the\s{1,4}(\w{1,64})\s{1,4}operation\s{0,4}:?/g;
const GO_V2_ERROR =
  /operation\s{0,4}error\s{1,4}([A-Za-z0-9][\w .-]{0,40}?):\s{0,4}(\w{1,64}),\s{0,4}(?:exceeded maximum number of attempts,\s{0,4}\d{1,4},\s{0,4})?https\s{0,4}response\s{0,4}error\s{0,4}StatusCode:\s{0,4}(\d{3}),\s{0,4}RequestID:\s{0,4}[\w-]{0,64},\s{0,4}(?:HostID:\s{0,4}[^,\s]{0,256},\s{0,4})?(?:api\s{0,4}error\s{0,4})?(?:([\w.]{1,64}):)?/g;
// Go SDK v1 prints `Code: message` and, on the next line, `status code: 403, request id: …`.
const GO_V1_CODE =
  /(?<![\w.$#])(AccessDenied|AccessDeniedException|UnauthorizedOperation|AuthorizationError|Forbidden):/g;
const GO_V1_STATUS = /^status\s{0,4}code:\s{0,4}(\d{3}),\s{0,4}request\s{0,4}id:/;
const JAVA_SUFFIX =
  /\(Service:\s{0,4}([^;,()\n]{1,60}?)\s{0,4}[;,]\s{0,4}Status\s{0,4}Code:\s{0,4}(\d{3})\s{0,4}[;,]\s{0,4}(?:Error\s{0,4}Code:\s{0,4}([\w.]{1,64})\s{0,4}[;,]\s{0,4})?Request\s{0,4}ID:/g;
// A JSON error body or CloudTrail record: `"__type":"…#AccessDeniedException"`, `"errorCode":…`.
const JSON_CODE =
  /"(?:__type|[cC]ode|errorCode|ErrorCode)"\s{0,4}:\s{0,4}"(?:[\w.:/-]{0,200}#)?([\w.]{1,64})"/g;
// A JavaScript SDK error as Node's inspector prints it: `__type: 'AccessDeniedException'`.
const JS_CODE = /(?<![\w$])(?:__type|[cC]ode|name)\s{0,4}:\s{0,4}'([\w.]{1,64})'/g;
const JS_CONTEXT = /\$fault|\$metadata|statusCode:\s{0,4}\d{3}|httpStatusCode/;
const XML_CODE = /<Code>([\w.]{1,64})<\/Code>/g;
// JavaScript SDK v3 stack frames name the operation: `at de_GetParameterCommandError`,
// `at deserializeAws_json1_1GetParameterCommandError`.
const JS_FRAME =
  /\bat\s{1,4}(?:async\s{1,4})?(?:de_|deserializeAws_(?:json1_[01]|restJson1|restXml|query|ec2|awsJson1_[01]|awsQuery|awsEc2|awsRestJson1|awsRestXml))([A-Z]\w{0,63}?)Command(?:Error)?\b/g;
const JS_FRAME_REACH = 1500;
// The PHP SDK: `Error executing "PutObject" on "https://…"; AWS HTTP error: …`, then the body.
const PHP_ERROR = /Error\s{1,4}executing\s{1,4}"(\w{1,64})"\s{1,4}on\s{1,4}"/g;
const CFN_API = /API:\s{0,4}([A-Za-z0-9][A-Za-z0-9-]{0,63}:[A-Za-z0-9*]{1,128})\s{0,8}/g;
const CFN_HANDLER = /Resource\s{0,4}handler\s{0,4}returned\s{0,4}message:\s{0,4}"?/g;
const CFN_HANDLER_CODE = /^\(RequestToken:[^)]{0,200}?HandlerErrorCode:\s{0,4}(\w{1,64})/;
const SDK_EXCEPTION =
  /(?:Amazon\.([A-Za-z0-9]{1,64})\.Amazon[A-Za-z0-9]{0,64}Exception|com\.amazonaws\.services\.([a-z0-9]{1,64})\.[\w.]{0,128}Exception|software\.amazon\.awssdk\.services\.([a-z0-9]{1,64})\.[\w.]{0,128}Exception|Aws::(\w{1,64})::Errors::(\w{1,64})):\s{0,4}/g;
const DENIED_BODY = /^["'\s]{0,4}(?:Access\s{0,4}Denied|AccessDenied|Forbidden)\b/;

function isDenialCode(code: string | undefined): boolean {
  return code !== undefined && DENIAL_CODE.test(code);
}

/**
 * `needle`'s first position in `text[from, from + limit)`, or -1. Searches never run to the end
 * of the text: a region full of unclosed wrappers would make that quadratic.
 */
function indexWithin(text: string, needle: string, from: number, limit: number): number {
  const found = text.slice(from, from + limit + needle.length).indexOf(needle);
  return found === -1 ? -1 : from + found;
}

/** Where the message after a prefix wrapper ends: at the next real line break. */
function messageEnd(text: string, from: number): number {
  let cursor = from;
  while (cursor < text.length && cursor - from < 16 && /\s/.test(text[cursor] as string)) cursor++;
  const newline = indexWithin(text, '\n', cursor, MAX_BODY);
  return newline === -1 ? Math.min(text.length, cursor + MAX_BODY) : newline;
}

function lineStartBefore(text: string, at: number, max: number): number {
  const from = Math.max(0, at - max);
  const newline = text.slice(from, at).lastIndexOf('\n');
  return newline === -1 ? from : from + newline + 1;
}

function prefixEnvelope(
  text: string,
  start: number,
  headerEnd: number,
  fields: Partial<Pick<Envelope, 'denial' | 'operation' | 'serviceHint' | 'action'>>,
): Envelope {
  const end = messageEnd(text, headerEnd);
  return {
    start,
    end,
    bodyStart: headerEnd,
    bodyEnd: Math.max(Math.min(end, headerEnd + MAX_PREAMBLE), headerEnd + 1),
    placement: 'before',
    denial: fields.denial ?? false,
    operation: fields.operation ?? null,
    serviceHint: fields.serviceHint ?? null,
    action: fields.action ?? null,
    agentForm: false,
  };
}

function findCliErrors(text: string, found: Envelope[]): void {
  for (const pattern of [CLI_ERROR, OLD_CLI_ERROR]) {
    for (const match of text.matchAll(pattern)) {
      const [header, code] = match;
      // The S3 HEAD family has no error body: the CLI prints the status, `(403)`.
      const denial = isDenialCode(code) || code === '403' || code === 'Forbidden';
      found.push(
        prefixEnvelope(text, match.index, match.index + header.length, {
          denial,
          operation: match[2] ?? null,
        }),
      );
    }
  }
}

function findGoErrors(text: string, found: Envelope[]): void {
  for (const match of text.matchAll(GO_V2_ERROR)) {
    const [header, service, operation, status, code] = match;
    const denial =
      isDenialCode(code) || (status === '403' && (code ?? 'Forbidden') === 'Forbidden');
    found.push(
      prefixEnvelope(text, match.index, match.index + header.length, {
        denial,
        operation: operation ?? null,
        serviceHint: service?.trim().toLowerCase() ?? null,
      }),
    );
  }

  for (const match of text.matchAll(GO_V1_CODE)) {
    const codeEnd = match.index + match[0].length;
    const status = indexWithin(text, 'status code:', codeEnd, MAX_BODY);
    if (status === -1) continue;
    const line = GO_V1_STATUS.exec(text.slice(status, status + 80));
    if (line === null) continue;
    const statusEnd = status + line[0].length;
    found.push({
      start: match.index,
      end: statusEnd,
      bodyStart: codeEnd,
      bodyEnd: status,
      placement: 'before',
      denial: match[1] !== 'Forbidden' || line[1] === '403',
      operation: null,
      serviceHint: null,
      action: null,
      agentForm: true,
    });
  }
}

function findJavaErrors(text: string, found: Envelope[]): void {
  for (const match of text.matchAll(JAVA_SUFFIX)) {
    const [, service, status, code] = match;
    const bodyStart = lineStartBefore(text, match.index, MAX_BODY / 2);
    const before = text.slice(Math.max(bodyStart, match.index - 40), match.index);
    const denial =
      isDenialCode(code) ||
      (code === undefined && status === '403' && /(?:Access\s?Denied|Forbidden)\s*$/.test(before));
    found.push({
      start: match.index,
      end: match.index + match[0].length,
      bodyStart,
      bodyEnd: match.index,
      placement: 'after',
      denial,
      operation: null,
      serviceHint: service?.trim().toLowerCase() ?? null,
      action: null,
      agentForm: false,
    });
  }
}

function findBodyErrors(text: string, found: Envelope[]): void {
  for (const pattern of [JSON_CODE, XML_CODE]) {
    for (const match of text.matchAll(pattern)) {
      const bodyStart = lineStartBefore(text, match.index, MAX_BODY);
      found.push({
        start: match.index,
        end: match.index + match[0].length,
        bodyStart,
        bodyEnd: messageEnd(text, match.index),
        placement: 'around',
        denial: isDenialCode(match[1]),
        operation: null,
        serviceHint: null,
        action: null,
        agentForm: false,
      });
    }
  }
  for (const match of text.matchAll(JS_CODE)) {
    const around = text.slice(Math.max(0, match.index - 600), match.index + 600);
    if (!JS_CONTEXT.test(around)) continue;
    // The inspected object follows the error's first line (`AccessDeniedException: …`) and
    // its stack: the wrapper spans from that line, so the stack's frames belong to it.
    const from = Math.max(0, match.index - MAX_BODY);
    const head = text.slice(from, match.index).lastIndexOf(`${match[1] ?? ''}:`);
    found.push({
      start: head === -1 ? match.index : from + head,
      end: match.index + match[0].length,
      bodyStart: Math.max(0, match.index - MAX_BODY),
      bodyEnd: match.index,
      placement: 'after',
      denial: isDenialCode(match[1]),
      operation: null,
      serviceHint: null,
      action: null,
      agentForm: false,
    });
  }
}

function findJavaScriptFrames(text: string, found: Envelope[]): void {
  for (const match of text.matchAll(JS_FRAME)) {
    // The error's first line (`AccessDeniedException: …`) is above its stack: the frame is a
    // wrapper around whatever message starts within reach before it.
    found.push({
      start: match.index,
      end: match.index + match[0].length,
      bodyStart: Math.max(0, match.index - JS_FRAME_REACH),
      bodyEnd: match.index,
      placement: 'after',
      denial: false,
      operation: match[1] ?? null,
      serviceHint: null,
      action: null,
      agentForm: false,
    });
  }
}

function findPhpErrors(text: string, found: Envelope[]): void {
  for (const match of text.matchAll(PHP_ERROR)) {
    // The error body follows on the next lines: an S3 XML document, or JSON.
    const xmlEnd = indexWithin(text, '</Error>', match.index, MAX_BODY);
    found.push({
      start: match.index,
      end: xmlEnd === -1 ? messageEnd(text, match.index) : xmlEnd + '</Error>'.length,
      bodyStart: match.index,
      bodyEnd: Math.min(text.length, match.index + MAX_BODY),
      placement: 'before',
      denial: false,
      operation: match[1] ?? null,
      serviceHint: null,
      action: null,
      agentForm: false,
    });
  }
}

function findCloudFormationErrors(text: string, found: Envelope[]): void {
  for (const match of text.matchAll(CFN_API)) {
    const headerEnd = match.index + match[0].length;
    found.push(
      prefixEnvelope(text, match.index, headerEnd, {
        denial: DENIED_BODY.test(text.slice(headerEnd, headerEnd + 32)),
        action: match[1] ?? null,
      }),
    );
  }
  for (const match of text.matchAll(CFN_HANDLER)) {
    const headerEnd = match.index + match[0].length;
    const token = indexWithin(text, '(RequestToken:', headerEnd, MAX_BODY);
    const closed = token !== -1;
    const handlerCode = closed ? CFN_HANDLER_CODE.exec(text.slice(token, token + 300)) : null;
    const bodyEnd = closed ? token : messageEnd(text, headerEnd);
    found.push({
      start: match.index,
      end: bodyEnd,
      bodyStart: headerEnd,
      bodyEnd,
      placement: 'before',
      denial:
        handlerCode?.[1] === 'AccessDenied' ||
        DENIED_BODY.test(text.slice(headerEnd, headerEnd + 32)),
      operation: null,
      serviceHint: null,
      action: null,
      agentForm: false,
    });
  }
}

function findSdkExceptions(text: string, found: Envelope[]): void {
  for (const match of text.matchAll(SDK_EXCEPTION)) {
    const headerEnd = match.index + match[0].length;
    const service = match[1] ?? match[2] ?? match[3] ?? match[4];
    // Ruby names the error code in the class: Aws::S3::Errors::AccessDenied.
    const denial =
      isDenialCode(match[5]) || DENIED_BODY.test(text.slice(headerEnd, headerEnd + 32));
    found.push(
      prefixEnvelope(text, match.index, headerEnd, {
        denial,
        serviceHint: service?.toLowerCase() ?? null,
      }),
    );
  }
}

/** Every AWS error wrapper in the text, in order of where it starts. */
export function findEnvelopes(text: string): Envelope[] {
  const found: Envelope[] = [];
  findCliErrors(text, found);
  findGoErrors(text, found);
  findJavaErrors(text, found);
  findBodyErrors(text, found);
  findJavaScriptFrames(text, found);
  findPhpErrors(text, found);
  findCloudFormationErrors(text, found);
  findSdkExceptions(text, found);
  return found.sort((left, right) => left.start - right.start);
}
