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

import {
  GetLogEventsCommand,
  type GetLogEventsCommandOutput,
} from '@aws-sdk/client-cloudwatch-logs';
import type { Build } from '@aws-sdk/client-codebuild';
import { GetObjectCommand } from '@aws-sdk/client-s3';

import { actionFor } from '../../aws/errors.js';
import { parseArn } from '../../policy/arn.js';
import { awsErrorName, deniedAction, isAccessDenied, read, type LiveReader } from './reads.js';
import type { LogSourceInfo, UnreadEvidence } from './types.js';

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

/** A build log being read: where from and how much (`info`), and what stopped it (`unread`). */
export interface LogRead {
  info: LogSourceInfo;
  /** Set when the log, or part of it, could not be read. */
  unread: UnreadEvidence | null;
}

/** The build whose log is read, and whether its log location is only CodeBuild's default. */
export interface LogBuild {
  build: Build;
  /** True when `BatchGetBuilds` could not be read and the location is a guess. */
  assumed: boolean;
}

/**
 * The build's log as a stream of chunks, from CloudWatch Logs when the build wrote there,
 * else from S3; `state.info` is filled in as it goes. A log that cannot be read (missing
 * permission, expired stream, no location) ends the stream early and sets `state.unread`;
 * the diagnosis carries on without it.
 */
export async function* buildLogChunks(
  reader: LiveReader,
  target: LogBuild,
  options: BuildLogOptions,
  state: LogRead,
): AsyncGenerator<string | Buffer> {
  const { info } = state;
  const { cloudWatch, s3 } = logLocations(target.build);
  if (cloudWatch !== null) {
    info.kind = 'cloudwatch';
    info.location = `${cloudWatch.group} ${cloudWatch.stream}`;
    const ended = yield* cloudWatchChunks(reader, target, cloudWatch, options, state);
    if (ended === 'read' || s3 === null || info.pages > 0) return;
    reader.notes.push(
      `${state.unread?.message ?? ''} Reading the build log from S3 instead.`.trim(),
    );
  }
  if (s3 !== null) {
    const cloudWatchUnread = state.unread;
    info.kind = 's3';
    info.location = `s3://${s3.bucket}/${s3.key}`;
    const ended = yield* s3Chunks(reader, target, s3, options, state);
    // Read whole from S3: what CloudWatch Logs refused no longer matters.
    if (ended === 'read') state.unread = null;
    // Both refused: CloudWatch Logs is where doctor looks first, so its fix is named.
    else if (cloudWatchUnread !== null) state.unread = cloudWatchUnread;
    return;
  }
  if (cloudWatch === null) {
    info.kind = 'none';
    info.location = 'the build has no CloudWatch Logs stream and no S3 log';
    state.unread = noLocation(target);
  }
}

async function* cloudWatchChunks(
  reader: LiveReader,
  target: LogBuild,
  where: { group: string; stream: string },
  options: BuildLogOptions,
  state: LogRead,
): AsyncGenerator<string, 'read' | 'unreadable'> {
  const { info } = state;
  let token: string | undefined;
  let lastTimestamp = 0;
  for (;;) {
    const page = await logPage(reader, target, where, state, {
      startFromHead: true,
      ...(token === undefined ? {} : { nextToken: token }),
    });
    if (page === null) return 'unreadable';
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
      return yield* cloudWatchTail(reader, target, where, lastTimestamp, state);
    }
  }
}

/**
 * Past the budget, the failure is still most likely at the end: one request for the last page
 * (`startFromHead: false`), keeping only the events newer than those already read.
 */
async function* cloudWatchTail(
  reader: LiveReader,
  target: LogBuild,
  where: { group: string; stream: string },
  after: number,
  state: LogRead,
): AsyncGenerator<string, 'read' | 'unreadable'> {
  const { info } = state;
  const readBytes = info.bytes;
  const page = await logPage(reader, target, where, state, { startFromHead: false });
  if (page === null) return 'unreadable';
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
  return 'read';
}

/**
 * One GetLogEvents page; null when the read failed for a reason to carry on without the log
 * (recorded in `state.unread`). Any other failure is thrown.
 */
async function logPage(
  reader: LiveReader,
  target: LogBuild,
  where: { group: string; stream: string },
  state: LogRead,
  position: { startFromHead: boolean; nextToken?: string },
): Promise<GetLogEventsCommandOutput | null> {
  try {
    return await read({ service: 'logs', operation: 'GetLogEvents' }, () =>
      reader.ctx.logs.send(
        new GetLogEventsCommand({
          logGroupName: where.group,
          logStreamName: where.stream,
          ...position,
        }),
      ),
    );
  } catch (error) {
    state.unread = unreadLog(error, target, { cloudWatch: where }, state.info);
    if (state.unread !== null) return null;
    throw error;
  }
}

function countLine(message: string, info: LogSourceInfo): string {
  // CodeBuild's events are lines; an event without its newline would merge with the next.
  const text = message.endsWith('\n') ? message : `${message}\n`;
  info.bytes += Buffer.byteLength(text, 'utf8');
  return text;
}

/** Where a log read failed. */
type LogPlace =
  { cloudWatch: { group: string; stream: string } } | { s3: { bucket: string; key: string } };

/**
 * Why a log read failed, as unread evidence, when it is a reason to carry on without the log
 * (a missing permission, a deleted or expired log); null for any other failure.
 */
