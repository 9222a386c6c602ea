/**
 * How `doctor` reads AWS: every call through the one client factory's clients, failures
 * mapped to `AwsError`, and a denied read of its own turned into a note that names the
 * missing permission, so the diagnosis carries on with what it could read.
 */
import type { AwsCall } from '../../aws/call.js';
import { callAws } from '../../aws/call.js';
import type { AwsContext } from '../../aws/clients.js';
import { actionFor } from '../../aws/errors.js';
import { AiproxyError } from '../../errors.js';

/** The AWS context and the notes of one diagnosis. */
export interface LiveReader {
  ctx: AwsContext;
  /** Remarks for the report: missing permissions, truncated logs, skipped reads. */
  notes: string[];
}

/** Whether an error is `AccessDenied` on one of doctor's own reads. */
export function isAccessDenied(error: unknown): error is AiproxyError {
  return error instanceof AiproxyError && error.code === 'AWS_ACCESS_DENIED';
}

/**
 * The IAM action a mapped AccessDenied names (`the caller lacks kms:Decrypt on …`): it may be
 * another than the call's own (a KMS key behind an S3 object).
 */
export function deniedAction(error: AiproxyError): string | null {
  return /the caller lacks ([\w-]+:[\w*]+)/.exec(error.message)?.[1] ?? null;
}

/** The SDK error name behind a mapped error, e.g. `NoSuchEntityException`. */
export function awsErrorName(error: unknown): string | undefined {
  const cause = error instanceof AiproxyError ? error.cause : error;
  return typeof cause === 'object' && cause !== null && 'name' in cause
    ? String(cause.name)
    : undefined;
}

/** Runs one read; failures become `AwsError`s that name the call (exit 3). */
export function read<T>(call: AwsCall, run: () => Promise<T>): Promise<T> {
  return callAws(call, run);
}

/**
 * Runs one read that the diagnosis can do without: when the caller lacks the permission, adds
 * a note naming it and `what` is skipped, and `undefined` comes back. Any other failure
 * (credentials, throttling beyond the retries, an outage) still stops the command.
 */
export async function readIfPermitted<T>(
  reader: LiveReader,
  call: AwsCall & { what: string },
  run: () => Promise<T>,
): Promise<T | undefined> {
  try {
    return await callAws(call, run);
  } catch (error) {
    if (!isAccessDenied(error)) throw error;
    // The mapped message already names the action ("the caller lacks logs:GetLogEvents on …").
    const why = error.message.replace(/^Access denied: /, '').replace(/\.$/, '');
    const action = actionFor(call.service, call.operation);
    const needs = why.includes(action) ? '' : ` (needs ${action})`;
    reader.notes.push(`Could not ${call.what}: ${why}${needs}. Carrying on without it.`);
    return undefined;
  }
}
