/**
 * Turns whatever the AWS SDK throws into one `AwsError` a person can act on: a single line
 * that names the flag or command that fixes it, and a stable code for scripts.
 */
import { loadSharedConfigFiles } from '@smithy/core/config';

import { AiproxyError, AwsError } from '../errors.js';

/** Which call failed, and with which profile: what the message and hints are made of. */
export interface AwsErrorContext {
  /** The IAM service prefix of the client (`cloudformation`, `iam`, `logs`, …). */
  service?: string;
  /** The API operation without the `Command` suffix (`CreateChangeSet`). */
  operation?: string;
  /** The profile in use; `AWS_PROFILE` (then `default`) when absent. */
  profile?: string;
}

/**
 * Where the client middleware records the failing call on the error, so that errors thrown
 * far from the call site still say which operation failed.
 */
export const OPERATION_TAG = Symbol.for('aiproxy.aws.operation');

/** Error names AWS uses for throttling; all are retried by the SDK before reaching us. */
const THROTTLING = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestThrottled',
  'RequestThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'SlowDown',
  'PriorResponseThrottled',
]);

/** Error names of expired or invalid (as opposed to missing) credentials. */
const BAD_CREDENTIALS = new Set([
  'ExpiredToken',
  'ExpiredTokenException',
  'TokenRefreshRequired',
  'RequestExpired',
  'InvalidClientTokenId',
  'UnrecognizedClientException',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'AuthFailure',
]);

const ACCESS_DENIED = new Set([
  'AccessDenied',
  'AccessDeniedException',
  'UnauthorizedOperation',
  'AuthorizationError',
  'Forbidden',
]);

/** Socket errors that mean the endpoint never answered. */
const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

/**
 * IAM actions whose name differs from the API operation. Almost every operation is its own
 * action (`cloudformation:CreateChangeSet`); S3's are the known exceptions.
 * https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html
 */
const ACTION_EXCEPTIONS: Record<string, string> = {
  's3:HeadObject': 's3:GetObject',
  's3:HeadBucket': 's3:ListBucket',
  's3:ListObjectsV2': 's3:ListBucket',
  's3:ListObjects': 's3:ListBucket',
  's3:DeleteObjects': 's3:DeleteObject',
  's3:GetBucketLifecycleConfiguration': 's3:GetLifecycleConfiguration',
};

/** The IAM action a call needs, e.g. `cloudformation:CreateChangeSet`. */
export function actionFor(service: string, operation: string): string {
  const action = `${service}:${operation}`;
  return ACTION_EXCEPTIONS[action] ?? action;
}

interface ErrorShape {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { attempts?: number; httpStatusCode?: number };
  [OPERATION_TAG]?: AwsErrorContext;
}

/**
 * Maps an SDK error to an {@link AwsError} (exit 3) with one clear line and a suggestion.
 * Errors that already are aiproxy errors pass through unchanged. Async because the SSO
 * hint reads the shared config file through the SDK's own loader.
 */
export async function toAwsError(
  error: unknown,
  context: AwsErrorContext = {},
): Promise<AiproxyError> {
  if (error instanceof AiproxyError) return error;

  const shape = (typeof error === 'object' && error !== null ? error : {}) as ErrorShape;
  const tagged = shape[OPERATION_TAG] ?? {};
  const ctx: AwsErrorContext = { ...tagged, ...context };
  const name = shape.name ?? 'Error';
  const message = shape.message ?? String(error);
  const profile = ctx.profile ?? process.env.AWS_PROFILE ?? 'default';

  if (message === 'Region is missing' || /region is missing/i.test(message)) {
    // A misspelt profile has no region either: name the real problem.
    const named = ctx.profile ?? process.env.AWS_PROFILE;
    if (named !== undefined && !(await profileExists(named))) return profileNotFound(named, error);
    return regionMissing(error);
  }
  if (isCredentialsError(name, message)) {
    return credentialsError(name, message, profile, error);
  }
  if (ACCESS_DENIED.has(name) || /not authorized to perform/i.test(message)) {
    return accessDenied(message, ctx, error);
  }
  if (THROTTLING.has(name)) {
    const call = callLabel(ctx);
    const attempts = shape.$metadata?.attempts;
    return new AwsError(
      'AWS_THROTTLED',
      `AWS kept throttling ${call}${attempts === undefined ? '' : ` after ${attempts} attempts`}.`,
      {
        suggestions: [
          'Wait a minute and run the command again.',
          'Raise the retry budget with AWS_MAX_ATTEMPTS=15 if this account is busy.',
        ],
        cause: error,
      },
    );
  }
  const code =
    shape.code ?? (error instanceof Error ? (error.cause as ErrorShape)?.code : undefined);
  if ((code !== undefined && UNREACHABLE.has(code)) || name === 'TimeoutError') {
    return unreachable(code ?? name, error);
  }
  return new AwsError('AWS_ERROR', `${callLabel(ctx)} failed: ${name}: ${message}`, {
    suggestions: otherErrorHints(name, message, shape.$metadata?.httpStatusCode),
    cause: error,
  });
}

/**
 * What to try for an error no rule above knows: every error names a next step. A response that
 * could not be parsed is rarely AWS's: usually a proxy or a wrong `AWS_ENDPOINT_URL`.
 */
