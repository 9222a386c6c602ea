/**
 * The one yes/no question before aiproxy changes AWS. Asking is the command's decision,
 * made here once: `--yes` answers for CI; without a terminal (or under `--json`) there is
 * nobody to ask, so aiproxy refuses rather than assume; a no, or Ctrl-C, is a refusal.
 */
import { confirm } from '@inquirer/prompts';

import { RefusedError } from '../errors.js';

/** Options for {@link confirmAction}. */
export interface ConfirmActionOptions {
  /** The `--yes` flag: answer yes without asking. */
  yes: boolean;
  /** The `--json` flag: output is for a program, so no question can be asked. */
  json: boolean;
  /** Whether a person can answer (default: stdin and stderr are terminals). */
  interactive?: boolean;
  /** How to review the change first, when the command has a way (`--dry-run`). */
  review?: string;
  /** Asks the question; defaults to `@inquirer/prompts` on stderr (stdout stays clean). */
  ask?: (message: string) => Promise<boolean>;
}

/**
 * Resolves true when the action may go ahead; otherwise throws `RefusedError` (exit 4):
 * `NEEDS_YES` when nobody can be asked, `DECLINED` when the answer is no or Ctrl-C.
 * Use it as `deployStack`'s `confirm`: `(q) => confirmAction(q.message, flags)`.
 */
export async function confirmAction(message: string, options: ConfirmActionOptions): Promise<true> {
  if (options.yes) return true;

  const interactive =
    options.interactive ?? (process.stdin.isTTY === true && process.stderr.isTTY === true);
  if (!interactive || options.json) {
    throw new RefusedError(
      'NEEDS_YES',
      `Not changing anything: ${options.json ? 'with --json nobody is asked' : 'there is no terminal to ask'} "${message}"`,
      {
        suggestions: [
          ...(options.review === undefined ? [] : [options.review]),
          'Pass --yes to go ahead without a prompt, or run it in a terminal to be asked.',
        ],
      },
    );
  }

  const ask = options.ask ?? askOnStderr;
  let answer: boolean;
  try {
    answer = await ask(message);
  } catch (error) {
    // Ctrl-C (or a closed stdin) at the prompt is a no, not a crash.
    if (error instanceof Error && error.name === 'ExitPromptError') answer = false;
    else throw error;
  }
  if (!answer) {
    throw new RefusedError('DECLINED', 'Declined: nothing was changed.', {
      suggestions: ['Run the command again when ready, or pass --yes in CI.'],
    });
  }
  return true;
}

/**
 * {@link confirmAction} for flows that clean up after a "no" themselves: a no (or Ctrl-C) is
 * false; "nobody to ask" stays a `RefusedError`.
 */
export async function confirmOrDecline(
  message: string,
  options: ConfirmActionOptions,
): Promise<boolean> {
  try {
    return await confirmAction(message, options);
  } catch (error) {
    if (error instanceof RefusedError && error.code === 'DECLINED') return false;
    throw error;
  }
}

function askOnStderr(message: string): Promise<boolean> {
  return confirm({ message, default: false }, { output: process.stderr });
}
