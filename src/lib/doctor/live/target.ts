/**
 * What to diagnose, from the command line: a pipeline by name, a branch's pipeline (by the
 * naming rule `deploy` uses; default the current git branch), a build, or a stack.
 */
import { loadProjectConfig } from '../../config/project-config.js';
import { InputError } from '../../errors.js';
import { currentBranch } from '../../git.js';
import { branchNames, DEFAULT_PREFIX } from '../../names.js';
import type { TargetRequest } from './types.js';

/** The flags and argument that choose the target. */
export interface TargetFlags {
  pipeline?: string | undefined;
  branch?: string | undefined;
  executionId?: string | undefined;
  buildId?: string | undefined;
  stack?: string | undefined;
}

/**
 * The application prefix: the project config's `prefix` when a valid config is found from
 * `cwd`, else `aiproxy`. A missing or broken config is not doctor's concern.
 */
export async function projectPrefix(cwd: string): Promise<string> {
  try {
    return (await loadProjectConfig(cwd)).config.prefix ?? DEFAULT_PREFIX;
  } catch {
    return DEFAULT_PREFIX;
  }
}

function usage(message: string, suggestion: string): InputError {
  return new InputError('USAGE', message, { suggestions: [suggestion] });
}

/**
 * Turns the flags into one target. Exactly one of: the pipeline argument, `--branch`,
 * `--build-id`, `--stack`; with none, the current git branch's pipeline.
 *
 * @throws InputError when the flags conflict or nothing names a target.
 */
export async function resolveTarget(
  flags: TargetFlags,
  options: { prefix: string; cwd: string },
): Promise<{ request: TargetRequest; branch: string | null }> {
  const given = [
    flags.pipeline !== undefined && 'the pipeline argument',
    flags.branch !== undefined && '--branch',
    flags.buildId !== undefined && '--build-id',
    flags.stack !== undefined && '--stack',
  ].filter((g): g is string => g !== false);
  if (given.length > 1) {
    throw usage(
      `Name one thing to diagnose, not ${given.join(' and ')}.`,
      'Pass a pipeline name, --branch, --build-id or --stack (one of them).',
    );
  }
  if (
    flags.executionId !== undefined &&
    (flags.buildId !== undefined || flags.stack !== undefined)
  ) {
    throw usage(
      '--execution-id belongs to a pipeline.',
      'Use it with a pipeline name or --branch.',
    );
  }
  if (flags.buildId !== undefined) {
    return { request: { kind: 'build', buildId: flags.buildId }, branch: null };
  }
  if (flags.stack !== undefined) {
    return { request: { kind: 'stack', stackName: flags.stack }, branch: null };
  }
  const execution = flags.executionId === undefined ? {} : { executionId: flags.executionId };
  if (flags.pipeline !== undefined) {
    return {
      request: { kind: 'pipeline', name: flags.pipeline, ...execution, from: 'argument' },
      branch: null,
    };
  }

  const branch = flags.branch ?? (await branchOfCheckout(options.cwd));
  const { pipelineName } = branchNames(branch, { prefix: options.prefix });
  const from = flags.branch === undefined ? `git branch ${branch}` : `--branch ${branch}`;
  return { request: { kind: 'pipeline', name: pipelineName, ...execution, from }, branch };
}

/** The checked-out branch; when there is none, the error names every other way to choose. */
async function branchOfCheckout(cwd: string): Promise<string> {
  try {
    return await currentBranch({ cwd });
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    throw new InputError(
      error.code,
      `Nothing named to diagnose, and ${lowerFirst(error.message)}`,
      {
        suggestions: [
          'Name a pipeline, or pass --branch NAME, --build-id ID, --stack NAME or --log-file PATH.',
        ],
        cause: error,
      },
    );
  }
}

/** Lower-cases a sentence's first letter, but not an acronym's (`HEAD`, `AWS`). */
function lowerFirst(text: string): string {
  if (/^[A-Z]{2}/.test(text)) return text;
  return text.charAt(0).toLowerCase() + text.slice(1);
}
