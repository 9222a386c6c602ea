/**
 * Finding the failure: which pipeline execution to diagnose, and its failed actions.
 *
 * By default the pipeline's most recent execution if it failed, else the most recent failed
 * one, with the runs newer than it (a newer success means the failure may already be fixed).
 * `ListPipelineExecutions` returns the newest first, so one request usually settles it.
 * https://docs.aws.amazon.com/codepipeline/latest/APIReference/API_ListPipelineExecutions.html
 */
import {
  GetPipelineExecutionCommand,
  ListActionExecutionsCommand,
  ListPipelineExecutionsCommand,
  type ActionExecutionDetail,
  type PipelineExecutionSummary,
} from '@aws-sdk/client-codepipeline';

import { InputError } from '../../errors.js';
import { awsErrorName, read, readIfPermitted, type LiveReader } from './reads.js';
import type { ExecutionSelection, LiveTarget, NewerRun } from './types.js';

/** Where the diagnosis runs: the caller's account and region. */
export interface CallerPlace {
  account: string;
  region: string;
}

/** The execution chosen, and its failed actions (empty when nothing failed). */
export interface LocatedExecution {
  target: LiveTarget;
  failedActions: ActionExecutionDetail[];
  /** Set when the pipeline has no failed run to diagnose. */
  noFailure: string | null;
}

// Enough history to find a failure behind a run of successes, without walking it all.
const EXECUTIONS_PER_PAGE = 25;
const MAX_EXECUTION_PAGES = 4;

function iso(date: Date | undefined): string | null {
  return date === undefined ? null : date.toISOString();
}

function newerRun(summary: PipelineExecutionSummary): NewerRun {
  return {
    executionId: summary.pipelineExecutionId ?? '',
    status: summary.status ?? 'Unknown',
    startTime: iso(summary.startTime),
  };
}

function pipelineNotFound(name: string, place: CallerPlace, cause: unknown): InputError {
  const suggestions = [
    `Check the name with \`aws codepipeline list-pipelines --region ${place.region}\`.`,
    'Pass --region or --profile if the pipeline lives elsewhere.',
  ];
  if (/-cicd$/.test(name)) {
    suggestions.unshift(
      `${name} looks like a pipeline stack's name; its pipeline is ${name.replace(/-cicd$/, '-pipeline')}.`,
    );
  }
  return new InputError(
    'PIPELINE_NOT_FOUND',
    `No pipeline named ${name} in account ${place.account}, region ${place.region}.`,
    { suggestions, cause },
  );
}

async function listExecutions(
  reader: LiveReader,
  pipelineName: string,
  place: CallerPlace,
): Promise<{ executions: PipelineExecutionSummary[]; complete: boolean }> {
  const executions: PipelineExecutionSummary[] = [];
  let nextToken: string | undefined;
  for (let page = 0; page < MAX_EXECUTION_PAGES; page += 1) {
    let output;
    try {
      output = await read({ service: 'codepipeline', operation: 'ListPipelineExecutions' }, () =>
        reader.ctx.codepipeline.send(
          new ListPipelineExecutionsCommand({
            pipelineName,
            maxResults: EXECUTIONS_PER_PAGE,
            ...(nextToken === undefined ? {} : { nextToken }),
          }),
        ),
      );
    } catch (error) {
      if (awsErrorName(error) === 'PipelineNotFoundException') {
        throw pipelineNotFound(pipelineName, place, error);
      }
      throw error;
    }
    const summaries = output.pipelineExecutionSummaries ?? [];
    executions.push(...summaries);
    nextToken = output.nextToken;
    // Stop as soon as a failed run is in hand: older history cannot change the choice.
    if (summaries.some((s) => s.status === 'Failed') || nextToken === undefined) {
      return { executions, complete: nextToken === undefined };
    }
  }
  return { executions, complete: false };
}

function targetOf(
  name: string,
  summary: PipelineExecutionSummary | undefined,
  selection: ExecutionSelection,
  newer: PipelineExecutionSummary[],
  place: CallerPlace,
): LiveTarget {
  const newerSuccess = newer.find((s) => s.status === 'Succeeded');
  return {
    kind: 'pipeline',
    name,
    executionId: summary?.pipelineExecutionId ?? null,
    status: summary?.status ?? null,
    startTime: iso(summary?.startTime),
    lastUpdateTime: iso(summary?.lastUpdateTime),
    selection,
    newerSuccess: newerSuccess === undefined ? null : newerRun(newerSuccess),
    newerRuns: newer.filter((s) => s !== newerSuccess).map(newerRun),
    account: place.account,
    region: place.region,
  };
}

/**
 * The failed actions of one execution: the latest attempt of each action (a retried stage
 * runs the same action again under the same execution id), kept when that attempt failed,
 * in the order they ran.
 */
