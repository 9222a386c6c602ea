import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { currentBranch } from '../../src/lib/git.js';
import { projectDir } from './harness.js';

describe('currentBranch', () => {
  it('reads the checked-out branch, slashes and case kept', async () => {
    const dir = projectDir({ gitBranch: 'feature/Login_Fix-2' });

    await expect(currentBranch({ cwd: dir })).resolves.toBe('feature/Login_Fix-2');
  });

  it('a detached HEAD (a CI checkout) asks for --branch', async () => {
    const dir = projectDir({ gitBranch: 'main' });
    execFileSync('git', ['checkout', '-q', '--detach'], { cwd: dir });

    await expect(currentBranch({ cwd: dir })).rejects.toMatchObject({
      code: 'GIT_DETACHED_HEAD',
      exitCode: 2,
      suggestions: expect.arrayContaining([expect.stringContaining('--branch')]) as unknown,
    });
  });

  it('outside a repository: says so and asks for --branch', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aiproxy-no-git-'));

    await expect(currentBranch({ cwd: dir })).rejects.toMatchObject({
      code: 'GIT_NO_REPOSITORY',
      exitCode: 2,
    });
  });

  it('a repository with no commit yet has no readable branch', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aiproxy-unborn-'));
    execFileSync('git', ['init', '-q', '-b', 'main'], { cwd: dir });

    await expect(currentBranch({ cwd: dir })).rejects.toMatchObject({ code: 'GIT_NO_COMMIT' });
  });
});
