/**
 * The one place AWS clients are built. Clients are plain SDK clients, so everything the SDK
 * reads by itself keeps working: `AWS_REGION`, `AWS_PROFILE`, the shared config files,
 * `AWS_ENDPOINT_URL` and `AWS_ENDPOINT_URL_<SERVICE>` (moto, LocalStack), `AWS_MAX_ATTEMPTS`.
 * https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html
 */
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { CodeBuildClient } from '@aws-sdk/client-codebuild';
import { CodePipelineClient } from '@aws-sdk/client-codepipeline';
import { IAMClient } from '@aws-sdk/client-iam';
import { S3Client } from '@aws-sdk/client-s3';
import { SSMClient } from '@aws-sdk/client-ssm';
import { STSClient } from '@aws-sdk/client-sts';
import { fromIni } from '@aws-sdk/credential-providers';
import type {
  AwsCredentialIdentity,
  AwsCredentialIdentityProvider,
  HandlerExecutionContext,
  MiddlewareStack,
  RetryStrategyV2,
} from '@smithy/types';
import createDebug from 'debug';

import { InputError } from '../errors.js';
import { OPERATION_TAG, toAwsError, type AwsErrorContext } from './errors.js';

const debug = createDebug('aiproxy:aws');

/** The clients aiproxy uses, one per service. */
export interface AwsClients {
  cloudformation: CloudFormationClient;
  iam: IAMClient;
  sts: STSClient;
  ssm: SSMClient;
  codepipeline: CodePipelineClient;
  codebuild: CodeBuildClient;
  logs: CloudWatchLogsClient;
  s3: S3Client;
}

/** The IAM service prefix of each client, used to name the action a denied call needed. */
const SERVICE_PREFIX: Record<keyof AwsClients, string> = {
  cloudformation: 'cloudformation',
  iam: 'iam',
  sts: 'sts',
  ssm: 'ssm',
  codepipeline: 'codepipeline',
  codebuild: 'codebuild',
  logs: 'logs',
  s3: 's3',
};

/** Settings passed to every client; tests inject a fake HTTP handler or retry strategy. */
export interface AwsClientConfig {
  /** A replacement HTTP handler (tests answer requests without a network). */
  requestHandler?: unknown;
  /** A replacement retry strategy (tests retry without backoff). */
  retryStrategy?: RetryStrategyV2;
  /** Fixed credentials instead of the default provider chain. */
  credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /** Attempts per call, throttling retries included (default 10, or `AWS_MAX_ATTEMPTS`). */
  maxAttempts?: number;
}

/** Options for {@link createAwsContext}: the `--profile` and `--region` flags. */
export interface AwsContextOptions {
  /** The `--profile` flag; otherwise the SDK's own `AWS_PROFILE`, then `default`. */
  profile?: string;
  /** The `--region` flag; otherwise `AWS_REGION`, then the profile's region. */
  region?: string;
  /** Client settings for tests; production code passes nothing. */
  clientConfig?: AwsClientConfig;
  /** Ready-made clients that replace the built ones (tests). */
  clients?: Partial<AwsClients>;
}

/** Clients built on first use, plus what every command needs to know about them. */
export interface AwsContext extends AwsClients {
  /** The profile given with `--profile`, if any. */
  readonly profile: string | undefined;
  /** The region as resolved by the SDK (flag, environment, profile); throws `AWS_REGION_MISSING`. */
  resolveRegion(): Promise<string>;
  /** How many HTTP requests (retries included) the clients have sent: for `--verbose`. */
  requestCount(): number;
}

/**
 * Default attempts per call. Throttling on `DescribeStackEvents` while polling is the common
 * case; adaptive mode also slows the client down once AWS starts throttling.
 * https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html
 */
const DEFAULT_MAX_ATTEMPTS = 10;

// Partition regions: us-east-1, eu-central-2, us-gov-west-1, cn-northwest-1, us-isob-east-1.
const REGION_SHAPE = /^[a-z]{2}(?:-[a-z]+)+-\d{1,2}$/;

/**
 * Builds the AWS context for one command run. Nothing is contacted until a client is used.
 *
 * @throws InputError `BAD_REGION` when `--region` is not a region name.
 */
