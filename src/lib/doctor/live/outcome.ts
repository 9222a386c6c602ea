/**
 * What a live diagnosis concluded, and the exit code that says it. Kept apart from the
 * diagnosis so a command can map the outcome without loading the AWS clients.
 */
import { ExitCode, type ExitCodeValue } from '../../errors.js';
import type { FailedAction, LiveOutcome } from './types.js';

const EXIT_CODES: Record<LiveOutcome, ExitCodeValue> = {
  denials: ExitCode.DenialsFound,
  failure: ExitCode.OtherFailure,
  // Not a verdict on the failure but on doctor's reads: an AWS problem, and the fix is AWS's.
  undetermined: ExitCode.Aws,
  none: ExitCode.Ok,
};

/**
 * The outcome. No denial in what was read proves nothing when a failed action's log or events
 * were not read: that is `undetermined`, never a failure of another kind.
 */
export function outcomeOf(denials: number, failedActions: readonly FailedAction[]): LiveOutcome {
  if (denials > 0) return 'denials';
  if (failedActions.length === 0) return 'none';
  return failedActions.some((a) => a.unread.length > 0) ? 'undetermined' : 'failure';
}

/**
 * The exit code of an outcome, for `doctor` and for any command that runs the live diagnosis:
 * 1 denials, 5 a failure that is not a denial, 3 undetermined (evidence not read), 0 nothing.
 */
export function liveExitCode(outcome: LiveOutcome): ExitCodeValue {
  return EXIT_CODES[outcome];
}
