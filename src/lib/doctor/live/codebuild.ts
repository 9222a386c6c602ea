/**
 * A failed CodeBuild build: `BatchGetBuilds` for its status, failed phase and phase contexts,
 * then its whole log streamed through the denial parser and the failure tap at once.
 * https://docs.aws.amazon.com/codebuild/latest/APIReference/API_BatchGetBuilds.html
 */
import { BatchGetBuildsCommand, type Build } from '@aws-sdk/client-codebuild';

import { InputError } from '../../errors.js';
import { scanDenials } from '../parse/index.js';
import type { ParsedDenial } from '../types.js';
import { buildLogChunks, type BuildLogOptions, type LogBuild, type LogRead } from './build-log.js';
import { buildFailureSummary, LogTap, tapped } from './log-tap.js';
import { readIfPermitted, type LiveReader } from './reads.js';
import type { BuildDetails, FailureSummary, PhaseContext, UnreadEvidence } from './types.js';

/** What a build gave the diagnosis. */
export interface BuildReading {
  details: BuildDetails;
  denials: ParsedDenial[];
  failure: FailureSummary;
  lines: number;
  /** Set when the log, or part of it, could not be read. */
  unread: UnreadEvidence | null;
}

// Phase states other than success: CodeBuild's StatusType.
const BAD_PHASE = new Set(['FAILED', 'FAULT', 'TIMED_OUT', 'STOPPED']);

/**
 * Reads one build by id; undefined (with a note) when the caller may not read builds.
 *
 * @throws InputError `BUILD_NOT_FOUND` when `required` and CodeBuild does not know the id.
 */
export async function readBuild(
  reader: LiveReader,
  buildId: string,
  required: boolean,
): Promise<Build | undefined> {
  const output = await readIfPermitted(
    reader,
    { service: 'codebuild', operation: 'BatchGetBuilds', what: `read build ${buildId}` },
    () => reader.ctx.codebuild.send(new BatchGetBuildsCommand({ ids: [buildId] })),
  );
  if (output === undefined) return undefined;
  const build = output.builds?.[0];
  if (build === undefined && required) {
    throw new InputError('BUILD_NOT_FOUND', `CodeBuild has no build ${buildId}.`, {
      suggestions: [
        'Pass the full build id, `<project>:<uuid>`, as the console or `aws codebuild list-builds-for-project` shows it.',
        'Pass --region or --profile if the build ran elsewhere.',
      ],
    });
  }
  if (build === undefined) reader.notes.push(`CodeBuild no longer knows build ${buildId}.`);
  return build;
}

/**
 * The build CodeBuild would describe when `BatchGetBuilds` is not permitted: CodeBuild's
 * default log location, `/aws/codebuild/<project>` and the build's uuid as the stream.
 */
export function assumedBuild(buildId: string): Build {
  const [project, uuid] = buildId.split(':');
  return {
    id: buildId,
    ...(project ? { projectName: project } : {}),
    logs: { groupName: `/aws/codebuild/${project ?? ''}`, ...(uuid ? { streamName: uuid } : {}) },
  };
}

/** The failed phase and its contexts. */
function failedPhase(build: Build): { phase: string | null; contexts: PhaseContext[] } {
  const phase = build.phases?.find((p) => BAD_PHASE.has(p.phaseStatus ?? ''));
  return {
    phase: phase?.phaseType ?? null,
    contexts: (phase?.contexts ?? []).map((c) => ({
      statusCode: c.statusCode || null,
      message: c.message || null,
    })),
  };
}

/**
 * Reads the build's log through the parser and the failure tap. `target.assumed`: the build
 * could not be read, and its log is looked for where CodeBuild puts it by default.
 */
export async function readBuildLog(
  reader: LiveReader,
  target: LogBuild,
  options: BuildLogOptions,
): Promise<BuildReading> {
  const { build } = target;
  const state: LogRead = {
    info: { kind: 'none', location: '', bytes: 0, lines: 0, pages: 0, truncated: false },
    unread: null,
  };
  const log = state.info;
  const tap = new LogTap();
  const file = `codebuild:${build.id ?? '?'}`;
  const scan = await scanDenials(tapped(buildLogChunks(reader, target, options, state), tap), {
    file,
  });
  log.lines = scan.lines;
  // "The log is empty" of a log never read would mislead: `unread` says what happened.
  const neverRead = state.unread !== null && log.bytes === 0;
  if (!neverRead) for (const note of scan.notes) reader.notes.push(`${file}: ${note}`);

  const { phase, contexts } = failedPhase(build);
  const context = contexts
    .map((c) => [c.statusCode, c.message].filter(Boolean).join(': '))
    .find((c) => c !== '');
  return {
    details: {
      id: build.id ?? '',
      status: build.buildStatus ?? null,
      projectName: build.projectName ?? null,
      serviceRole: build.serviceRole ?? null,
      failedPhase: phase,
      phaseContexts: contexts,
      log,
    },
    denials: scan.denials,
    failure: buildFailureSummary(phase, context ?? null, tap.summary()),
    lines: scan.lines,
    unread: state.unread,
  };
}
