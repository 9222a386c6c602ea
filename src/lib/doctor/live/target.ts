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

// CodeBuild's own patterns: a project name, and a build id `<project>:<uuid>`, alone or in the
// build's ARN. https://docs.aws.amazon.com/codebuild/latest/APIReference/API_Build.html
const PROJECT = '[A-Za-z0-9][A-Za-z0-9_-]{1,254}';
const UUID = '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}';
const BUILD_ID = new RegExp(`^${PROJECT}:${UUID}$`);
const BUILD_ARN = new RegExp(
  `^arn:aws[a-z-]*:codebuild:[a-z0-9-]+:\\d{12}:build/(${PROJECT}:${UUID})$`,
);
// CodePipeline's pattern for a pipeline name, and CloudFormation's for a stack name (or an id,
// which is the stack's ARN).
const PIPELINE_NAME = /^[A-Za-z0-9.@_-]{1,100}$/;
const STACK_NAME = /^(?:[A-Za-z][A-Za-z0-9-]{0,127}|arn:aws[a-z-]*:cloudformation:\S+)$/;

/**
 * The build id of `--build-id`: `<project>:<uuid>` as given, or taken from the build's ARN.
 *
 * @throws InputError when it has neither shape.
 */
function buildIdOf(value: string): string {
  if (BUILD_ID.test(value)) return value;
  const fromArn = BUILD_ARN.exec(value)?.[1];
  if (fromArn !== undefined) return fromArn;
  throw new InputError(
    'USAGE',
    `--build-id ${JSON.stringify(value)} is not a CodeBuild build id (PROJECT:UUID, or the build's ARN).`,
    {
      suggestions: [
        'List a project’s builds, newest first: `aws codebuild list-builds-for-project --project-name PROJECT`.',
        'Or diagnose the pipeline instead: `aiproxy doctor --branch BRANCH` finds its failed build.',
      ],
    },
  );
}

/** Checks a pipeline or stack name locally, so a typo is not sent to AWS. */
function checkName(value: string, what: 'pipeline' | 'stack'): void {
  if ((what === 'pipeline' ? PIPELINE_NAME : STACK_NAME).test(value)) return;
  const empty = value.trim() === '';
  if (what === 'pipeline') {
    throw usage(
      empty
        ? 'The pipeline name is empty.'
        : `${JSON.stringify(value)} is not a pipeline name (letters, digits and . @ _ -, at most 100).`,
      'List the pipelines with `aws codepipeline list-pipelines`, or pass --branch NAME.',
    );
  }
  throw usage(
    empty ? '--stack is empty.' : `--stack ${JSON.stringify(value)} is not a stack name or id.`,
    'List the stacks with `aws cloudformation list-stacks`; pass a name (a letter, then letters, digits and -) or a stack id (its ARN).',
  );
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
    return { request: { kind: 'build', buildId: buildIdOf(flags.buildId) }, branch: null };
  }
  if (flags.stack !== undefined) {
    checkName(flags.stack, 'stack');
    return { request: { kind: 'stack', stackName: flags.stack }, branch: null };
  }
  if (flags.executionId !== undefined && flags.executionId.trim() === '') {
    throw usage(
      '--execution-id is empty.',
      'List the runs with `aws codepipeline list-pipeline-executions --pipeline-name PIPELINE`, or leave out --execution-id for the latest failed one.',
    );
  }
  const execution = flags.executionId === undefined ? {} : { executionId: flags.executionId };
  if (flags.pipeline !== undefined) {
    checkName(flags.pipeline, 'pipeline');
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
