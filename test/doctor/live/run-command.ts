/**
 * Runs `aiproxy doctor` in-process, as the entry point would: the command class with oclif's
 * config from the repository root, stdout and stderr captured, and a thrown error turned into
 * its exit code and printed output exactly as `src/main.ts` prints it.
 */
import { fileURLToPath } from 'node:url';

import { vi } from 'vitest';

import Doctor from '../../../src/commands/doctor.js';
import { AiproxyError } from '../../../src/lib/errors.js';
import { formatError } from '../../../src/lib/ui/error-output.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** What a run printed and how it ended. */
export interface DoctorRun {
  stdout: string;
  stderr: string;
  exitCode: number;
  error: AiproxyError | undefined;
}

/** Runs `doctor` with `argv`; never throws for an `AiproxyError` (it becomes the output). */
export async function runDoctor(argv: string[]): Promise<DoctorRun> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: unknown) => {
    stdout.push(String(chunk));
    return true;
  });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: unknown) => {
    stderr.push(String(chunk));
    return true;
  });
  process.exitCode = undefined;
  let error: AiproxyError | undefined;
  try {
    await Doctor.run(argv, ROOT);
  } catch (thrown) {
    if (!(thrown instanceof AiproxyError)) throw thrown;
    error = thrown;
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
  const exitCode = error?.exitCode ?? Number(process.exitCode ?? 0);
  // The test process itself must not end with the command's code.
  process.exitCode = undefined;
  if (error !== undefined) {
    const json = argv.includes('--json');
    const text = formatError(error, { json, verbose: false, color: false });
    (json ? stdout : stderr).push(text);
  }
  return { stdout: stdout.join(''), stderr: stderr.join(''), exitCode, error };
}
