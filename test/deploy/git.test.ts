import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import {
  branchNameProblem,
  currentBranch,
  quoteBranchName,
  resolveBranch,
  validateBranchName,
} from '../../src/lib/git.js';
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

/** Names git takes as branches, odd ones included. */
const ACCEPTED = [
  'main',
  'feature/Login_Fix-2',
  'release/1.2.3',
  'fëature',
  '日本語/機能',
  'a/-b',
  'a./b',
  'x.lock.y',
  'a@b',
  '@a',
  'a@',
  'a{b}',
  "fix/it's",
  'heads/x',
  'dependabot/npm_and_yarn/aws-sdk/client-s3-3.600.0',
];

/** Names git refuses, each with the words that say why. */
const REFUSED: [string, string][] = [
  ['..', 'contains ".."'],
  ['feat/..', 'contains ".."'],
  ['a..b', 'contains ".."'],
  ['-leading', 'starts with "-"'],
  ['-', 'starts with "-"'],
  ['a b', 'contains a space'],
  ['@', 'is "@"'],
  ['HEAD', 'is "HEAD"'],
  ['.', 'ends with "."'],
  ['a/b.', 'ends with "."'],
  ['/', 'starts with "/"'],
  ['/a', 'starts with "/"'],
  ['a/', 'ends with "/"'],
  ['a//b', 'contains "//"'],
  ['.hidden', 'part starting with "." (".hidden")'],
  ['a/.b', 'part starting with "." (".b")'],
  ['x.lock', 'part ending in ".lock" ("x.lock")'],
  ['a.lock/b', 'part ending in ".lock" ("a.lock")'],
  ['a@{b', 'contains "@{"'],
  ['@{-1}', 'contains "@{"'],
  ['a~b', 'contains "~"'],
  ['a^b', 'contains "^"'],
  ['a:b', 'contains ":"'],
  ['a?b', 'contains "?"'],
  ['a*b', 'contains "*"'],
  ['a[b', 'contains "["'],
  ['a\\b', 'contains "\\\\"'],
  ['x\u001b]0;pwned\u0007', 'control character U+001B'],
  ['tab\there', 'control character U+0009'],
  ['del\u007f', 'control character U+007F'],
  // git takes these two; aiproxy does not, as `stripControl` would hide them when shown.
  ['csi\u009b', 'U+009B, a control character that would not be shown'],
  ['bidi\u202eevil', 'U+202E, a control character that would not be shown'],
];

describe('branchNameProblem: git check-ref-format --branch, without git', () => {
  it.each(ACCEPTED)('accepts %j', (name) => {
    expect(branchNameProblem(name)).toBeNull();
  });

  it.each(REFUSED)('refuses %j: it %s', (name, why) => {
    expect(branchNameProblem(name)).toContain(why);
  });
});

describe('validateBranchName', () => {
  it('returns a good name as it is', () => {
    expect(validateBranchName('fëature/Login')).toBe('fëature/Login');
  });

  it('refuses with INVALID_BRANCH, saying why and how to check a name', () => {
    // Given a name git would refuse
    const name = 'feat/..';

    // When it is checked, then the error names the problem and git's own check
    expect(() => validateBranchName(name)).toThrow(
      expect.objectContaining({
        code: 'INVALID_BRANCH',
        exitCode: 2,
        message: 'The branch name "feat/.." is not one git allows: it contains "..".',
        suggestions: [expect.stringContaining('git check-ref-format --branch NAME')],
      }),
    );
  });

  it('quotes a name full of escapes, writing each one out', () => {
    // Given a name that would retitle a terminal window and ring its bell
    const name = 'x\u001b]0;pwned\u0007\u009b\u202e';

    // When it is refused, then the message spells out every control character
    expect(() => validateBranchName(name)).toThrow(
      'The branch name "x\\u001b]0;pwned\\u0007\\u009B\\u202E" is not one git allows',
    );
  });

  it.each(['', '  '])('calls %j empty', (name) => {
    expect(() => validateBranchName(name)).toThrow('The branch name is empty.');
  });
});

describe('quoteBranchName', () => {
  it('never lets a control character through, whatever the name', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (name) => {
        // eslint-disable-next-line no-control-regex
        expect(quoteBranchName(name)).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e]/);
      }),
      { numRuns: 300 },
    );
  });
});

describe('resolveBranch', () => {
  it('takes the flag when given, and says so', async () => {
    await expect(resolveBranch('feature/x')).resolves.toEqual({
      branch: 'feature/x',
      source: 'flag',
    });
  });

  it('refuses a bad flag before asking git anything', async () => {
    // Given a directory that is no repository at all
    const dir = mkdtempSync(join(tmpdir(), 'aiproxy-no-git-'));

    // Then the refusal is about the name, not about git
    await expect(resolveBranch('a..b', { cwd: dir })).rejects.toMatchObject({
      code: 'INVALID_BRANCH',
    });
  });

  it('defaults to the checked-out branch', async () => {
    const dir = projectDir({ gitBranch: 'feature/Login_Fix-2' });

    await expect(resolveBranch(undefined, { cwd: dir })).resolves.toEqual({
      branch: 'feature/Login_Fix-2',
      source: 'git',
    });
  });
});

// The rules above are git's as read from its documentation; git itself is the judge.
const gitAccepts = (name: string, cwd: string): boolean =>
  spawnSync('git', ['check-ref-format', '--branch', name], { cwd }).status === 0;
const hasGit = spawnSync('git', ['--version']).status === 0;

describe.skipIf(!hasGit)('agreement with git check-ref-format --branch', () => {
  // Outside a repository, so git judges the name and does not expand `@` or `@{-1}`.
  const outside = mkdtempSync(join(tmpdir(), 'aiproxy-refcheck-'));
  // Where aiproxy is stricter than git, on purpose (see REFUSED).
  const STRICTER = new Set(['@', 'csi\u009b', 'bidi\u202eevil']);

  it.each([...ACCEPTED, ...REFUSED.map(([name]) => name)])('agrees on %j', (name) => {
    expect(branchNameProblem(name) === null).toBe(gitAccepts(name, outside) && !STRICTER.has(name));
  });

  it('agrees on names made of the characters git cares about', () => {
    const unit = fc.constantFrom('a', 'é', '.', '/', '-', '@', '{', 'l', 'o', 'c', 'k', ' ', '~');
    fc.assert(
      fc.property(fc.string({ unit, minLength: 1, maxLength: 10 }), (name) => {
        fc.pre(name !== '@');
        expect(branchNameProblem(name) === null, name).toBe(gitAccepts(name, outside));
      }),
      { numRuns: 200 },
    );
  });
});