export function createAwsContext(options: AwsContextOptions = {}): AwsContext {
  if (options.region !== undefined && !REGION_SHAPE.test(options.region)) {
    throw new InputError(
      'BAD_REGION',
      `--region ${JSON.stringify(options.region)} is not a region name.`,
      {
        suggestions: [
          'Pass a region code such as --region eu-west-1 (`aws account list-regions` lists them).',
        ],
      },
    );
  }
  const counter = { requests: 0 };
  const config = clientConfig(options);
  const built: Partial<AwsClients> = { ...options.clients };

  const factories: { [K in keyof AwsClients]: () => AwsClients[K] } = {
    cloudformation: () => new CloudFormationClient(config),
    iam: () => new IAMClient(config),
    sts: () => new STSClient(config),
    ssm: () => new SSMClient(config),
    codepipeline: () => new CodePipelineClient(config),
    codebuild: () => new CodeBuildClient(config),
    logs: () => new CloudWatchLogsClient(config),
    s3: () => new S3Client(config),
  };

  function client<K extends keyof AwsClients>(key: K): AwsClients[K] {
    const existing = built[key];
    if (existing !== undefined) return existing;
    const made = factories[key]();
    instrument(made.middlewareStack as MiddlewareStack<object, object>, {
      service: SERVICE_PREFIX[key],
      ...(options.profile === undefined ? {} : { profile: options.profile }),
      counter,
    });
    built[key] = made;
    return made;
  }

  return {
    profile: options.profile,
    get cloudformation() {
      return client('cloudformation');
    },
    get iam() {
      return client('iam');
    },
    get sts() {
      return client('sts');
    },
    get ssm() {
      return client('ssm');
    },
    get codepipeline() {
      return client('codepipeline');
    },
    get codebuild() {
      return client('codebuild');
    },
    get logs() {
      return client('logs');
    },
    get s3() {
      return client('s3');
    },
    resolveRegion: async () => {
      try {
        return await client('sts').config.region();
      } catch (error) {
        throw await toAwsError(error, {
          service: 'sts',
          operation: 'GetCallerIdentity',
          ...(options.profile === undefined ? {} : { profile: options.profile }),
        });
      }
    },
    requestCount: () => counter.requests,
  };
}

/** The constructor settings shared by every client. */
function clientConfig(options: AwsContextOptions): Record<string, unknown> {
  const injected = options.clientConfig ?? {};
  const config: Record<string, unknown> = {
    // Adaptive adds client-side rate limiting on top of standard backoff, which suits a CLI
    // that polls stack events; AWS_RETRY_MODE still wins when set.
    retryMode: process.env.AWS_RETRY_MODE ?? 'adaptive',
  };
  if (injected.maxAttempts !== undefined) config.maxAttempts = injected.maxAttempts;
  else if (process.env.AWS_MAX_ATTEMPTS === undefined) config.maxAttempts = DEFAULT_MAX_ATTEMPTS;
  if (options.region !== undefined) config.region = options.region;
  if (options.profile !== undefined) {
    // `profile` also makes the SDK read that profile's region and endpoint settings. The named
    // profile wins over AWS_ACCESS_KEY_ID and friends, as with the AWS CLI: the default chain
    // would take the environment's keys first and only warn.
    config.profile = options.profile;
    config.credentials = fromIni({ profile: options.profile });
  }
  if (injected.credentials !== undefined) config.credentials = injected.credentials;
  if (injected.requestHandler !== undefined) config.requestHandler = injected.requestHandler;
  if (injected.retryStrategy !== undefined) config.retryStrategy = injected.retryStrategy;
  return config;
}

interface InstrumentOptions extends AwsErrorContext {
  counter: { requests: number };
}

/**
 * Adds two middlewares: one outside the retry loop that logs the operation name (never its
 * input, which can hold template bodies or parameter values) and tags errors with the
 * operation, and one inside the retry loop that counts every HTTP attempt.
 */
function instrument(stack: MiddlewareStack<object, object>, options: InstrumentOptions): void {
  stack.add(
    (next, context: HandlerExecutionContext) => async (args) => {
      const operation = (context.commandName ?? 'Unknown').replace(/Command$/, '');
      const label = `${options.service ?? '?'}:${operation}`;
      const started = Date.now();
      debug('→ %s', label);
      try {
        const result = await next(args);
        debug('← %s ok in %dms', label, Date.now() - started);
        return result;
      } catch (error) {
        debug('← %s failed in %dms: %s', label, Date.now() - started, errorName(error));
        tagOperation(error, { ...options, operation });
        throw error;
      }
    },
    { step: 'initialize', priority: 'high', name: 'aiproxyOperationLog', override: true },
  );
  stack.add(
    (next) => (args) => {
      options.counter.requests += 1;
      return next(args);
    },
    { step: 'finalizeRequest', priority: 'low', name: 'aiproxyRequestCount', override: true },
  );
}

function tagOperation(error: unknown, context: InstrumentOptions): void {
  if (typeof error !== 'object' || error === null) return;
  const tag: AwsErrorContext = { operation: context.operation ?? 'Unknown' };
  if (context.service !== undefined) tag.service = context.service;
  if (context.profile !== undefined) tag.profile = context.profile;
  Object.defineProperty(error, OPERATION_TAG, {
    value: tag,
    enumerable: false,
    configurable: true,
  });
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : typeof error;
}
