/**
 * `deploy --watch`: find the pipeline run that carries the deploy (the one a new pipeline
 * starts by itself, one a push started, or one we start), then follow it stage by stage until
 * it ends. Reads only, apart from `StartPipelineExecution` where the developer policy grants it.
 */
import {
  GetPipelineExecutionCommand,
  GetPipelineStateCommand,
  ListPipelineExecutionsCommand,
  StartPipelineExecutionCommand,
  type CodePipelineClient,
  type PipelineExecutionSummary,
  type StageState,
} from '@aws-sdk/client-codepipeline';

import { callAws } from '../aws/call.js';
import { AiproxyError } from '../errors.js';
import { interruptOnSigint, poller } from '../stacks/polling.js';
import type { PollingOptions } from '../stacks/types.js';
import { DEVELOPER_CALLS } from '../templates/developer-calls.js';

/** How the followed execution was found. */
export type ExecutionOrigin =
  /** The run CodePipeline starts when a pipeline is created. */
  | 'created'
  /** A run already in progress (a push, or another watcher). */
  | 'in-progress'
  /** Started by this watch with `StartPipelineExecution`. */
  | 'started'
  /** The first run that appeared after the deploy (a push), when starting one was not possible. */
  | 'appeared';

/** A stage's status in the followed execution. */
export interface StageStatus {
  stage: string;
  /** `InProgress`, `Succeeded`, `Failed`, `Stopped`, … */
  status: string;
  /** The failed action and its message, when the stage failed. */
  failedAction?: { name: string; message?: string };
}

/** Progress of a watch, for a live display. */
export type WatchProgress =
  | { type: 'execution'; executionId: string; origin: ExecutionOrigin }
  | { type: 'waiting'; reason: string }
  | { type: 'note'; message: string }
  | ({ type: 'stage' } & StageStatus);

/** Options for {@link watchPipeline}. */
export interface WatchPipelineOptions {
  codepipeline: CodePipelineClient;
  pipelineName: string;
  region: string;
  /** True when the deploy just created the pipeline: it starts its first run by itself. */
  created: boolean;
  /** When the deploy began; runs older than this are not the deploy's. */
  since: Date;
  onProgress?: (event: WatchProgress) => void;
  /** Aborting it stops watching (the run goes on); by default Ctrl-C does. */
  signal?: AbortSignal;
  polling?: PollingOptions;
  /** Polls to wait for a run to appear before giving up (default 100: 5 minutes at 3 s). */
  appearPolls?: number;
}

/** How a watch ended. */
export type WatchResult =
  | {
      kind: 'ended';
      executionId: string;
      origin: ExecutionOrigin;
      /** `Succeeded`, `Failed`, `Stopped`, `Superseded` or `Cancelled`. */
      status: string;
      stages: StageStatus[];
    }
  | { kind: 'no-execution'; reason: string }
  | { kind: 'interrupted'; executionId: string | null; followCommand: string };

const RUNNING = new Set(['InProgress', 'Stopping']);
const CLOCK_SKEW_MS = 30_000;

const cp = <T>(operation: string, run: () => Promise<T>): Promise<T> =>
  callAws({ service: 'codepipeline', operation }, run);

/** Whether the committed developer-call table lets `deploy` start a pipeline run. */
export function developerMayStartPipeline(): boolean {
  return DEVELOPER_CALLS.some(
    (call) =>
      call.service === 'codepipeline' &&
      call.action === 'StartPipelineExecution' &&
      call.commands.includes('deploy'),
  );
}

/**
 * Finds the deploy's pipeline run and follows it to its end, reporting each stage's changes.
 *
 * @throws AwsError for credentials and AWS failures other than a denied start.
 */
export async function watchPipeline(options: WatchPipelineOptions): Promise<WatchResult> {
  const interrupt = interruptOnSigint(options.signal);
  const timing = poller(options.polling);
  const nap = async (): Promise<boolean> =>
    (await timing.sleep(timing.intervalMs, interrupt.signal)) && !interrupt.signal.aborted;
  try {
    const found = await findExecution(options, nap);
    if (found.kind !== 'found') {
      return found.kind === 'interrupted'
        ? { kind: 'interrupted', executionId: null, followCommand: followCommand(options) }
        : { kind: 'no-execution', reason: found.reason };
    }
    options.onProgress?.({ type: 'execution', executionId: found.id, origin: found.origin });
    return await follow(options, found.id, found.origin, nap);
  } finally {
    interrupt.dispose();
  }
}

type Found =
  | { kind: 'found'; id: string; origin: ExecutionOrigin }
  | { kind: 'none'; reason: string }
  | { kind: 'interrupted' };

