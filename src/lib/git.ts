/**
 * The one thing aiproxy asks git: which branch is checked out, so `deploy` and `destroy` can
 * default `--branch` to it.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

import { InputError } from './errors.js';

const run = promisify(execFile);

/** Options for {@link currentBranch}. */
export interface CurrentBranchOptions {
  /** The working directory (default: the process's). */
  cwd?: string;
}

const BRANCH_FLAG = ['Pass the branch explicitly: `--branch feature/x`.'];

/**
 * The checked-out branch, from `git rev-parse --abbrev-ref HEAD`.
 *
 * @throws InputError when git is missing, `cwd` is not in a repository, the repository has no
 *   commit yet, or HEAD is detached (as in most CI checkouts): each says to pass `--branch`.
 */
export async function currentBranch(options: CurrentBranchOptions = {}): Promise<string> {
  let stdout: string;
  try {
    ({ stdout } = await run('git', ['rev-parse', '--abbrev-ref', 'HEAD'], {
      cwd: options.cwd ?? process.cwd(),
      encoding: 'utf8',
      // Never prompt (credential helpers, pagers): this must answer at once or fail.
      env: { ...process.env, GIT_TERMINAL_PROMPT: '0' },
    }));
  } catch (error) {
    throw gitFailure(error);
  }

  const branch = stdout.trim();
  // git prints the literal `HEAD` when no branch is checked out.
  if (branch === 'HEAD' || branch === '') {
    throw new InputError(
      'GIT_DETACHED_HEAD',
      'HEAD is detached (no branch is checked out), so there is no branch to default to.',
      { suggestions: [...BRANCH_FLAG, 'Or check out the branch first: `git switch NAME`.'] },
    );
  }
  return branch;
}

function gitFailure(error: unknown): InputError {
  const shape = error as { code?: unknown; stderr?: unknown };
  if (shape.code === 'ENOENT') {
    return new InputError('GIT_NOT_FOUND', 'git is not installed, so the branch is unknown.', {
      suggestions: BRANCH_FLAG,
      cause: error,
    });
  }
  const stderr = typeof shape.stderr === 'string' ? shape.stderr : '';
  // `rev-parse HEAD` fails in a fresh repository: HEAD names a branch with no commit yet.
  const unborn = /ambiguous argument 'HEAD'|unknown revision/.test(stderr);
  return new InputError(
    unborn ? 'GIT_NO_COMMIT' : 'GIT_NO_REPOSITORY',
    unborn
      ? 'The git repository has no commit yet, so its branch cannot be read.'
      : 'Not inside a git repository, so the current branch is unknown.',
    { suggestions: BRANCH_FLAG, cause: error },
  );
}
