/**
 * The shapes `doctor` works with, from a raw denial found in a log to the report it prints.
 * The JSON Schema in `schemas/doctor.schema.json` describes the same report; keep them in step.
 */

/** Who was denied, as far as the printed principal tells. */
export type PrincipalType =
  'assumed-role' | 'role' | 'user' | 'federated-user' | 'root' | 'service' | 'anonymous';

/** The kind of policy AWS says denied the request. */
export type PolicyType =
  'identity' | 'resource' | 'boundary' | 'scp' | 'rcp' | 'session' | 'vpc-endpoint';

/** `implicit`: no statement allowed it; `explicit`: a Deny statement matched. */
export type DenyKind = 'implicit' | 'explicit';

/**
 * Who the text a denial was read from looks written by. `aws`: a shape only AWS's own tooling
 * prints: text an AWS API returned (stack events, action error details), or a CodeBuild agent
 * `[Container]` line reporting an error the agent got (no CLI or SDK wrapper, stack trace or
 * echoed buildspec command on it). `build`: anything else. Neither is proof: the build writes
 * to the same log and a pull request can print whatever it likes, in AWS's format too.
 */
export type LogWriter = 'aws' | 'build';

/** Where a denial was first seen. */
export interface DenialSource {
  /** The log file's path as given, `-` for standard input, or an AWS source such as `stack-events:NAME`. */
  file: string;
  /** 1-based line of the first occurrence in that source. */
  line: number;
  writer: LogWriter;
}

/** One distinct access denial as read from text, before it is explained. */
export interface ParsedDenial {
  /** The principal as printed (an ARN, `anonymous`, a masked ARN), or null. */
  principal: string | null;
  principalType: PrincipalType | null;
  /** The role's ARN (`arn:<partition>:iam::<account>:role/<name>`) when the principal is a role or a session of one. */
  roleArn: string | null;
  roleName: string | null;
  /** The principal's account when printed (12 digits), else null. */
  account: string | null;
  /** `service:Action` as printed, else null. */
  action: string | null;
  /** The API operation name when printed (`GetAuthorizationToken`), else null. */
  operation: string | null;
  /**
   * The service the operation belongs to when the text names it (`EC2` in Go's
   * `operation error EC2: …`, `Iam` in `(Service: Iam, …)`), lower-cased, else null. Used only
   * to infer `likelyAction`; it is not part of the report.
   */
  serviceHint: string | null;
  /** The resource as printed without quotes (`*`, an ARN, `role NAME`, …), or null. */
  resource: string | null;
  policyType: PolicyType | null;
  deny: DenyKind | null;
  /** The denying policy's ARN when the message ends with one. */
  policyArn: string | null;
  /** Whether an encoded authorization failure message came with the denial. */
  encoded: boolean;
  /** How many times this same denial appears in the source. */
  count: number;
  source: DenialSource;
}

/** A denial with everything the report says about it. */
export interface Denial extends Omit<ParsedDenial, 'serviceHint'> {
  /** The IAM action when only an operation name was printed and the mapping is certain. */
  likelyAction: string | null;
  /** Plain language: what was denied, why, and what to do next. */
  explanation: string;
}

/** A policy statement as IAM reads it; built only through objects, never through strings. */
export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

export interface PolicyDocument {
  Version: '2012-10-17';
  Statement: PolicyStatement[];
}

/** Why part of a patch would give the role more than the application's own scope. */
export interface RiskFinding {
  action: string;
  reason: string;
  /** The privesc catalog entry that matched, when one did. */
  technique?: string;
}

/** The smallest identity-policy change that would allow what one role was denied. */
export interface PolicyPatch {
  roleArn: string;
  roleName: string | null;
  document: PolicyDocument;
  risky: RiskFinding[];
  /** Denied actions this patch could not cover, each with the reason (masked account, malformed ARN, …). */
  uncovered?: { action: string | null; resource: string | null; reason: string }[];
  /** Related actions the denied ones usually need; shown, never added. */
  hints?: string[];
}

/** What `doctor` reports. */
export interface DoctorReport {
  denials: Denial[];
  patches: PolicyPatch[];
}