export async function listFailedActions(
  reader: LiveReader,
  pipelineName: string,
  executionId: string,
): Promise<ActionExecutionDetail[]> {
  const details: ActionExecutionDetail[] = [];
  let nextToken: string | undefined;
  do {
    const output = await read({ service: 'codepipeline', operation: 'ListActionExecutions' }, () =>
      reader.ctx.codepipeline.send(
        new ListActionExecutionsCommand({
          pipelineName,
          filter: { pipelineExecutionId: executionId },
          maxResults: 100,
          ...(nextToken === undefined ? {} : { nextToken }),
        }),
      ),
    );
    details.push(...(output.actionExecutionDetails ?? []));
    nextToken = output.nextToken;
  } while (nextToken !== undefined);

  const latest = new Map<string, ActionExecutionDetail>();
  for (const detail of details) {
    const key = `${detail.stageName ?? ''}/${detail.actionName ?? ''}`;
    const seen = latest.get(key);
    if (seen === undefined || time(detail) >= time(seen)) latest.set(key, detail);
  }
  return [...latest.values()]
    .filter((d) => d.status === 'Failed')
    .sort((a, b) => time(a) - time(b));
}

function time(detail: ActionExecutionDetail): number {
  return (detail.startTime ?? detail.lastUpdateTime)?.getTime() ?? 0;
}

/**
 * The run's summary in the pipeline's recent history (within the pages `doctor` reads for the
 * latest failure), for its start and end times; undefined when it is older, or the history may
 * not be read.
 */
async function listedExecution(
  reader: LiveReader,
  pipelineName: string,
  executionId: string,
): Promise<PipelineExecutionSummary | undefined> {
  let nextToken: string | undefined;
  for (let page = 0; page < MAX_EXECUTION_PAGES; page += 1) {
    const output = await readIfPermitted(
      reader,
      {
        service: 'codepipeline',
        operation: 'ListPipelineExecutions',
        what: `read when execution ${executionId} ran`,
      },
      () =>
        reader.ctx.codepipeline.send(
          new ListPipelineExecutionsCommand({
            pipelineName,
            maxResults: EXECUTIONS_PER_PAGE,
            ...(nextToken === undefined ? {} : { nextToken }),
          }),
        ),
    );
    const found = output?.pipelineExecutionSummaries?.find(
      (s) => s.pipelineExecutionId === executionId,
    );
    nextToken = output?.nextToken;
    if (found !== undefined || nextToken === undefined) return found;
  }
  return undefined;
}

async function namedExecution(
  reader: LiveReader,
  pipelineName: string,
  executionId: string,
  place: CallerPlace,
): Promise<PipelineExecutionSummary> {
  try {
    const output = await read({ service: 'codepipeline', operation: 'GetPipelineExecution' }, () =>
      reader.ctx.codepipeline.send(
        new GetPipelineExecutionCommand({ pipelineName, pipelineExecutionId: executionId }),
      ),
    );
    const execution = output.pipelineExecution;
    // GetPipelineExecution gives no time: the run's summary in the history has them.
    const listed = await listedExecution(reader, pipelineName, executionId);
    return {
      ...listed,
      pipelineExecutionId: execution?.pipelineExecutionId ?? executionId,
      ...(execution?.status === undefined ? {} : { status: execution.status }),
    };
  } catch (error) {
    const name = awsErrorName(error);
    if (name === 'PipelineNotFoundException') throw pipelineNotFound(pipelineName, place, error);
    if (name === 'PipelineExecutionNotFoundException') {
      throw new InputError(
        'EXECUTION_NOT_FOUND',
        `Pipeline ${pipelineName} has no execution ${executionId}.`,
        {
          suggestions: [
            `List its runs with \`aws codepipeline list-pipeline-executions --pipeline-name ${pipelineName}\`, or leave out --execution-id for the latest failed one.`,
          ],
          cause: error,
        },
      );
    }
    throw error;
  }
}

/**
 * Chooses the execution to diagnose (the named one, the latest if it failed, else the latest
 * failed one) and lists its failed actions.
 *
 * @throws InputError `PIPELINE_NOT_FOUND` or `EXECUTION_NOT_FOUND`.
 */
export async function locatePipelineFailure(
  reader: LiveReader,
  pipelineName: string,
  executionId: string | undefined,
  place: CallerPlace,
): Promise<LocatedExecution> {
  if (executionId !== undefined) {
    const summary = await namedExecution(reader, pipelineName, executionId, place);
    const target = targetOf(pipelineName, summary, 'named', [], place);
    const failedActions = await listFailedActions(reader, pipelineName, executionId);
    const noFailure =
      failedActions.length === 0
        ? `Execution ${executionId} of ${pipelineName} has no failed action (status ${summary.status ?? 'unknown'}).`
        : null;
    return { target, failedActions, noFailure };
  }

  const { executions, complete } = await listExecutions(reader, pipelineName, place);
  const index = executions.findIndex((s) => s.status === 'Failed');
  if (index < 0) {
    const latest = executions[0];
    const target = targetOf(pipelineName, latest, 'latest', [], place);
    const scope = complete ? 'in its history' : `in its last ${executions.length} runs`;
    const noFailure =
      latest === undefined
        ? `Pipeline ${pipelineName} has not run yet.`
        : `Pipeline ${pipelineName} has no failed run ${scope}; the latest (${latest.pipelineExecutionId ?? '?'}) is ${latest.status ?? 'unknown'}.`;
    return { target, failedActions: [], noFailure };
  }

  const chosen = executions[index] as PipelineExecutionSummary;
  const target = targetOf(
    pipelineName,
    chosen,
    index === 0 ? 'latest' : 'latest-failed',
    executions.slice(0, index),
    place,
  );
  const failedActions = await listFailedActions(
    reader,
    pipelineName,
    chosen.pipelineExecutionId ?? '',
  );
  return { target, failedActions, noFailure: null };
}
