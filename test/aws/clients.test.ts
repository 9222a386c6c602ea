import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { PutParameterCommand } from '@aws-sdk/client-ssm';
import createDebug from 'debug';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { createAwsContext } from '../../src/lib/aws/clients.js';
import { toAwsError } from '../../src/lib/aws/errors.js';
import { callerIdentity } from '../../src/lib/aws/identity.js';
import { callerIdentityXml, fakeHttp, queryErrorXml } from '../support/fake-http.js';

const credentials = { accessKeyId: 'AKIATEST', secretAccessKey: 'test' };

/** No ambient AWS settings leak into these tests: no profile, region or endpoint. */
function isolateAwsEnvironment(): void {
  const dir = mkdtempSync(join(tmpdir(), 'aiproxy-aws-'));
  vi.stubEnv('AWS_CONFIG_FILE', join(dir, 'config'));
  vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', join(dir, 'credentials'));
  for (const name of [
    'AWS_PROFILE',
    'AWS_REGION',
    'AWS_DEFAULT_REGION',
    'AWS_ENDPOINT_URL',
    'AWS_ACCESS_KEY_ID',
    'AWS_SECRET_ACCESS_KEY',
    'AWS_SESSION_TOKEN',
    'AWS_MAX_ATTEMPTS',
    'AWS_RETRY_MODE',
  ]) {
    vi.stubEnv(name, undefined);
  }
  vi.stubEnv('AWS_EC2_METADATA_DISABLED', 'true');
}

/**
 * Runs `work` with the clock faked and fast-forwarded until it settles, so the SDK's real
 * retry backoff (seconds for throttling) is exercised without waiting for it.
 */
async function withFastBackoff<T>(work: () => Promise<T>): Promise<T> {
  vi.useFakeTimers({ toFake: ['setTimeout', 'Date'] });
  try {
    let settled = false;
    const pending = work().finally(() => (settled = true));
    void pending.catch(() => undefined);
    while (!settled) {
      await vi.advanceTimersByTimeAsync(1000);
      // Let the fake HTTP response's stream be read (real I/O callbacks).
      await new Promise((resolve) => setImmediate(resolve));
    }
    return await pending;
  } finally {
    vi.useRealTimers();
  }
}

beforeEach(isolateAwsEnvironment);
afterEach(() => vi.unstubAllEnvs());

