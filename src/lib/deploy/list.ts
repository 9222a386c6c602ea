/**
 * `aiproxy list`: the application's branch pipelines (stacks `<p>-*-cicd`), each with its
 * branch, its stack status, its application stack and the status of its last pipeline run.
 */
import {
  DescribeStacksCommand,
  GetTemplateCommand,
  ListStacksCommand,
  type CloudFormationClient,
  type Stack,
  type StackSummary,
} from '@aws-sdk/client-cloudformation';
import { ListPipelineExecutionsCommand } from '@aws-sdk/client-codepipeline';

import { callAws } from '../aws/call.js';
import type { AwsContext } from '../aws/clients.js';
import { toAwsError } from '../aws/errors.js';
import { branchSlug } from '../names.js';
import { parseTemplate } from '../stacks/template-body.js';
import { LIVE_STACK_STATUSES, outputsOf } from '../stacks/state.js';
import { PIPELINE_LOGICAL_IDS } from '../templates/pipeline-parts.js';
import { toSingleLine } from '../text.js';

/** The tag `deploy`'s template puts on each resource of a pipeline stack (`pipeline-parts.ts`). */
const BRANCH_TAG = 'aiproxy:branch';

/** The last run of a pipeline. */
export interface LastExecution {
  executionId: string;
  /** `Succeeded`, `Failed`, `InProgress`, … */
  status: string;
  /** ISO 8601. */
  startTime: string | null;
  /** The commit it built, when CodePipeline reports it. */
  revision: string | null;
}

/** One branch's pipeline. */
export interface BranchPipeline {
  /**
   * The branch as git names it, read back from the stack (see {@link readPipelineBranch});
   * null when the stack does not record it, and only `slug` is known.
   */
  branch: string | null;
  /** The branch's fragment of AWS names (`<p>-<slug>-cicd`); `destroy --branch` takes it too. */
  slug: string;
  stackName: string;
  stackStatus: string;
  /** ISO 8601: when the pipeline stack last changed. */
  updatedAt: string | null;
  pipelineName: string;
  /** Null when the pipeline has never run, or could not be read (see `note`). */
  lastExecution: LastExecution | null;
  appStack: { name: string; status: string } | null;
  /** Why the last run is unknown, when it is. */
  note?: string;
}

/** Options for {@link listBranchPipelines}. */
export interface ListBranchPipelinesOptions {
  prefix: string;
  /** Pipelines read at once (default 5): enough to be quick, few enough not to be throttled. */
  concurrency?: number;
}

/**
 * The branch pipelines of `prefix` in the caller's region, sorted by branch (or slug).
 *
 * A prefix that is itself `<prefix>-<word>` (`aiproxy-x`) shares the name pattern; the
 * policies share it as well, so its pipelines are listed too, as the developer may reach them.
 */
export async function listBranchPipelines(
  ctx: AwsContext,
  options: ListBranchPipelinesOptions,
): Promise<BranchPipeline[]> {
  const summaries = await listLiveStacks(ctx);
  const byName = new Map(summaries.map((s) => [s.StackName ?? '', s]));
  const head = `${options.prefix}-`;
  const pipelines = summaries.filter((s) => {
    const name = s.StackName ?? '';
    return name.startsWith(head) && name.endsWith('-cicd') && name.length > head.length + 5;
  });

  const rows = await mapLimited(pipelines, options.concurrency ?? 5, (summary) =>
    describeBranch(ctx, summary, options.prefix, byName),
  );
  return rows.sort((a, b) => (a.branch ?? a.slug).localeCompare(b.branch ?? b.slug));
}

async function listLiveStacks(ctx: AwsContext): Promise<StackSummary[]> {
  const all: StackSummary[] = [];
  let nextToken: string | undefined;
  do {
    const page = await callAws({ service: 'cloudformation', operation: 'ListStacks' }, () =>
      ctx.cloudformation.send(
        new ListStacksCommand({
          StackStatusFilter: [...LIVE_STACK_STATUSES],
          ...(nextToken === undefined ? {} : { NextToken: nextToken }),
        }),
      ),
    );
    all.push(...(page.StackSummaries ?? []));
    nextToken = page.NextToken;
  } while (nextToken !== undefined);
  return all;
}

async function describeBranch(
  ctx: AwsContext,
  summary: StackSummary,
  prefix: string,
  byName: Map<string, StackSummary>,
): Promise<BranchPipeline> {
  const stackName = summary.StackName ?? '';
  const slug = stackName.slice(prefix.length + 1, -'-cicd'.length);
  const appName = `${prefix}-${slug}-app`;
  const app = byName.get(appName);
  const stack = await describeQuietly(ctx.cloudformation, stackName);
  const pipelineName =
    (stack === undefined ? undefined : outputsOf(stack).PipelineName) ||
    `${prefix}-${slug}-pipeline`;
  const branch = await readPipelineBranch(ctx.cloudformation, {
    stackName,
    slug,
    prefix,
    ...(stack === undefined ? {} : { stack }),
  });
  const updated = summary.LastUpdatedTime ?? summary.CreationTime;

  const row: BranchPipeline = {
    branch,
    slug,
    stackName,
    stackStatus: summary.StackStatus ?? 'UNKNOWN',
    updatedAt: updated === undefined ? null : updated.toISOString(),
    pipelineName,
    lastExecution: null,
    appStack: app === undefined ? null : { name: appName, status: app.StackStatus ?? 'UNKNOWN' },
  };
  const last = await lastExecutionOf(ctx, pipelineName);
  return 'note' in last ? { ...row, note: last.note } : { ...row, lastExecution: last.execution };
}

