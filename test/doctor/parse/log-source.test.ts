/**
 * openLogSource: what `doctor --log-file` opens, and the errors a user can fix.
 */
import { execFileSync, spawn } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { InputError } from '../../../src/lib/errors.js';
import { openLogSource } from '../../../src/lib/doctor/log-source.js';
import { scanDenials } from '../../../src/lib/doctor/parse/index.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'aiproxy-log-source-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function collect(source: AsyncIterable<Buffer>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  // The reader reuses its buffers: copy each chunk before asking for the next.
  for await (const chunk of source) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

describe('openLogSource', () => {
  it('streams a file byte for byte, across many reads', async () => {
    // Given a file larger than one read
    const path = join(dir, 'big.log');
    const content = Buffer.from('0123456789abcdef\n'.repeat(40_000));
    await writeFile(path, content);

    // When it is opened and read to the end
    const bytes = await collect(await openLogSource(path));

    // Then every byte arrives, in order
    expect(bytes.equals(content)).toBe(true);
  });

  it.skipIf(process.platform === 'win32')('reads a named pipe as it is written', async () => {
    // Given a FIFO that another process writes a denial into, slowly
    const fifo = join(dir, 'build.fifo');
    execFileSync('mkfifo', [fifo]);
    const writer = spawn('sh', [
      '-c',
      `{ printf 'step 1\\n'; sleep 0.2; printf 'User: anonymous is not authorized to perform: s3:GetObject on resource: *\\n'; } > "$0"`,
      fifo,
    ]);

    // When doctor reads the pipe
    const source = await openLogSource(fifo);
    const result = await scanDenials(source, { file: fifo });
    writer.kill();

    // Then what was written arrives (the pipe is read without blocking the event loop)
    expect(result.denials.map((denial) => denial.principal)).toEqual(['anonymous']);
  });

  it('reads standard input for -', async () => {
    const stdin = Object.getOwnPropertyDescriptor(process, 'stdin');
    Object.defineProperty(process, 'stdin', {
      value: Readable.from([Buffer.from('line one\n'), Buffer.from('line two\n')]),
      configurable: true,
    });
    try {
      const chunks: Buffer[] = [];
      for await (const chunk of await openLogSource('-')) chunks.push(Buffer.from(chunk));
      expect(Buffer.concat(chunks).toString()).toBe('line one\nline two\n');
    } finally {
      if (stdin !== undefined) Object.defineProperty(process, 'stdin', stdin);
    }
  });

  it('opens an empty file; the scan says it was empty', async () => {
    const path = join(dir, 'empty.log');
    await writeFile(path, '');
    const result = await scanDenials(await openLogSource(path), { file: path });
    expect(result.denials).toEqual([]);
    expect(result.notes).toEqual(['The log is empty: there was nothing to scan.']);
  });

  it('raises LOG_NOT_FOUND for a missing file, naming the flag that fixes it', async () => {
    const path = join(dir, 'nope.log');
    const opening = openLogSource(path);
    await expect(opening).rejects.toThrow(InputError);
    await expect(opening).rejects.toMatchObject({
      code: 'LOG_NOT_FOUND',
      exitCode: 2,
      suggestions: [expect.stringContaining('--log-file')],
    });
  });

  it('raises LOG_NOT_FOUND when a parent of the path is a file', async () => {
    const file = join(dir, 'plain.log');
    await writeFile(file, 'x');
    await expect(openLogSource(join(file, 'child.log'))).rejects.toMatchObject({
      code: 'LOG_NOT_FOUND',
    });
  });

  it('raises LOG_IS_DIRECTORY for a directory', async () => {
    await expect(openLogSource(dir)).rejects.toMatchObject({
      code: 'LOG_IS_DIRECTORY',
      suggestions: [expect.stringContaining('--log-file')],
    });
  });

  it.skipIf(process.getuid?.() === 0)(
    'raises LOG_UNREADABLE for a file it may not read',
    async () => {
      const path = join(dir, 'secret.log');
      await writeFile(path, 'x');
      await chmod(path, 0o000);
      await expect(openLogSource(path)).rejects.toMatchObject({ code: 'LOG_UNREADABLE' });
    },
  );

  it('closes the file when the reader stops early', async () => {
    // Given a source whose consumer breaks out after the first chunk
    const path = join(dir, 'early.log');
    await writeFile(path, Buffer.alloc(1024 * 1024, 'a'));
    const source = await openLogSource(path);

    // When the loop ends early
    for await (const chunk of source) {
      expect(chunk.length).toBeGreaterThan(0);
      break;
    }

    // Then the reader's cleanup ran without an error (the next read finds it finished)
    const iterator = source[Symbol.asyncIterator]();
    expect(await iterator.next()).toEqual({ done: true, value: undefined });
  });
});