describe('createAwsContext', () => {
  it('says who and where the caller is, counting the requests it sent', async () => {
    // Given a context whose STS answers with a user ARN in the aws partition
    const http = fakeHttp([{ status: 200, body: callerIdentityXml() }]);
    const ctx = createAwsContext({
      region: 'eu-west-1',
      clientConfig: { requestHandler: http, credentials },
    });

    // When we ask who the caller is
    const identity = await callerIdentity(ctx);

    // Then account, ARN, partition and region come back, after one request
    expect(identity).toEqual({
      account: '123456789012',
      arn: 'arn:aws:iam::123456789012:user/alice',
      partition: 'aws',
      region: 'eu-west-1',
    });
    expect(ctx.requestCount()).toBe(1);
  });

  it('builds each client once, on first use', () => {
    const ctx = createAwsContext({ region: 'eu-west-1' });
    expect(ctx.cloudformation).toBe(ctx.cloudformation);
    expect(ctx.logs).not.toBe(ctx.s3);
  });

  it('sends requests to AWS_ENDPOINT_URL when it is set (moto, LocalStack)', async () => {
    // Given the environment points the SDK at a local emulator
    vi.stubEnv('AWS_ENDPOINT_URL', 'http://127.0.0.1:4599');
    const http = fakeHttp([{ status: 200, body: callerIdentityXml() }]);
    const ctx = createAwsContext({
      region: 'us-east-1',
      clientConfig: { requestHandler: http, credentials },
    });

    // When a call is made
    await callerIdentity(ctx);

    // Then it went to the emulator
    expect(http.seen[0]).toMatchObject({ hostname: '127.0.0.1', port: 4599, protocol: 'http:' });
  });

  it('retries throttling with backoff and succeeds, every attempt counted', async () => {
    // Given STS throttles twice before answering
    const throttled = { status: 400, body: queryErrorXml('Throttling', 'Rate exceeded') };
    const http = fakeHttp([throttled, throttled, { status: 200, body: callerIdentityXml() }]);
    const ctx = createAwsContext({
      region: 'eu-west-1',
      clientConfig: { requestHandler: http, credentials },
    });

    // When we call it (the backoff's timers fast-forwarded: it waits seconds otherwise)
    const identity = await withFastBackoff(() => callerIdentity(ctx));

    // Then the third attempt succeeded
    expect(identity.account).toBe('123456789012');
    expect(ctx.requestCount()).toBe(3);
  });

  it('reports throttling that outlasts the retries as AWS_THROTTLED', async () => {
    const throttled = { status: 400, body: queryErrorXml('Throttling', 'Rate exceeded') };
    const http = fakeHttp([throttled]);
    const ctx = createAwsContext({
      region: 'eu-west-1',
      clientConfig: { requestHandler: http, credentials, maxAttempts: 2 },
    });

    await expect(withFastBackoff(() => callerIdentity(ctx))).rejects.toMatchObject({
      code: 'AWS_THROTTLED',
      exitCode: 3,
      message: 'AWS kept throttling sts:GetCallerIdentity after 2 attempts.',
    });
  });

  it('names the permission an access denial on our own call lacked', async () => {
    // Given CloudFormation denies DescribeStacks without naming the action
    const http = fakeHttp([{ status: 403, body: queryErrorXml('AccessDenied', 'Access Denied') }]);
    const ctx = createAwsContext({
      region: 'eu-west-1',
      clientConfig: { requestHandler: http, credentials },
    });

    // When the call fails, the error is tagged by the client's middleware with the operation
    const failure = await ctx.cloudformation
      .send(new DescribeStacksCommand({ StackName: 'x' }))
      .catch((error: unknown) => toAwsError(error));

    // Then the message names cloudformation:DescribeStacks
    expect(failure).toMatchObject({
      code: 'AWS_ACCESS_DENIED',
      message: 'Access denied: the caller lacks cloudformation:DescribeStacks.',
    });
  });

  it('says no region is configured, naming --region', async () => {
    const ctx = createAwsContext({ clientConfig: { credentials } });

    await expect(callerIdentity(ctx)).rejects.toMatchObject({
      code: 'AWS_REGION_MISSING',
      suggestions: [expect.stringContaining('--region')],
    });
  });

  it('says no credentials were found for the profile', async () => {
    // Given a profile with no credentials anywhere
    writeFileSync(process.env.AWS_CONFIG_FILE ?? '', '[profile dev]\nregion = eu-west-1\n');
    const ctx = createAwsContext({ profile: 'dev', clientConfig: { maxAttempts: 1 } });

    await expect(callerIdentity(ctx)).rejects.toMatchObject({
      code: 'AWS_CREDENTIALS',
      message: 'No AWS credentials found for profile dev.',
    });
  });

  it('takes --profile over keys in the environment, as the AWS CLI does', async () => {
    // Given keys in the environment and a profile with keys of its own
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIAFROMENVIRONMENT');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'env-secret');
    writeFileSync(
      process.env.AWS_SHARED_CREDENTIALS_FILE ?? '',
      '[ci]\naws_access_key_id = AKIAFROMPROFILE\naws_secret_access_key = profile-secret\n',
    );
    const ctx = createAwsContext({ profile: 'ci', region: 'eu-west-1' });

    const used = await ctx.sts.config.credentials();

    expect(used.accessKeyId).toBe('AKIAFROMPROFILE');
  });

  it.each(['us east', 'US-EAST-1', 'eu-west', 'https://sts.amazonaws.com'])(
    'refuses --region %j as a usage error naming the flag (exit 2)',
    (region) => {
      expect(() => createAwsContext({ region })).toThrow(
        expect.objectContaining({ code: 'BAD_REGION', exitCode: 2 }),
      );
    },
  );

  it.each(['us-east-1', 'eu-central-2', 'us-gov-west-1', 'cn-northwest-1', 'ap-southeast-5'])(
    'accepts --region %s',
    (region) => {
      expect(() => createAwsContext({ region })).not.toThrow();
    },
  );

  it('names a profile that does not exist, rather than the region it therefore lacks', async () => {
    // Given no region anywhere and a --profile that no file defines
    writeFileSync(process.env.AWS_CONFIG_FILE ?? '', '[profile dev]\nregion = eu-west-1\n');
    const ctx = createAwsContext({ profile: 'nosuch', clientConfig: { maxAttempts: 1 } });

    await expect(callerIdentity(ctx)).rejects.toMatchObject({
      code: 'AWS_PROFILE_NOT_FOUND',
      exitCode: 3,
      message: 'No profile named nosuch in the AWS config or credentials file.',
    });
  });

  it('reports an endpoint that does not answer as AWS_UNREACHABLE', async () => {
    // Given AWS_ENDPOINT_URL points at a closed port
    vi.stubEnv('AWS_ENDPOINT_URL', 'http://127.0.0.1:9');
    const ctx = createAwsContext({
      region: 'eu-west-1',
      clientConfig: { credentials, maxAttempts: 1 },
    });

    await expect(callerIdentity(ctx)).rejects.toMatchObject({
      code: 'AWS_UNREACHABLE',
      message: 'Cannot reach AWS_ENDPOINT_URL (http://127.0.0.1:9): ECONNREFUSED.',
    });
  });

  it('logs operation names under DEBUG=aiproxy:aws, never their parameters', async () => {
    // Given debug logging is on and captured
    const lines: string[] = [];
    createDebug.enable('aiproxy:aws');
    const log = vi.spyOn(createDebug, 'log').mockImplementation((...args: unknown[]) => {
      lines.push(args.map(String).join(' '));
    });
    const http = fakeHttp([{ status: 200, body: '{"Version":1,"Tier":"Standard"}' }]);
    const ctx = createAwsContext({
      region: 'eu-west-1',
      clientConfig: { requestHandler: http, credentials },
    });

    // When a call carries a secret value
    await ctx.ssm
      .send(
        new PutParameterCommand({
          Name: '/aiproxy/token',
          Value: 'hunter2-secret',
          Type: 'SecureString',
        }),
      )
      .catch(() => undefined);
    createDebug.disable();
    log.mockRestore();

    // Then the operation is logged and the value is not
    const output = lines.join('\n');
    expect(output).toContain('ssm:PutParameter');
    expect(output).not.toContain('hunter2-secret');
  });
});
