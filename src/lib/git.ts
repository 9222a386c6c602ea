/**
 * Branch names: the one thing aiproxy asks git (which branch is checked out, so `deploy` and
 * `destroy` can default `--branch` to it), and git's own rules for what a branch name may be,
 * checked here without git so that `deploy --dry-run` refuses a name no push could ever match.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

import { InputError } from './errors.js';
import { stripControl } from './text.js';

const run = promisify(execFile);

/** Options for {@link currentBranch}. */
export interface CurrentBranchOptions {
  /** The working directory (default: the process's). */
  cwd?: string;
}

const BRANCH_FLAG = ['Pass the branch explicitly: `--branch feature/x`.'];

/** Where a branch name came from: `--branch`, or the checkout. */
export type BranchSource = 'flag' | 'git';

/** The branch a command works on, and where it came from. */
export interface ResolvedBranch {
  branch: string;
  source: BranchSource;
}

/**
 * The `--branch` value when given, else the checked-out branch; either way checked with
 * {@link validateBranchName} before anything reads AWS.
 *
 * @throws InputError `INVALID_BRANCH` for a name git would refuse, or {@link currentBranch}'s
 *   errors when there is no flag and no branch to default to.
 */
export async function resolveBranch(
  flag: string | undefined,
  options: CurrentBranchOptions = {},
): Promise<ResolvedBranch> {
  const branch = flag ?? (await currentBranch(options));
  return { branch: validateBranchName(branch), source: flag === undefined ? 'git' : 'flag' };
}

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

// git refuses these anywhere in a ref name (`git help check-ref-format`, rules 4 and 5).
const GIT_FORBIDDEN = /[ ~^:?*[\\]/;

// ASCII controls, which git refuses; then C1 controls and the bidi overrides, which git allows
// but which `stripControl` removes before anything is shown: a name holding one would print
// as another name. The same set as `text.ts`, so every accepted name prints as itself.
// eslint-disable-next-line no-control-regex
const ASCII_CONTROL = /[\u0000-\u001f\u007f]/;
const HIDDEN_CONTROL = /[\u0080-\u009f\u202a-\u202e\u2066-\u2069]/;
// eslint-disable-next-line no-control-regex
const UNSHOWABLE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

// Half of a surrogate pair: no UTF-8 spelling, so it cannot be in any git ref (nor hashed
// apart from another one: both would encode as U+FFFD).
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/**
 * What git would object to in a branch name, as the end of a sentence ("it …"), or null when
 * git accepts it. The rules of `git check-ref-format --branch NAME` (checked against git 2.39),
 * plus one of ours: no C1 control or bidi override.
 */
export function branchNameProblem(name: string): string | null {
  if (LONE_SURROGATE.test(name)) return 'is not valid Unicode (half of a surrogate pair)';
  const control = ASCII_CONTROL.exec(name);
  if (control !== null) return `contains the control character ${codePoint(control[0])}`;
  const hidden = HIDDEN_CONTROL.exec(name);
  if (hidden !== null) {
    return `contains ${codePoint(hidden[0])}, a control character that would not be shown`;
  }
  const forbidden = GIT_FORBIDDEN.exec(name);
  if (forbidden !== null) {
    return forbidden[0] === ' ' ? 'contains a space' : `contains ${JSON.stringify(forbidden[0])}`;
  }
  if (name.includes('..')) return 'contains ".."';
  if (name.includes('@{')) return 'contains "@{", which git reads as a reflog or upstream';
  if (name.startsWith('-')) return 'starts with "-", which git would read as an option';
  // `@` alone is git's shorthand for HEAD (rule 9; inside a repository `--branch @` expands
  // to the checked-out branch rather than naming one), and git refuses a branch called HEAD.
  if (name === '@' || name === 'HEAD') return `is ${JSON.stringify(name)}, which git reserves`;
  if (name.startsWith('/')) return 'starts with "/"';
  if (name.endsWith('/')) return 'ends with "/"';
  if (name.includes('//')) return 'contains "//" (an empty part between slashes)';
  if (name.endsWith('.')) return 'ends with "."';

  for (const part of name.split('/')) {
    if (part.startsWith('.')) return `has a part starting with "." (${JSON.stringify(part)})`;
    if (part.endsWith('.lock')) return `has a part ending in ".lock" (${JSON.stringify(part)})`;
  }
  return null;
}

/**
 * Checks a branch name with git's rules for branch names (see {@link branchNameProblem}) and
 * returns it. Unicode letters are fine, as they are for git.
 *
 * @throws InputError `INVALID_BRANCH` (exit 2) naming what is wrong; the name in the message is
 *   JSON-quoted with every control character spelled out, never echoed raw.
 */
export function validateBranchName(name: string): string {
  if (name.trim() === '') {
    throw new InputError('INVALID_BRANCH', 'The branch name is empty.', {
      suggestions: ['Pass `--branch NAME`, or run inside a git checkout on a branch.'],
    });
  }
  const problem = branchNameProblem(name);
  if (problem === null) return name;
  throw new InputError(
    'INVALID_BRANCH',
    `The branch name ${quoteBranchName(name)} is not one git allows: it ${problem}.`,
    {
      suggestions: [
        'Check a name with `git check-ref-format --branch NAME`, then pass one it accepts to `--branch`.',
      ],
    },
  );
}

/**
 * A branch name as it may be shown to a person: JSON-quoted, with every character a terminal
 * would act on (or that `stripControl` would hide) written as `\uXXXX`.
 */
export function quoteBranchName(name: string): string {
  const escaped = JSON.stringify(name).replace(UNSHOWABLE, (c) => `\\u${hex(c)}`);
  // Nothing is left for it to remove; it stays as the guard every echoed string passes.
  return stripControl(escaped);
}

function codePoint(char: string): string {
  return `U+${hex(char)}`;
}

function hex(char: string): string {
  return (char.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0');
}
