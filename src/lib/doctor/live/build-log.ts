/**
 * Streams a CodeBuild build's log to the parser, from CloudWatch Logs or from S3, without ever
 * holding it whole: pages (or decompressed chunks) are yielded as they arrive.
 *
 * CloudWatch Logs: `GetLogEvents` with `startFromHead`, page after page with
 * `nextForwardToken`, until the same token comes back, which is how the API marks the end of
 * the stream (so the last request returns an empty page).
 * https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_GetLogEvents.html
 *
 * S3: CodeBuild writes `<location>/<build uuid>.gz`, gzipped; `logs.s3LogsArn` names it.
 * https://docs.aws.amazon.com/codebuild/latest/userguide/build-log-s3.html
 */
import { pipeline } from 'node:stream';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';

import { GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import type { Build } from '@aws-sdk/client-codebuild';
import { GetObjectCommand } from '@aws-sdk/client-s3';

import { awsErrorName, isAccessDenied, read, type LiveReader } from './reads.js';
import type { LogSourceInfo } from './types.js';

/** Options for reading a build log. */
export interface BuildLogOptions {
  /**
   * Bytes of log to read at most. Past it, CloudWatch reading jumps to the log's last page
   * (where the failure is) and a note says what was skipped; S3 reading stops.
   */
  byteBudget: number;
}

/** 50 MiB: a very long build log, read in about 50 GetLogEvents pages. */
export const DEFAULT_LOG_BYTE_BUDGET = 50 * 1024 * 1024;

function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/** Where CodeBuild says the build's log is. */
export function logLocations(build: Build): {
  cloudWatch: { group: string; stream: string } | null;
  s3: { bucket: string; key: string } | null;
} {
  const logs = build.logs;
  const cwEnabled = logs?.cloudWatchLogs?.status !== 'DISABLED';
  const group = logs?.groupName ?? logs?.cloudWatchLogs?.groupName;
  const stream = logs?.streamName;
  const cloudWatch = cwEnabled && group && stream && group !== 'null' ? { group, stream } : null;

  let s3: { bucket: string; key: string } | null = null;
  if (logs?.s3Logs?.status === 'ENABLED') {
    const arn = /^arn:[\w-]+:s3:::([^/]+)\/(.+)$/.exec(logs.s3LogsArn ?? '');
    if (arn) {
      s3 = { bucket: arn[1] as string, key: arn[2] as string };
    } else if (logs.s3Logs.location && build.id) {
      // Without the ARN, the documented layout: <bucket>/<prefix>/<build uuid>.gz.
      const [bucket, ...prefix] = logs.s3Logs.location.split('/');
      const uuid = build.id.slice(build.id.lastIndexOf(':') + 1);
      if (bucket) s3 = { bucket, key: [...prefix.filter(Boolean), `${uuid}.gz`].join('/') };
    }
  }
  return { cloudWatch, s3 };
}

/**
 * The build's log as a stream of chunks, from CloudWatch Logs when the build wrote there,
 * else from S3; `info` is filled in as it goes. A log that cannot be read (missing permission,
 * expired stream) ends the stream early with a note; the diagnosis carries on without it.
 */
export async function* buildLogChunks(
  reader: LiveReader,
  build: Build,
  options: BuildLogOptions,
  info: LogSourceInfo,
): AsyncGenerator<string | Buffer> {
  const { cloudWatch, s3 } = logLocations(build);
  if (cloudWatch !== null) {
    info.kind = 'cloudwatch';
    info.location = `${cloudWatch.group} ${cloudWatch.stream}`;
    const ended = yield* cloudWatchChunks(reader, cloudWatch, options, info);
    if (ended === 'read' || s3 === null || info.pages > 0) return;
    reader.notes.push('Reading the build log from S3 instead.');
  }
  if (s3 !== null) {
    info.kind = 's3';
    info.location = `s3://${s3.bucket}/${s3.key}`;
    yield* s3Chunks(reader, s3, options, info);
    return;
  }
  if (cloudWatch === null) {
    info.kind = 'none';
    info.location = 'the build has no CloudWatch Logs stream and no S3 log';
    reader.notes.push(
      `Build ${build.id ?? '?'} has no log to read (its project logs neither to CloudWatch Logs nor to S3, or the build never started).`,
    );
  }
}

async function* cloudWatchChunks(
  reader: LiveReader,
  where: { group: string; stream: string },
  options: BuildLogOptions,
  info: LogSourceInfo,
): AsyncGenerator<string, 'read' | 'unreadable'> {
  let token: string | undefined;
  let lastTimestamp = 0;
  for (;;) {
    let page;
    try {
      page = await read({ service: 'logs', operation: 'GetLogEvents' }, () =>
        reader.ctx.logs.send(
          new GetLogEventsCommand({
            logGroupName: where.group,
            logStreamName: where.stream,
            startFromHead: true,
            ...(token === undefined ? {} : { nextToken: token }),
          }),
        ),
      );
    } catch (error) {
      if (unreadable(reader, error, `${where.group} ${where.stream}`)) return 'unreadable';
      throw error;
    }
    info.pages += 1;
    for (const event of page.events ?? []) {
      lastTimestamp = Math.max(lastTimestamp, event.timestamp ?? 0);
      yield countLine(event.message ?? '', info);
    }

    // The end of the stream: the API hands back the token it was given.
    const next = page.nextForwardToken;
    if (next === undefined || next === token) return 'read';
    token = next;

    if (info.bytes >= options.byteBudget) {
      info.truncated = true;
      yield* cloudWatchTail(reader, where, lastTimestamp, info);
      return 'read';
    }
  }
}

/**
 * Past the budget, the failure is still most likely at the end: one request for the last page
 * (`startFromHead: false`), keeping only the events newer than those already read.
 */
async function* cloudWatchTail(
  reader: LiveReader,
  where: { group: string; stream: string },
  after: number,
  info: LogSourceInfo,
): AsyncGenerator<string> {
  const readBytes = info.bytes;
  const page = await read({ service: 'logs', operation: 'GetLogEvents' }, () =>
    reader.ctx.logs.send(
      new GetLogEventsCommand({
        logGroupName: where.group,
        logStreamName: where.stream,
        startFromHead: false,
      }),
    ),
  );
  info.pages += 1;
  let tail = 0;
  for (const event of page.events ?? []) {
    if ((event.timestamp ?? 0) <= after) continue;
    tail += 1;
    yield countLine(event.message ?? '', info);
  }
  reader.notes.push(
    `The build log is longer than the ${mib(readBytes)} read budget: read its first ${mib(readBytes)}, skipped the middle, then read its last ${tail} events. Denial line numbers after the gap count from the gap.`,
  );
}

function countLine(message: string, info: LogSourceInfo): string {
  // CodeBuild's events are lines; an event without its newline would merge with the next.
  const text = message.endsWith('\n') ? message : `${message}\n`;
  info.bytes += Buffer.byteLength(text, 'utf8');
  return text;
}

function unreadable(reader: LiveReader, error: unknown, what: string): boolean {
  if (isAccessDenied(error)) {
    reader.notes.push(
      `Could not read the build log ${what}: ${error.message.replace(/^Access denied: /, '')} Carrying on without it.`,
    );
    return true;
  }
  const name = awsErrorName(error);
  if (name === 'ResourceNotFoundException' || name === 'NoSuchKey' || name === 'NoSuchBucket') {
    reader.notes.push(
      `The build log ${what} no longer exists (deleted, or expired by the log retention).`,
    );
    return true;
  }
  return false;
}

async function* s3Chunks(
  reader: LiveReader,
  where: { bucket: string; key: string },
  options: BuildLogOptions,
  info: LogSourceInfo,
): AsyncGenerator<Buffer> {
  let body: AsyncIterable<Uint8Array> | undefined;
  try {
    const output = await read({ service: 's3', operation: 'GetObject' }, () =>
      reader.ctx.s3.send(new GetObjectCommand({ Bucket: where.bucket, Key: where.key })),
    );
    body = output.Body as AsyncIterable<Uint8Array> | undefined;
  } catch (error) {
    if (unreadable(reader, error, `s3://${where.bucket}/${where.key}`)) return;
    throw error;
  }
  if (body === undefined) return;

  const stream = await decompressed(body);
  try {
    for await (const chunk of stream) {
      const bytes = chunk as Buffer;
      if (info.bytes + bytes.length > options.byteBudget) {
        const room = Math.max(0, options.byteBudget - info.bytes);
        info.bytes += room;
        info.truncated = true;
        if (room > 0) yield bytes.subarray(0, room);
        reader.notes.push(
          `The build log is longer than the ${mib(options.byteBudget)} read budget: only its first ${mib(options.byteBudget)} was read.`,
        );
        return;
      }
      info.bytes += bytes.length;
      yield bytes;
    }
  } finally {
    stream.destroy();
  }
}

/** The body, gunzipped when it starts with the gzip magic bytes (CodeBuild's S3 logs do). */
async function decompressed(body: AsyncIterable<Uint8Array>): Promise<Readable> {
  const iterator = body[Symbol.asyncIterator]();
  const first = await iterator.next();
  const head = first.done === true ? Buffer.alloc(0) : Buffer.from(first.value);
  async function* all(): AsyncGenerator<Buffer> {
    if (head.length > 0) yield head;
    if (first.done === true) return;
    for (let next = await iterator.next(); next.done !== true; next = await iterator.next()) {
      yield Buffer.from(next.value);
    }
  }
  const source = Readable.from(all());
  if (head[0] !== 0x1f || head[1] !== 0x8b) return source;
  // `pipeline` destroys the gunzip stream on a source error, so the reader sees it.
  return pipeline(source, createGunzip(), () => undefined);
}