function otherErrorHints(name: string, message: string, status: number | undefined): string[] {
  const hints: string[] = [];
  if (name === 'SyntaxError' || /Deserialization error/i.test(message)) {
    hints.push(
      `The endpoint did not answer like AWS${process.env.AWS_ENDPOINT_URL === undefined ? '' : ` (AWS_ENDPOINT_URL is ${process.env.AWS_ENDPOINT_URL})`}: check the endpoint, a proxy in between, and the region.`,
    );
  } else if (status !== undefined && status >= 500) {
    hints.push(
      `AWS answered with a server error (HTTP ${status}): run the command again in a minute.`,
    );
  } else if (name === 'ValidationError' || name === 'ValidationException') {
    hints.push('AWS rejected a value in the request: the message names it.');
  }
  hints.push(
    'Run it again with --verbose for the full error, or DEBUG=aiproxy:aws to see each call.',
  );
  return hints;
}

function callLabel(ctx: AwsErrorContext): string {
  if (ctx.service === undefined || ctx.operation === undefined) return 'AWS';
  return `${ctx.service}:${ctx.operation}`;
}

function regionMissing(cause: unknown): AwsError {
  return new AwsError('AWS_REGION_MISSING', 'No AWS region is configured.', {
    suggestions: [
      'Pass --region (for example --region eu-west-1), set AWS_REGION, or set a region in the profile.',
    ],
    cause,
  });
}

function profileNotFound(profile: string, cause: unknown): AwsError {
  return new AwsError(
    'AWS_PROFILE_NOT_FOUND',
    `No profile named ${profile} in the AWS config or credentials file.`,
    {
      suggestions: [
        'List the profiles with `aws configure list-profiles`, then pass one with --profile.',
        `Or create it: \`aws configure sso --profile ${profile}\` (or \`aws configure --profile ${profile}\`).`,
      ],
      cause,
    },
  );
}

/** Whether the shared config or credentials file has a section for the profile. */
async function profileExists(profile: string): Promise<boolean> {
  try {
    const { configFile, credentialsFile } = await loadSharedConfigFiles({ ignoreCache: true });
    return configFile[profile] !== undefined || credentialsFile[profile] !== undefined;
  } catch {
    // Files that cannot be read say nothing either way; keep the region hint.
    return true;
  }
}

function isCredentialsError(name: string, message: string): boolean {
  return (
    name === 'CredentialsProviderError' ||
    name === 'TokenProviderError' ||
    BAD_CREDENTIALS.has(name) ||
    /security token included in the request is (expired|invalid)/i.test(message)
  );
}

async function credentialsError(
  name: string,
  message: string,
  profile: string,
  cause: unknown,
): Promise<AwsError> {
  const sso = await profileUsesSso(profile);
  const missing = name === 'CredentialsProviderError' && !/sso|expired|token/i.test(message);
  const what = missing
    ? `No AWS credentials found for profile ${profile}.`
    : `The AWS credentials for profile ${profile} are expired or invalid.`;
  const suggestions = sso
    ? [`Run \`aws sso login --profile ${profile}\`, then run the command again.`]
    : [
        'Refresh the credentials (or `aws configure`), or pick a profile with --profile.',
        'Check with `aws sts get-caller-identity`.',
      ];
  return new AwsError('AWS_CREDENTIALS', what, { suggestions, cause });
}

/**
 * Whether a profile signs in through IAM Identity Center (SSO): either the legacy
 * `sso_start_url` keys or an `sso_session` reference.
 * https://docs.aws.amazon.com/cli/latest/userguide/cli-configure-sso.html
 */
export async function profileUsesSso(profile: string): Promise<boolean> {
  try {
    const { configFile } = await loadSharedConfigFiles({ ignoreCache: true });
    const section = configFile[profile];
    if (section === undefined) return false;
    return (
      section.sso_session !== undefined ||
      section.sso_start_url !== undefined ||
      section.sso_account_id !== undefined
    );
  } catch {
    // An unreadable config is not what the user asked about; give the generic hint.
    return false;
  }
}

/**
 * AWS messages name the denied action and resource in most services:
 * "User: arn:… is not authorized to perform: iam:PassRole on resource: arn:… because …".
 * When they do, that is more precise than the operation (PassRole behind CreateChangeSet).
 */
function accessDenied(message: string, ctx: AwsErrorContext, cause: unknown): AwsError {
  const match = /not authorized to perform:?\s+([\w-]+:[\w*]+)(?:\s+on resource:?\s+(\S+))?/i.exec(
    message,
  );
  const action =
    match?.[1] ??
    (ctx.service !== undefined && ctx.operation !== undefined
      ? actionFor(ctx.service, ctx.operation)
      : undefined);
  const resource = match?.[2]?.replace(/[.,]$/, '');
  const why = /because\s+(.*)$/i.exec(message)?.[1]?.replace(/\.$/, '');

  const subject = action === undefined ? 'an AWS action' : action;
  const text =
    `Access denied: the caller lacks ${subject}` +
    (resource === undefined ? '' : ` on ${resource}`) +
    (why === undefined ? '.' : ` (${why}).`);
  return new AwsError('AWS_ACCESS_DENIED', text, {
    suggestions: [
      action === undefined
        ? 'Use credentials with the needed permission (--profile).'
        : `Grant ${action} to the caller, or use a profile that has it (--profile).`,
    ],
    cause,
  });
}

function unreachable(code: string, cause: unknown): AwsError {
  const endpoint = process.env.AWS_ENDPOINT_URL;
  const where = endpoint === undefined ? 'the AWS endpoint' : `AWS_ENDPOINT_URL (${endpoint})`;
  return new AwsError('AWS_UNREACHABLE', `Cannot reach ${where}: ${code}.`, {
    suggestions:
      endpoint === undefined
        ? ['Check the network connection, proxy settings and --region.']
        : ['Check that the endpoint is running, or unset AWS_ENDPOINT_URL.'],
    cause,
  });
}