/**
 * The stack, for its `PipelineName` output and its tags; undefined when it cannot be read (the
 * name rule then gives the pipeline's name, and the template the branch).
 */
async function describeQuietly(
  cf: CloudFormationClient,
  stackName: string,
): Promise<Stack | undefined> {
  try {
    const output = await cf.send(new DescribeStacksCommand({ StackName: stackName }));
    return output.Stacks?.[0];
  } catch {
    return undefined;
  }
}

/** Options for {@link readPipelineBranch}. */
export interface ReadPipelineBranchOptions {
  /** The pipeline stack, `<prefix>-<slug>-cicd`. */
  stackName: string;
  slug: string;
  prefix: string;
  /** The stack as DescribeStacks returned it, when the caller has it already. */
  stack?: Stack;
}

/**
 * The git branch a pipeline stack was deployed for, or null when the stack does not say.
 *
 * A slug `names.ts` kept as it was is the branch itself. A changed one ends in a hash, which
 * cannot be undone, so the branch is read back from the stack: its own `aiproxy:branch` tag
 * when it has one, else its template, whose pipeline carries the same tag and names the branch
 * in its source action (`deploy` tags the resources, not the stack). A name is only believed
 * when it gives the stack's slug again, so `destroy --branch` with it reaches the same stacks.
 * Best effort: an unreadable stack or template gives null, never an error, so one stack cannot
 * hide the others.
 */
export async function readPipelineBranch(
  cf: CloudFormationClient,
  options: ReadPipelineBranchOptions,
): Promise<string | null> {
  const fits = (candidate: unknown): candidate is string =>
    typeof candidate === 'string' && slugOf(candidate, options.prefix) === options.slug;
  // A slug kept as it was is its branch: no other branch's slug looks like that (names.ts).
  if (fits(options.slug)) return options.slug;

  const stack = options.stack ?? (await describeQuietly(cf, options.stackName));
  const tagged = stack?.Tags?.find((tag) => tag.Key === BRANCH_TAG)?.Value;
  if (fits(tagged)) return tagged;

  const template = await templateQuietly(cf, options.stackName);
  return templateBranches(template).find(fits) ?? null;
}

function slugOf(branch: string, prefix: string): string | undefined {
  try {
    return branchSlug(branch, prefix);
  } catch {
    return undefined;
  }
}

async function templateQuietly(
  cf: CloudFormationClient,
  stackName: string,
): Promise<Record<string, unknown>> {
  try {
    const output = await cf.send(
      new GetTemplateCommand({ StackName: stackName, TemplateStage: 'Original' }),
    );
    return parseTemplate(output.TemplateBody);
  } catch {
    return {};
  }
}

/**
 * The branch names a pipeline template holds: its pipeline's `aiproxy:branch` tag, then its
 * source action's `BranchName` (exact even where the tag had to fall back to the slug, as tag
 * values allow fewer characters than git branch names).
 */
function templateBranches(template: Record<string, unknown>): unknown[] {
  const pipeline = field(field(template, 'Resources'), PIPELINE_LOGICAL_IDS.pipeline);
  const properties = field(pipeline, 'Properties');
  const tags = listOf(field(properties, 'Tags'));
  const tag = tags.find((t) => field(t, 'Key') === BRANCH_TAG);
  const sources = listOf(field(properties, 'Stages'))
    .flatMap((stage) => listOf(field(stage, 'Actions')))
    .filter((action) => field(field(action, 'ActionTypeId'), 'Category') === 'Source');
  return [
    field(tag, 'Value'),
    ...sources.map((action) => field(field(action, 'Configuration'), 'BranchName')),
  ];
}

function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null
    ? (value as Record<string, unknown>)[key]
    : undefined;
}

function listOf(value: unknown): unknown[] {
  return Array.isArray(value) ? (value as unknown[]) : [];
}

async function lastExecutionOf(
  ctx: AwsContext,
  pipelineName: string,
): Promise<{ execution: LastExecution | null } | { note: string }> {
  try {
    const output = await ctx.codepipeline.send(
      new ListPipelineExecutionsCommand({ pipelineName, maxResults: 1 }),
    );
    const run = output.pipelineExecutionSummaries?.[0];
    if (run?.pipelineExecutionId === undefined) return { execution: null };
    return {
      execution: {
        executionId: run.pipelineExecutionId,
        status: run.status ?? 'Unknown',
        startTime: run.startTime?.toISOString() ?? null,
        revision: run.sourceRevisions?.[0]?.revisionId ?? null,
      },
    };
  } catch (error) {
    // One unreadable pipeline (not created yet, or being deleted) must not hide the others.
    if (error instanceof Error && error.name === 'PipelineNotFoundException') {
      return { note: 'no pipeline (yet)' };
    }
    const mapped = await toAwsError(error, {
      service: 'codepipeline',
      operation: 'ListPipelineExecutions',
    });
    return { note: toSingleLine(mapped.message) };
  }
}

/** `map` with at most `limit` calls in flight, results in input order. */
async function mapLimited<T, R>(
  items: readonly T[],
  limit: number,
  run: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next;
      next += 1;
      results[index] = await run(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
