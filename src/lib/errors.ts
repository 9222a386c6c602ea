/**
 * One exit-code table for every command, and one error family that carries a stable code
 * and a suggestion naming the fix. The entry point (`src/main.ts`) maps every outcome to
 * these codes; nothing else calls `process.exit`.
 */
export const ExitCode = {
  /** Success, or nothing found. */
  Ok: 0,
  /** Access denials found. */
  DenialsFound: 1,
  /** Usage or input error. */
  Usage: 2,
  /** AWS or credentials error. */
  Aws: 3,
  /** Refused or declined: a prompt answered no, a non-TTY without `--yes`, an unsafe apply. */
  Refused: 4,
  /** A failure was found that is not an access denial. */
  OtherFailure: 5,
  /** A bug in aiproxy. */
  Internal: 70,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** The table as shown in `--help` and the README. */
export const EXIT_CODE_TABLE: readonly (readonly [ExitCodeValue, string])[] = [
  [ExitCode.Ok, 'success, or nothing found'],
  [ExitCode.DenialsFound, 'access denials found'],
  [ExitCode.Usage, 'usage or input error'],
  [ExitCode.Aws, 'AWS or credentials error'],
  [ExitCode.Refused, 'refused or declined (answered no, no TTY without --yes, unsafe apply)'],
  [ExitCode.OtherFailure, 'a failure was found that is not an access denial'],
  [ExitCode.Internal, 'internal error (a bug: please report it)'],
];

/** Options for {@link AiproxyError}. */
export interface AiproxyErrorOptions {
  /** What the user can do about it; name the flag or command that fixes it. */
  suggestions?: string[];
  exitCode?: ExitCodeValue;
  cause?: unknown;
}

/**
 * The base error of aiproxy: a message for people, a stable `code` for scripts, suggestions
 * that name the fix, and the exit code it ends the process with.
 */
export class AiproxyError extends Error {
  readonly code: string;
  readonly suggestions: string[];
  readonly exitCode: ExitCodeValue;

  constructor(code: string, message: string, options: AiproxyErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AiproxyError';
    this.code = code;
    this.suggestions = options.suggestions ?? [];
    this.exitCode = options.exitCode ?? ExitCode.Usage;
  }
}

/** Bad input: a missing file, an invalid flag value, an unreadable config (exit 2). */
export class InputError extends AiproxyError {
  constructor(code: string, message: string, options: Omit<AiproxyErrorOptions, 'exitCode'> = {}) {
    super(code, message, { ...options, exitCode: ExitCode.Usage });
    this.name = 'InputError';
  }
}

/** AWS said no, or credentials are missing or expired (exit 3). */
export class AwsError extends AiproxyError {
  constructor(code: string, message: string, options: Omit<AiproxyErrorOptions, 'exitCode'> = {}) {
    super(code, message, { ...options, exitCode: ExitCode.Aws });
    this.name = 'AwsError';
  }
}

/** The user declined, or aiproxy refused to do something unsafe (exit 4). */
export class RefusedError extends AiproxyError {
  constructor(code: string, message: string, options: Omit<AiproxyErrorOptions, 'exitCode'> = {}) {
    super(code, message, { ...options, exitCode: ExitCode.Refused });
    this.name = 'RefusedError';
  }
}