async function findExecution(
  options: WatchPipelineOptions,
  nap: () => Promise<boolean>,
): Promise<Found> {
  if (options.created) {
    // A new pipeline runs once by itself; that run is the deploy's.
    options.onProgress?.({ type: 'waiting', reason: 'for the first run of the new pipeline' });
    return awaitExecution(options, nap, 'created', () => true);
  }

  const latest = await latestExecution(options);
  if (latest?.pipelineExecutionId !== undefined && RUNNING.has(latest.status ?? '')) {
    return { kind: 'found', id: latest.pipelineExecutionId, origin: 'in-progress' };
  }

  if (developerMayStartPipeline()) {
    try {
      const started = await cp('StartPipelineExecution', () =>
        options.codepipeline.send(
          new StartPipelineExecutionCommand({ name: options.pipelineName }),
        ),
      );
      if (started.pipelineExecutionId !== undefined) {
        return { kind: 'found', id: started.pipelineExecutionId, origin: 'started' };
      }
    } catch (error) {
      if (!(error instanceof AiproxyError && error.code === 'AWS_ACCESS_DENIED')) throw error;
      options.onProgress?.({
        type: 'note',
        message:
          'Not allowed to start the pipeline (codepipeline:StartPipelineExecution): following the run the next push starts.',
      });
    }
  }
  options.onProgress?.({ type: 'waiting', reason: 'for a push to start the pipeline' });
  // Run start times come from AWS's clock; allow ours to be a little ahead of it.
  const since = options.since.getTime() - CLOCK_SKEW_MS;
  return awaitExecution(
    options,
    nap,
    'appeared',
    (run) => (run.startTime?.getTime() ?? 0) >= since,
  );
}

/** Polls for a run matching `accept`; the pipeline may not list its first run at once. */
async function awaitExecution(
  options: WatchPipelineOptions,
  nap: () => Promise<boolean>,
  origin: ExecutionOrigin,
  accept: (run: PipelineExecutionSummary) => boolean,
): Promise<Found> {
  const polls = Math.max(1, options.appearPolls ?? 100);
  for (let poll = 0; poll < polls; poll += 1) {
    const latest = await latestExecution(options);
    if (latest?.pipelineExecutionId !== undefined && accept(latest)) {
      return { kind: 'found', id: latest.pipelineExecutionId, origin };
    }
    if (!(await nap())) return { kind: 'interrupted' };
  }
  return {
    kind: 'none',
    reason: `No run of ${options.pipelineName} started while watching.`,
  };
}

async function latestExecution(
  options: WatchPipelineOptions,
): Promise<PipelineExecutionSummary | undefined> {
  const output = await cp('ListPipelineExecutions', () =>
    options.codepipeline.send(
      new ListPipelineExecutionsCommand({ pipelineName: options.pipelineName, maxResults: 1 }),
    ),
  );
  return output.pipelineExecutionSummaries?.[0];
}

async function follow(
  options: WatchPipelineOptions,
  executionId: string,
  origin: ExecutionOrigin,
  nap: () => Promise<boolean>,
): Promise<WatchResult> {
  const reported = new Map<string, string>();
  for (;;) {
    const execution = await cp('GetPipelineExecution', () =>
      options.codepipeline.send(
        new GetPipelineExecutionCommand({
          pipelineName: options.pipelineName,
          pipelineExecutionId: executionId,
        }),
      ),
    );
    // Read the stages after the status, so the stages that led to a final status are in.
    const stages = await stagesOf(options, executionId);
    for (const stage of stages) {
      if (reported.get(stage.stage) === stage.status) continue;
      reported.set(stage.stage, stage.status);
      options.onProgress?.({ type: 'stage', ...stage });
    }

    const status = execution.pipelineExecution?.status ?? 'Unknown';
    if (!RUNNING.has(status)) return { kind: 'ended', executionId, origin, status, stages };
    if (!(await nap())) {
      return { kind: 'interrupted', executionId, followCommand: followCommand(options) };
    }
  }
}

/** The stages this execution has reached, in pipeline order. */
async function stagesOf(
  options: WatchPipelineOptions,
  executionId: string,
): Promise<StageStatus[]> {
  const state = await cp('GetPipelineState', () =>
    options.codepipeline.send(new GetPipelineStateCommand({ name: options.pipelineName })),
  );
  return (state.stageStates ?? []).flatMap((stage) => {
    const latest = stage.latestExecution;
    // A stage still showing an older run has not been reached by this one yet.
    if (latest?.pipelineExecutionId !== executionId || stage.stageName === undefined) return [];
    const status: StageStatus = { stage: stage.stageName, status: latest.status ?? 'Unknown' };
    const failed = failedActionOf(stage);
    return [failed === undefined ? status : { ...status, failedAction: failed }];
  });
}

function failedActionOf(stage: StageState): StageStatus['failedAction'] {
  const action = (stage.actionStates ?? []).find((a) => a.latestExecution?.status === 'Failed');
  if (action?.actionName === undefined) return undefined;
  const message = action.latestExecution?.errorDetails?.message;
  return message === undefined ? { name: action.actionName } : { name: action.actionName, message };
}

function followCommand(options: WatchPipelineOptions): string {
  return `aws codepipeline get-pipeline-state --name ${options.pipelineName} --region ${options.region}`;
}
