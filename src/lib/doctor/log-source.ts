/**
 * Opens the log `doctor --log-file` reads: a file, or standard input for `-`. Problems a user
 * can fix (a wrong path, a directory, no read permission) become an {@link InputError} that
 * names the fix; the bytes are streamed, never read whole.
 */
import { readSync } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { createGunzip } from 'node:zlib';

import { InputError } from '../errors.js';

// Reads small enough to stay in the CPU cache between the kernel's copy and the scanner's
// search: measured faster than megabyte reads on a 500 MB log.
const CHUNK_BYTES = 128 * 1024;
// A file is read synchronously (a thread-pool round trip per read cost more than the scan
// itself), giving the event loop a turn this often so signals and spinners are served.
const TURN_MS = 50;

function errorCode(error: unknown): string | undefined {
  return error instanceof Error && 'code' in error && typeof error.code === 'string'
    ? error.code
    : undefined;
}

function unreadable(path: string, error: unknown): InputError {
  const code = errorCode(error);
  if (code === 'ENOENT' || code === 'ENOTDIR') {
    return new InputError('LOG_NOT_FOUND', `No log file at ${path}.`, {
      suggestions: [
        'Check the path given to --log-file, or pass --log-file - to read the log from standard input.',
      ],
      cause: error,
    });
  }
  if (code === 'EACCES' || code === 'EPERM') {
    return new InputError(
      'LOG_UNREADABLE',
      `The log file ${path} cannot be read (permission denied).`,
      {
        suggestions: [
          `Make the file readable (chmod u+r ${path}) or copy it somewhere you can read.`,
        ],
        cause: error,
      },
    );
  }
  return new InputError(
    'LOG_UNREADABLE',
    `The log file ${path} cannot be read (${code ?? 'unknown error'}).`,
    {
      suggestions: ['Check the path given to --log-file.'],
      cause: error,
    },
  );
}

/** Reads a regular file: synchronous reads into one reused buffer. */
async function* readFile(handle: FileHandle, path: string): AsyncGenerator<Buffer> {
  const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
  let turn = performance.now();
  try {
    for (;;) {
      let bytesRead: number;
      try {
        bytesRead = readSync(handle.fd, buffer, 0, CHUNK_BYTES, null);
      } catch (error) {
        // EIO, EINVAL and the like: a file that opens but cannot be read (a device, /proc).
        throw unreadable(path, error);
      }
      if (bytesRead === 0) return;
      yield buffer.subarray(0, bytesRead);
      if (performance.now() - turn > TURN_MS) {
        await nextTurn();
        turn = performance.now();
      }
    }
  } finally {
    await handle.close();
  }
}

/** Reads a pipe or a device, where a read may wait: asynchronous, two buffers in turn. */
async function* readStream(handle: FileHandle, path: string): AsyncGenerator<Buffer> {
  let reading = Buffer.allocUnsafe(CHUNK_BYTES);
  let spare = Buffer.allocUnsafe(CHUNK_BYTES);
  let pending = handle.read(reading, 0, CHUNK_BYTES, null);
  try {
    for (;;) {
      let bytesRead: number;
      try {
        ({ bytesRead } = await pending);
      } catch (error) {
        throw unreadable(path, error);
      }
      if (bytesRead === 0) return;
      const ready = reading;
      [reading, spare] = [spare, reading];
      pending = handle.read(reading, 0, CHUNK_BYTES, null);
      yield ready.subarray(0, bytesRead);
    }
  } finally {
    // A consumer that stops early leaves a read in flight: let it settle before closing.
    await pending.catch(() => undefined);
    await handle.close();
  }
}

/**
 * Opens a build log for streaming: `-` is standard input, anything else a file path. A missing
 * file, a directory or an unreadable file raise {@link InputError} (`LOG_NOT_FOUND`,
 * `LOG_IS_DIRECTORY`, `LOG_UNREADABLE`) with a suggestion; an empty file is fine. The file is
 * opened before this returns, so those errors come here and not in the middle of a scan.
 *
 * A gzipped log (a CodeBuild S3 log, `aws logs … | gzip`) is decompressed as it streams.
 *
 * The reader reuses its buffers: a chunk is valid until the next one is requested, so copy
 * what you keep ({@link scanDenials} does).
 */
export async function openLogSource(path: string): Promise<AsyncIterable<Buffer>> {
  return gunzipIfCompressed(await openRaw(path), path);
}

async function openRaw(path: string): Promise<AsyncIterable<Buffer>> {
  if (path === '-') return process.stdin;

  let stats;
  try {
    stats = await stat(path);
  } catch (error) {
    throw unreadable(path, error);
  }
  if (stats.isDirectory()) {
    throw new InputError('LOG_IS_DIRECTORY', `${path} is a directory, not a log file.`, {
      suggestions: ['Pass the build log file itself to --log-file, e.g. --log-file build.log.'],
    });
  }

  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    throw unreadable(path, error);
  }
  return stats.isFile() ? readFile(handle, path) : readStream(handle, path);
}

/**
 * Passes the chunks through, or through gunzip when they start with gzip's magic bytes: a
 * compressed log scanned as text would give a quiet and wrong "nothing found".
 */
async function* gunzipIfCompressed(
  chunks: AsyncIterable<Buffer>,
  path: string,
): AsyncGenerator<Buffer> {
  const iterator = chunks[Symbol.asyncIterator]();
  try {
    yield* passOrGunzip(iterator, path);
  } finally {
    // A consumer that stops early must still let the reader close its file.
    await iterator.return?.();
  }
}

async function* passOrGunzip(
  iterator: AsyncIterator<Buffer>,
  path: string,
): AsyncGenerator<Buffer> {
  const first = await iterator.next();
  if (first.done === true) return;
  const head: Buffer = first.value;
  if (!(head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b)) {
    yield head;
    for (let next = await iterator.next(); next.done !== true; next = await iterator.next()) {
      yield next.value;
    }
    return;
  }

  // The file reader reuses its buffer, and gunzip may hold a chunk past the next read.
  async function* copies(): AsyncGenerator<Buffer> {
    yield Buffer.from(head);
    for (let next = await iterator.next(); next.done !== true; next = await iterator.next()) {
      yield Buffer.from(next.value);
    }
  }
  const gunzip = Readable.from(copies()).pipe(createGunzip());
  try {
    for await (const chunk of gunzip) yield chunk as Buffer;
  } catch (error) {
    throw new InputError(
      'LOG_UNREADABLE',
      `The log ${path === '-' ? 'on standard input' : path} starts like gzip but does not decompress (${errorCode(error) ?? 'corrupt data'}).`,
      {
        suggestions: ['Check the file with `gzip -t`, or pass the uncompressed log.'],
        cause: error,
      },
    );
  }
}
