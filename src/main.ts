/**
 * The process entry point. oclif turns any uncaught error into exit code 1, which here would
 * read as "access denials found", so every outcome is mapped to the one table in
 * `lib/errors.ts` and printed here, once: a message, a code and a suggestion, or with
 * `--json` a JSON object. Stack traces only with `--verbose`.
 */
import { Errors, flush, run } from '@oclif/core';

import { AiproxyError, ExitCode } from './lib/errors.js';
import { formatError } from './lib/ui/error-output.js';

/** Runs the CLI with `argv` and sets `process.exitCode`; never throws. */
export async function main(argv: string[]): Promise<void> {
  // The AWS SDK warns on every run under Node 20 about its own future releases; aiproxy pins
  // SDK versions that support Node 20, so the warning is noise to the user (engines says 20.17+).
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

  const json = argv.includes('--json');
  const verbose = argv.includes('--verbose');

  // A reader that goes away (`| head`) must not kill the command halfway through a change: an
  // unhandled EPIPE would exit 1 ("denials found") and skip the clean-up of an empty stack.
  // What is left to print has nowhere to go; the work and its exit code carry on.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') throw error;
    });
  }

  try {
    await run(argv, import.meta.url);
    await flush();
  } catch (error) {
    const exitCode = exitCodeOf(error);
    if (exitCode === undefined) return;
    const output = formatError(toAiproxyError(error, exitCode), {
      json,
      verbose,
      color: !process.env.NO_COLOR && process.stderr.isTTY === true,
    });
    // With --json the error object is the command's one JSON document, on stdout.
    (json ? process.stdout : process.stderr).write(output);
    process.exitCode = exitCode;
  }
}

/** The exit code for a thrown value; undefined when the command already chose one. */
function exitCodeOf(error: unknown): number | undefined {
  if (error instanceof AiproxyError) return error.exitCode;
  if (error instanceof Errors.ExitError) {
    process.exitCode = error.oclif.exit ?? ExitCode.Ok;
    return undefined;
  }
  // oclif's own errors are about the command line: unknown flags, missing arguments.
  if (error instanceof Errors.CLIError) return ExitCode.Usage;
  return ExitCode.Internal;
}

function toAiproxyError(error: unknown, exitCode: number): AiproxyError {
  if (error instanceof AiproxyError) return error;
  if (exitCode === ExitCode.Usage && error instanceof Error) {
    return new AiproxyError('USAGE', error.message.replace(/^Error: /, ''), {
      suggestions: ['Run the command with --help to see its flags and arguments.'],
      cause: error,
    });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new AiproxyError('INTERNAL', `Internal error: ${message}`, {
    exitCode: ExitCode.Internal,
    suggestions: ['Run again with --verbose and report the output as an aiproxy issue.'],
    cause: error,
  });
}
