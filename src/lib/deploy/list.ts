/**
 * `aiproxy list`: the application's branch pipelines (stacks `<p>-*-cicd`), each with its
 * stack status, its application stack and the status of its last pipeline run.
 */
import {
  DescribeStacksCommand,
  ListStacksCommand,
  type StackSummary,
} from '@aws-sdk/client-cloudformation';
import { ListPipelineExecutionsCommand } from '@aws-sdk/client-codepipeline';

import { callAws } from '../aws/call.js';
import type { AwsContext } from '../aws/clients.js';
import { toAwsError } from '../aws/errors.js';
import { LIVE_STACK_STATUSES, outputsOf } from '../stacks/state.js';
import { toSingleLine } from '../text.js';

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
  /** The branch's name fragment (the branch itself is not recoverable from a hashed slug). */
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
 * The branch pipelines of `prefix` in the caller's region, sorted by slug.
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
  return rows.sort((a, b) => a.slug.localeCompare(b.slug));
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
  const pipelineName = (await pipelineNameOf(ctx, stackName)) ?? `${prefix}-${slug}-pipeline`;
  const updated = summary.LastUpdatedTime ?? summary.CreationTime;

  const row: BranchPipeline = {
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

/** The `PipelineName` output; the name rule gives the same answer when there is none yet. */
async function pipelineNameOf(ctx: AwsContext, stackName: string): Promise<string | undefined> {
  try {
    const output = await ctx.cloudformation.send(
      new DescribeStacksCommand({ StackName: stackName }),
    );
    const stack = output.Stacks?.[0];
    return stack === undefined ? undefined : outputsOf(stack).PipelineName || undefined;
  } catch {
    return undefined;
  }
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