function unreadLog(
  error: unknown,
  target: LogBuild,
  place: LogPlace,
  info: LogSourceInfo,
): UnreadEvidence | null {
  const where =
    'cloudWatch' in place
      ? `${place.cloudWatch.group} ${place.cloudWatch.stream}`
      : `s3://${place.s3.bucket}/${place.s3.key}`;
  const id = target.build.id ?? '?';
  // A log cut short still hides what it did not show: say how far it got.
  const partly = info.pages > 0 ? ` past its first ${plural(info.pages, 'page')}` : '';
  const rerun = `Then run \`aiproxy doctor --build-id ${id}\` again.`;

  if (isAccessDenied(error)) {
    const operation = 'cloudWatch' in place ? 'GetLogEvents' : 'GetObject';
    const permission =
      deniedAction(error) ?? actionFor('cloudWatch' in place ? 'logs' : 's3', operation);
    const on =
      'cloudWatch' in place
        ? `the log group ${place.cloudWatch.group}${logGroupArn(target.build, place.cloudWatch.group)}`
        : `s3://${place.s3.bucket}/${place.s3.key}`;
    return {
      kind: 'build-log',
      location: where,
      reason: 'access-denied',
      permission,
      message: `The build log ${where} was not read${partly}: ${error.message.replace(/^Access denied: /, '').replace(/\.$/, '')}.`,
      suggestions: [
        `Ask for ${permission} on ${on}, or use a profile that has it (--profile).`,
        consoleStep(target.build, 'read its log there'),
        rerun,
      ],
    };
  }

  const name = awsErrorName(error);
  if (name !== 'ResourceNotFoundException' && name !== 'NoSuchKey' && name !== 'NoSuchBucket') {
    return null;
  }
  const message = target.assumed
    ? `No build log at ${where}, CodeBuild's default place for it; the build itself could not be read to learn where it logs.`
    : `The build log ${where} no longer exists${partly} (deleted, or expired by the log retention).`;
  return {
    kind: 'build-log',
    location: where,
    reason: 'not-found',
    permission: null,
    message,
    suggestions: [
      ...(target.assumed
        ? ['Ask for codebuild:BatchGetBuilds, so doctor can read where the build logs.']
        : []),
      consoleStep(target.build, 'its phases and their reasons are kept there'),
      `Run the pipeline again (or just the build: \`aws codebuild retry-build --id ${id}\`) and diagnose the new run.`,
    ],
  };
}

/** A build that names no log at all. */
function noLocation(target: LogBuild): UnreadEvidence {
  const id = target.build.id ?? '?';
  const project = target.build.projectName ?? id.split(':')[0] ?? '?';
  return {
    kind: 'build-log',
    location: null,
    reason: 'no-location',
    permission: null,
    message: `Build ${id} has no log to read: its project logs neither to CloudWatch Logs nor to S3, or the build never started.`,
    suggestions: [
      consoleStep(target.build, 'its phases say whether it started'),
      `If project ${project} logs nowhere, turn logging on in its definition (CloudWatch Logs is CodeBuild's default), then run the pipeline again.`,
    ],
  };
}

/** ` (arn:…:log-group:NAME:*)`, when the build's ARN gives the account and region. */
function logGroupArn(build: Build, group: string): string {
  const arn = parseArn(build.arn ?? '');
  if (arn === null || arn.region === '' || arn.account === '') return '';
  return ` (arn:${arn.partition}:logs:${arn.region}:${arn.account}:log-group:${group}:*)`;
}

/**
 * Where a person looks at the build instead: the CodeBuild console, by link when the build's
 * ARN gives the region and account (the commercial partition's console only).
 */
function consoleStep(build: Build, why: string): string {
  const id = build.id ?? '?';
  const arn = parseArn(build.arn ?? '');
  const project = build.projectName ?? id.split(':')[0];
  if (arn === null || arn.partition !== 'aws' || project === undefined) {
    return `Open build ${id} in the CodeBuild console: ${why}.`;
  }
  const url = `https://${arn.region}.console.aws.amazon.com/codesuite/codebuild/${arn.account}/projects/${encodeURIComponent(project)}/build/${encodeURIComponent(id)}/?region=${arn.region}`;
  return `Open the build in the CodeBuild console (${why}): ${url}`;
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

async function* s3Chunks(
  reader: LiveReader,
  target: LogBuild,
  where: { bucket: string; key: string },
  options: BuildLogOptions,
  state: LogRead,
): AsyncGenerator<Buffer, 'read' | 'unreadable'> {
  const { info } = state;
  let body: AsyncIterable<Uint8Array> | undefined;
  try {
    const output = await read({ service: 's3', operation: 'GetObject' }, () =>
      reader.ctx.s3.send(new GetObjectCommand({ Bucket: where.bucket, Key: where.key })),
    );
    body = output.Body as AsyncIterable<Uint8Array> | undefined;
  } catch (error) {
    state.unread = unreadLog(error, target, { s3: where }, info);
    if (state.unread !== null) return 'unreadable';
    throw error;
  }
  if (body === undefined) return 'read';

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
        return 'read';
      }
      info.bytes += bytes.length;
      yield bytes;
    }
  } finally {
    stream.destroy();
  }
  return 'read';
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
