/**
 * `aiproxy doctor` as a user runs it: the built CLI in a child process, the log on a file or
 * piped in, and every outcome read from the exit code and the streams, the way a CI step or a
 * shell script sees them.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SEED = 'examples/codebuild-ecr-login-denied.log';
const built = existsSync(`${ROOT}dist/main.js`);

function aiproxy(args: string[], input?: string | Buffer, env: Record<string, string> = {}) {
  return spawnSync(process.execPath, ['bin/run.js', ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    input: input ?? '',
    env: { ...process.env, NO_COLOR: '1', ...env },
    timeout: 60_000,
  });
}

describe.skipIf(!built)('aiproxy doctor from a shell', () => {
  it('finds the seed denial in the bundled log (exit 1)', () => {
    const run = aiproxy(['doctor', '--log-file', SEED]);

    expect(run.status).toBe(1);
    expect(run.stdout).toContain('Action     ecr:GetAuthorizationToken');
    expect(run.stderr).toBe('');
  });

  it('reads a log piped in at once with --log-file -, as text and as JSON', () => {
    const log = readFileSync(`${ROOT}${SEED}`, 'utf8');

    const text = aiproxy(['doctor', '--log-file', '-'], log);
    const json = aiproxy(['doctor', '-f', '-', '--json'], log);

    expect(text.status).toBe(1);
    expect(text.stdout).toContain('1 access denial found');
    expect(json.status).toBe(1);
    const document = JSON.parse(json.stdout) as { denials: { action: string }[] };
    expect(document.denials.map((d) => d.action)).toEqual(['ecr:GetAuthorizationToken']);
  });

  it('reads a gzipped log (a CodeBuild S3 copy) from a file or a pipe, and refuses a broken one', () => {
    const gzipped = gzipSync(readFileSync(`${ROOT}${SEED}`));
    const file = join(mkdtempSync(join(tmpdir(), 'aiproxy-gz-')), 'build.log.gz');
    writeFileSync(file, gzipped);
    const broken = `${file}.cut`;
    writeFileSync(broken, gzipped.subarray(0, 100));

    const fromFile = aiproxy(['doctor', '--log-file', file]);
    const fromPipe = aiproxy(['doctor', '--log-file', '-'], gzipped);
    const cut = aiproxy(['doctor', '--log-file', broken]);

    expect(fromFile.status).toBe(1);
    expect(fromFile.stdout).toContain('Action     ecr:GetAuthorizationToken');
    expect(fromPipe.status).toBe(1);
    expect(cut.status).toBe(2);
    expect(cut.stderr).toContain('does not decompress');
  });

  it('never takes piped text for the pipeline name', () => {
    // Nothing listens on port 9: the diagnosis must get as far as AWS, not stop at the flags.
    const run = aiproxy(['doctor', '--stack', 'aiproxy-main-app'], 'aiproxy-global\n', {
      AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      AWS_REGION: 'us-east-1',
      AWS_MAX_ATTEMPTS: '1',
    });

    expect(run.stderr).not.toContain('Name one thing');
    expect(run.status).toBe(3);
  });

  it('turns a bad flag into a usage error with a code and a fix, never a stack trace (exit 2)', () => {
    const run = aiproxy(['doctor', '--log-flie', SEED]);

    expect(run.status).toBe(2);
    expect(run.stderr).toContain('USAGE');
    expect(run.stderr).toContain('--help');
    expect(run.stderr).not.toMatch(/^\s+at /m);
  });

  it('refuses --direct without --apply (exit 2)', () => {
    const run = aiproxy(['doctor', '--direct', '--stack', 'aiproxy-main-app']);

    expect(run.status).toBe(2);
    expect(run.stderr).toContain('--direct only changes how --apply applies a fix');
  });

  it.skipIf(!existsSync('/proc/self/mem'))(
    'says a file that opens but cannot be read is unreadable (exit 2), not a crash',
    () => {
      const run = aiproxy(['doctor', '--log-file', '/proc/self/mem']);

      expect(run.status).toBe(2);
      expect(run.stderr).toContain('LOG_UNREADABLE');
    },
  );

  it('prints an error as the one JSON object on stdout under --json', () => {
    const run = aiproxy(['doctor', '--log-file', 'no/such/file.log', '--json']);

    expect(run.status).toBe(2);
    const { error } = JSON.parse(run.stdout) as {
      error: { code: string; exitCode: number; suggestions: string[] };
    };
    expect(error.exitCode).toBe(2);
    expect(error.suggestions.length).toBeGreaterThan(0);
  });

  it('lists the exit codes in the root help, with -h as well as --help (exit 0)', () => {
    const long = aiproxy(['--help']);
    const short = aiproxy(['-h']);

    expect(long.status).toBe(0);
    expect(long.stdout).toContain('EXIT CODES');
    expect(long.stdout).toMatch(/70 +internal error/);
    expect(short.status).toBe(0);
    expect(short.stdout).toBe(long.stdout);
  });

  it('answers `aiproxy help doctor` with the doctor page, and an unknown command with exit 2', () => {
    const page = aiproxy(['help', 'doctor']);
    const flag = aiproxy(['doctor', '--help']);
    const unknown = aiproxy(['help', 'nope']);

    expect(page.status).toBe(0);
    expect(page.stdout).toBe(flag.stdout);
    expect(unknown.status).toBe(2);
  });
});
