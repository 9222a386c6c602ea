/**
 * The live doctor: from a pipeline (or a build, or a stack) to its failure, the denials behind
 * it, where each fix belongs and whether the proposed patch would work. Reads only; applying a
 * fix is `apply.ts`, and only when asked.
 */
import type { AwsContext } from '../../aws/clients.js';
import { callerIdentity } from '../../aws/identity.js';
import { DEFAULT_PREFIX } from '../../names.js';
import { buildReport } from '../enrich.js';
import { patchToCloudFormationYaml } from '../snippet.js';
import type { ParsedDenial } from '../types.js';
import {
  readBuildTarget,
  readFailedAction,
  readStackTarget,
  type ActionReading,
} from './actions.js';
import { DEFAULT_LOG_BYTE_BUDGET } from './build-log.js';
import { locatePipelineFailure } from './locate.js';
import type { LiveReader } from './reads.js';
import { resolveRoles } from './roles.js';
import { outcomeOf } from './outcome.js';
import type { LiveDiagnosis, LiveOutcome, LiveTarget, TargetRequest } from './types.js';

/** Options for {@link diagnoseLive}. */
export interface LiveDiagnoseOptions {
  /** The application prefix (default `aiproxy`). */
  prefix?: string;
  /** The branch the user named, for the `aiproxy deploy` command the report suggests. */
  branch?: string | null;
  /** Bytes of build log read at most (default 50 MiB). */
  logByteBudget?: number;
}

/** The `--json` document of a live diagnosis; `schemas/doctor.schema.json` describes it. */
export interface LiveDoctorJson {
  outcome: LiveOutcome;
  source: LiveDiagnosis['source'];
  target: LiveDiagnosis['target'];
  failedActions: LiveDiagnosis['failedActions'];
  denials: LiveDiagnosis['report']['denials'];
  patches: LiveDiagnosis['report']['patches'];
  placement: LiveDiagnosis['placement'];
  verification: LiveDiagnosis['verification'];
  notes: string[];
}

// The same denial in two sources (a stack event and the action's message repeating it) is one
// denial: the fields that make it distinct are those the parser's aggregator uses.
function mergeDenials(lists: ParsedDenial[][]): ParsedDenial[] {
  const merged = new Map<string, ParsedDenial>();
  for (const denial of lists.flat()) {
    const key = JSON.stringify([
      denial.principal,
      denial.action,
      denial.resource,
      denial.policyType,
      denial.deny,
      denial.policyArn,
      denial.encoded,
      denial.principal === null && denial.action === null ? denial.operation : null,
    ]);
    const known = merged.get(key);
    if (known === undefined) merged.set(key, { ...denial });
    else known.count += denial.count;
  }
  return [...merged.values()];
}

function simpleTarget(
  kind: 'build' | 'stack',
  name: string,
  status: string,
  place: { account: string; region: string },
): LiveTarget {
  return {
    kind,
    name,
    executionId: null,
    status,
    startTime: null,
    lastUpdateTime: null,
    selection: 'named',
    newerSuccess: null,
    newerRuns: [],
    ...place,
  };
}

/**
 * Diagnoses a failed pipeline execution, build or stack operation against AWS.
 *
 * @throws AwsError for credentials or AWS failures (exit 3); InputError for an unknown
 *   pipeline, execution, build or stack (exit 2).
 */
export async function diagnoseLive(
  ctx: AwsContext,
  request: TargetRequest,
  options: LiveDiagnoseOptions = {},
): Promise<LiveDiagnosis> {
  const reader: LiveReader = { ctx, notes: [] };
  const prefix = options.prefix ?? DEFAULT_PREFIX;
  const logOptions = { byteBudget: options.logByteBudget ?? DEFAULT_LOG_BYTE_BUDGET };

  // First, so missing or expired credentials give one clear line before any real work.
  const identity = await callerIdentity(ctx);
  const place = { account: identity.account, region: identity.region };

  let target: LiveTarget;
  let readings: ActionReading[] = [];
  let nothingFailed = false;
  let file: string;
  if (request.kind === 'pipeline') {
    const located = await locatePipelineFailure(reader, request.name, request.executionId, place);
    target = located.target;
    file = `pipeline:${request.name}${target.executionId === null ? '' : `/${target.executionId}`}`;
    if (located.noFailure !== null) reader.notes.push(located.noFailure);
    nothingFailed = located.failedActions.length === 0;
    for (const detail of located.failedActions) {
      readings.push(
        await readFailedAction(reader, detail, { ...logOptions, region: identity.region }),
      );
    }
  } else if (request.kind === 'build') {
    const reading = await readBuildTarget(reader, request.buildId, logOptions);
    target = simpleTarget('build', request.buildId, reading.action.status, place);
    file = `codebuild:${request.buildId}`;
    readings = [reading];
    nothingFailed = reading.succeeded && reading.denials.length === 0;
    if (nothingFailed)
      reader.notes.push(`Build ${request.buildId} did not fail (${reading.action.status}).`);
  } else {
    const reading = await readStackTarget(reader, request.stackName);
    target = simpleTarget('stack', request.stackName, reading.action.status, place);
    file = `stack:${request.stackName}`;
    readings = [reading];
    nothingFailed = reading.succeeded && reading.denials.length === 0;
    if (nothingFailed)
      reader.notes.push(`Stack ${request.stackName} has no failed operation in its recent events.`);
  }

  const parsed = mergeDenials(readings.map((r) => r.denials));
  const offline = await buildReport(parsed, { appPrefix: prefix });
  const beforeRoles = ctx.requestCount();

  const resolution = await resolveRoles(reader, offline, {
    ...place,
    partition: identity.partition,
    prefix,
    buildRoles: new Set(
      readings.map((r) => r.action.build?.serviceRole).filter((r): r is string => !!r),
    ),
    branch: options.branch ?? null,
  });
  const report = resolution.report;
  const failedActions = nothingFailed ? [] : readings.map((r) => r.action);

  return {
    target,
    failedActions,
    report,
    placement: resolution.placement,
    verification: resolution.verification,
    source: {
      file,
      bytes: readings.reduce((sum, r) => sum + r.bytes, 0),
      lines: readings.reduce((sum, r) => sum + r.lines, 0),
    },
    notes: reader.notes,
    snippets: new Map(report.patches.map((p) => [p.roleArn, patchToCloudFormationYaml(p)])),
    requests: { beforeRoles, total: ctx.requestCount() },
    outcome: outcomeOf(report.denials.length, failedActions),
  };
}

/** Exactly the object `doctor --json` prints for a live diagnosis. */
export function liveDoctorJson(diagnosis: LiveDiagnosis): LiveDoctorJson {
  return {
    outcome: diagnosis.outcome,
    source: diagnosis.source,
    target: diagnosis.target,
    failedActions: diagnosis.failedActions,
    denials: diagnosis.report.denials,
    patches: diagnosis.report.patches,
    placement: diagnosis.placement,
    verification: diagnosis.verification,
    notes: diagnosis.notes,
  };
}
