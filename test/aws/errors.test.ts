import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { actionFor, toAwsError } from '../../src/lib/aws/errors.js';
import { InputError } from '../../src/lib/errors.js';
import { awsError } from '../support/aws-mock.js';

/** A shared config file with one SSO profile (`dev`) and one key-based profile (`ci`). */
const CONFIG = `[profile dev]
sso_session = corp
sso_account_id = 123456789012
sso_role_name = Developer
region = eu-west-1

[sso-session corp]
sso_start_url = https://corp.awsapps.com/start
sso_region = eu-west-1

[profile ci]
region = eu-west-1
`;

beforeEach(() => {
  const dir = mkdtempSync(join(tmpdir(), 'aiproxy-errors-'));
  writeFileSync(join(dir, 'config'), CONFIG);
  vi.stubEnv('AWS_CONFIG_FILE', join(dir, 'config'));
  vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', join(dir, 'credentials'));
  vi.stubEnv('AWS_PROFILE', undefined);
  vi.stubEnv('AWS_ENDPOINT_URL', undefined);
});
afterEach(() => vi.unstubAllEnvs());

/** What the SDK's SSO provider throws when the cached token has expired. */
function expiredSsoToken(): Error {
  return awsError(
    'CredentialsProviderError',
    'The SSO session associated with this profile has expired. To refresh this SSO session run aws sso login with the corresponding profile.',
  );
}

describe('toAwsError: credentials', () => {
  it('tells an SSO user to run aws sso login for their profile', async () => {
    // Given the dev profile signs in through SSO and its token expired
    // When the error is mapped
    const error = await toAwsError(expiredSsoToken(), { profile: 'dev' });

    // Then one line says so, and the hint is the exact command
    expect(error).toMatchObject({
      code: 'AWS_CREDENTIALS',
      exitCode: 3,
      message: 'The AWS credentials for profile dev are expired or invalid.',
      suggestions: ['Run `aws sso login --profile dev`, then run the command again.'],
    });
  });

  it('takes the profile from AWS_PROFILE when no --profile was given', async () => {
    vi.stubEnv('AWS_PROFILE', 'dev');
    const error = await toAwsError(expiredSsoToken());
    expect(error.suggestions[0]).toContain('aws sso login --profile dev');
  });

  it('gives a key-based profile the generic refresh hint, not the SSO one', async () => {
    const error = await toAwsError(
      awsError('ExpiredToken', 'The security token included in the request is expired'),
      { profile: 'ci' },
    );
    expect(error).toMatchObject({ code: 'AWS_CREDENTIALS' });
    expect(error.suggestions.join(' ')).not.toContain('sso login');
  });

  it('says credentials are missing when no provider found any', async () => {
    const error = await toAwsError(
      awsError('CredentialsProviderError', 'Could not load credentials from any providers'),
      { profile: 'ci' },
    );
    expect(error.message).toBe('No AWS credentials found for profile ci.');
  });
});

describe('toAwsError: access denied on our own calls', () => {
  it.each([
    // [operation context, AWS message, expected message]
    [
      { service: 'cloudformation', operation: 'CreateChangeSet' },
      'User: arn:aws:sts::123456789012:assumed-role/Dev/alice is not authorized to perform: iam:PassRole on resource: arn:aws:iam::123456789012:role/aiproxy-global/exec because no identity-based policy allows the iam:PassRole action',
      'Access denied: the caller lacks iam:PassRole on arn:aws:iam::123456789012:role/aiproxy-global/exec (no identity-based policy allows the iam:PassRole action).',
    ],
    [
      { service: 'cloudformation', operation: 'DescribeStacks' },
      'Access Denied',
      'Access denied: the caller lacks cloudformation:DescribeStacks.',
    ],
    [
      { service: 's3', operation: 'HeadObject' },
      'Forbidden',
      'Access denied: the caller lacks s3:GetObject.',
    ],
  ])('%o → names the missing permission', async (context, message, expected) => {
    const error = await toAwsError(awsError('AccessDenied', message, { status: 403 }), context);
    expect(error).toMatchObject({ code: 'AWS_ACCESS_DENIED', message: expected });
  });
});

describe('toAwsError: the rest', () => {
  it('passes aiproxy errors through unchanged', async () => {
    const original = new InputError('BAD', 'bad input');
    await expect(toAwsError(original)).resolves.toBe(original);
  });

  it('keeps the service message for errors it has no special wording for', async () => {
    const error = await toAwsError(awsError('ValidationError', 'Template format error'), {
      service: 'cloudformation',
      operation: 'CreateChangeSet',
    });
    expect(error).toMatchObject({
      code: 'AWS_ERROR',
      message: 'cloudformation:CreateChangeSet failed: ValidationError: Template format error',
    });
  });

  it('gives every other error a next step, and blames an unparseable answer on the endpoint', async () => {
    const validation = await toAwsError(awsError('ValidationError', 'No export named X found'), {
      service: 'cloudformation',
      operation: 'ExecuteChangeSet',
    });
    const html = await toAwsError(
      Object.assign(new SyntaxError("Unexpected token '<'"), {
        message: "Unexpected token '<'\n  Deserialization error: to see the raw response…",
      }),
      { service: 'codepipeline', operation: 'ListPipelineExecutions' },
    );
    const server = await toAwsError(awsError('InternalFailure', 'oops', { status: 503 }));

    expect(validation.suggestions).toEqual([
      'AWS rejected a value in the request: the message names it.',
      expect.stringContaining('--verbose'),
    ]);
    expect(html.suggestions[0]).toMatch(/^The endpoint did not answer like AWS/);
    expect(server.suggestions[0]).toContain('HTTP 503');
  });

  it('maps operations to IAM actions, S3 exceptions included', () => {
    expect(actionFor('cloudformation', 'ExecuteChangeSet')).toBe('cloudformation:ExecuteChangeSet');
    expect(actionFor('s3', 'ListObjectsV2')).toBe('s3:ListBucket');
  });
});
