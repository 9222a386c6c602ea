/**
 * `aiproxy setup --dry-run` as an admin would run it to review the template: the built CLI in
 * a child process with an empty environment (no credentials, no region, no profile, no
 * home directory), so any AWS call would fail loudly. Needs `npm run build` first, which
 * `npm test` does.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(ROOT, 'bin', 'run.js');
let dir: string;

beforeAll(() => {
  if (!existsSync(join(ROOT, 'dist', 'commands', 'setup.js'))) {
    throw new Error('dist/ is missing: run `npm run build` (npm test does it first).');
  }
  dir = mkdtempSync(join(tmpdir(), 'aiproxy-dry-run-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the CLI with nothing in the environment but the directory of `node`. */
function aiproxy(args: string[]) {
  return spawnSync(process.execPath, [BIN, ...args], {
    cwd: dir,
    env: { PATH: dirname(process.execPath), HOME: join(dir, 'no-home') },
    encoding: 'utf8',
    timeout: 60_000,
  });
}

function lint(file: string) {
  return spawnSync('cfn-lint', [file], { encoding: 'utf8', timeout: 120_000 });
}

describe('setup --dry-run with no credentials at all', () => {
  it('prints the template as YAML, with pseudo parameters for the account and region', () => {
    const run = aiproxy(['setup', '--dry-run']);

    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^AWSTemplateFormatVersion: "2010-09-09"/);
    expect(run.stdout).toContain('Fn::Sub: aiproxy-global-cfn-exec-${AWS::Region}');
    expect(run.stdout).not.toMatch(/\d{12}/);
  });

  it('--output writes a template cfn-lint accepts', () => {
    const file = join(dir, 'global.yaml');

    const run = aiproxy([
      'setup',
      '--output',
      file,
      '--create-connection',
      'github',
      '--prefix',
      'team-app',
    ]);

    expect(run.status).toBe(0);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(`Wrote the global template (version 1) to ${file}.`);
    const body = readFileSync(file, 'utf8');
    expect(body).toContain('ProviderType: GitHub');
    expect(body).toContain('Path: /team-app-global/');
    const linted = lint(file);
    expect(linted.stdout + linted.stderr).toBe('');
    expect(linted.status).toBe(0);
  });

  it('refuses both connection flags at once (exit 2)', () => {
    const run = aiproxy([
      'setup',
      '--dry-run',
      '--create-connection',
      'github',
      '--connection-arn',
      'arn:aws:codeconnections:eu-west-1:123456789012:connection/0b5c3f8e-3f1e-4c1e-9a55-1c2d3e4f5a6b',
    ]);

    expect(run.status).toBe(2);
    expect(run.stderr).toContain('cannot also be provided');
  });
});
