/**
 * Stories of evidence doctor could not read: a build log it may not read, one deleted or
 * expired, a build with no log at all, stack events it may not read. No denial in what was
 * read proves nothing then: the outcome is `undetermined` (exit 3), with why and what to do.
 */
import { DescribeStackEventsCommand } from '@aws-sdk/client-cloudformation';
import { GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { BatchGetBuildsCommand } from '@aws-sdk/client-codebuild';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { diagnoseLive, liveDoctorJson } from '../../../src/lib/doctor/live/diagnose.js';
import { liveExitCode } from '../../../src/lib/doctor/live/outcome.js';
import { renderLiveReport } from '../../../src/lib/ui/doctor-live.js';
import { makeStyle } from '../../../src/lib/ui/style.js';
import {
  ACCOUNT,
  BUILD_ID,
  BUILD_ROLE,
  GetObjectCommand,
  LOG_GROUP,
  LOG_STREAM,
  PIPELINE,
  PIPELINE_STACK,
  REGION,
  awsError,
  cloudFormationAction,
  codeBuildAction,
  context,
  execution,
  expectValidJson,
  failedBuild,
  givenActions,
  givenBuilds,
  givenExecutions,
  givenLogPages,
  givenPolicies,
  givenRole,
  givenSimulation,
  givenStackResource,
  mockAws,
  s3Body,
  seedLines,
  type AwsMocks,
} from './support.js';

let aws: AwsMocks;
beforeEach(() => {
  aws = mockAws();
});
afterEach(() => aws.restore());

const APP = 'aiproxy-iam-refactor-app';
const BUILD_ARN = `arn:aws:codebuild:${REGION}:${ACCOUNT}:build/${BUILD_ID}`;
const PIPELINE_ROLE = `aiproxy-global-pipeline-${REGION}`;

const LOGS_DENIED = awsError(
  'AccessDeniedException',
  `User: arn:aws:sts::${ACCOUNT}:assumed-role/dev/alice is not authorized to perform: logs:GetLogEvents on resource: arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${LOG_GROUP}:log-stream:${LOG_STREAM} because no identity-based policy allows the logs:GetLogEvents action`,
);

/** Given: the latest run failed in its CodeBuild action, whose build is this one. */
function givenFailedBuild(build = failedBuild({ arn: BUILD_ARN })): void {
  givenExecutions(aws, [execution('exec-2', 'Failed', 10)]);
  givenActions(aws, [codeBuildAction()]);
  givenBuilds(aws, [build]);
}

function text(diagnosis: Awaited<ReturnType<typeof diagnoseLive>>): string {
  return renderLiveReport(diagnosis, makeStyle(false));
}

describe('a build log doctor could not read', () => {
  it('denied logs:GetLogEvents: undetermined (exit 3), naming the permission and the log group', async () => {
    // Given the caller may not read the build's log events
    givenFailedBuild();
    aws.logs.on(GetLogEventsCommand).rejects(LOGS_DENIED);

    // When doctor diagnoses the pipeline
    const diagnosis = await diagnoseLive(context(), { kind: 'pipeline', name: PIPELINE });

    // Then it does not claim the failure is not a denial: it could not tell, an AWS read problem
    expect(diagnosis.outcome).toBe('undetermined');
    expect(liveExitCode(diagnosis.outcome)).toBe(3);
    const [unread] = diagnosis.failedActions[0]?.unread ?? [];
    expect(unread).toMatchObject({
      kind: 'build-log',
      reason: 'access-denied',
      permission: 'logs:GetLogEvents',
      location: `${LOG_GROUP} ${LOG_STREAM}`,
    });
    // And says what to do: ask for the permission on the group, open the console, run again
    expect(unread?.suggestions).toEqual([
      `Ask for logs:GetLogEvents on the log group ${LOG_GROUP} (arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${LOG_GROUP}:*), or use a profile that has it (--profile).`,
      expect.stringContaining(
        `https://${REGION}.console.aws.amazon.com/codesuite/codebuild/${ACCOUNT}/projects/aiproxy-iam-refactor-build/build/${encodeURIComponent(BUILD_ID)}/`,
      ) as string,
      `Then run \`aiproxy doctor --build-id ${BUILD_ID}\` again.`,
    ]);
    // And the report says it plainly, never "not an AWS access denial"
    const report = text(diagnosis);
    expect(report).toContain(
      '? Doctor could not tell whether the failure is an AWS access denial: it could not read the build log.',
    );
    expect(report).toMatch(
      /Not read +The build log .* was not read: the caller lacks logs:GetLogEvents/,
    );
    expect(report).toMatch(/To do +Ask for logs:GetLogEvents on the log group/);
    expect(report).toMatch(/Log +CloudWatch Logs .* \(not read\)/);
    expect(report).not.toContain('not an AWS access denial');
    // And no note claims the log it never read was empty
    expect(diagnosis.notes.join('\n')).not.toContain('The log is empty');
    expect(liveDoctorJson(diagnosis).outcome).toBe('undetermined');
    expectValidJson(liveDoctorJson(diagnosis));
  });

  it('a deleted or expired stream: undetermined, and the way out is a new run', async () => {
    // Given the build's log stream is gone
    givenFailedBuild();
    aws.logs
      .on(GetLogEventsCommand)
      .rejects(awsError('ResourceNotFoundException', 'The specified log stream does not exist.'));

    // When doctor diagnoses the pipeline
    const diagnosis = await diagnoseLive(context(), { kind: 'pipeline', name: PIPELINE });

    // Then the log is named as gone, with no permission to ask for
    expect(diagnosis.outcome).toBe('undetermined');
    const [unread] = diagnosis.failedActions[0]?.unread ?? [];
    expect(unread).toMatchObject({ kind: 'build-log', reason: 'not-found', permission: null });
    expect(unread?.message).toBe(
      `The build log ${LOG_GROUP} ${LOG_STREAM} no longer exists (deleted, or expired by the log retention).`,
    );
    expect(unread?.suggestions.at(-1)).toBe(
      `Run the pipeline again (or just the build: \`aws codebuild retry-build --id ${BUILD_ID}\`) and diagnose the new run.`,
    );
    expectValidJson(liveDoctorJson(diagnosis));
  });

  it('a build that names no log: undetermined, and says the project logs nowhere or never started', async () => {
    // Given a build with CloudWatch Logs and S3 logging both off
    givenFailedBuild(
      failedBuild({
        logs: { cloudWatchLogs: { status: 'DISABLED' }, s3Logs: { status: 'DISABLED' } },
      }),
    );

    // When doctor diagnoses the pipeline
    const diagnosis = await diagnoseLive(context(), { kind: 'pipeline', name: PIPELINE });

    // Then nothing was asked of CloudWatch Logs or S3, and the outcome is undetermined
    expect(aws.logs.calls()).toHaveLength(0);
    expect(aws.s3.calls()).toHaveLength(0);
    expect(diagnosis.outcome).toBe('undetermined');
    expect(diagnosis.failedActions[0]?.unread).toEqual([
      expect.objectContaining({ kind: 'build-log', reason: 'no-location', location: null }),
    ]);
    expect(text(diagnosis)).toMatch(/Log +none \(the build has no CloudWatch Logs stream/);
    expectValidJson(liveDoctorJson(diagnosis));
  });

  it('a log not at CodeBuild’s default place, when the build itself could not be read', async () => {
    // Given the caller may read neither the build nor a log at the default place
    givenExecutions(aws, [execution('exec-2', 'Failed', 10)]);
    givenActions(aws, [codeBuildAction()]);
    aws.codebuild
      .on(BatchGetBuildsCommand)
      .rejects(
        awsError(
          'AccessDeniedException',
          'User: x is not authorized to perform: codebuild:BatchGetBuilds',
        ),
      );
    aws.logs
      .on(GetLogEventsCommand)
      .rejects(awsError('ResourceNotFoundException', 'The specified log group does not exist.'));

    // When doctor diagnoses the pipeline
    const diagnosis = await diagnoseLive(context(), { kind: 'pipeline', name: PIPELINE });

    // Then it does not claim the log expired: it only guessed where it was
    const [unread] = diagnosis.failedActions[0]?.unread ?? [];
    expect(unread?.message).toMatch(
      /CodeBuild's default place for it; the build itself could not be read/,
    );
    expect(unread?.suggestions[0]).toContain('codebuild:BatchGetBuilds');
    expect(diagnosis.outcome).toBe('undetermined');
  });

  it('read from S3 when CloudWatch Logs refuses: nothing is left unread', async () => {
    // Given a build that logs to both, and the caller may read only the S3 copy
    givenFailedBuild(
      failedBuild({
        logs: {
          groupName: LOG_GROUP,
          streamName: LOG_STREAM,
          cloudWatchLogs: { status: 'ENABLED' },
          s3Logs: { status: 'ENABLED', location: 'aiproxy-logs/builds' },
        },
      }),
    );
    aws.logs.on(GetLogEventsCommand).rejects(LOGS_DENIED);
    aws.s3.on(GetObjectCommand).callsFake(() => ({ Body: s3Body(`${seedLines().join('\n')}\n`) }));
    givenRole(aws, BUILD_ROLE);
    givenStackResource(aws, BUILD_ROLE, PIPELINE_STACK, 'CodeBuildServiceRole');
    givenPolicies(aws, BUILD_ROLE, {});
    givenSimulation(aws, 'allowed');

    // When doctor diagnoses the pipeline
    const diagnosis = await diagnoseLive(context(), { kind: 'pipeline', name: PIPELINE });

    // Then the whole log was read after all, and its denial found; a note keeps why not first
    expect(diagnosis.failedActions[0]?.unread).toEqual([]);
    expect(diagnosis.notes).toContainEqual(
      expect.stringMatching(/logs:GetLogEvents.* Reading the build log from S3 instead\.$/),
    );
    expect(diagnosis.outcome).toBe('denials');
  });
});

describe('stack events doctor could not read', () => {
  const EVENTS_DENIED = awsError(
    'AccessDenied',
    `User: arn:aws:sts::${ACCOUNT}:assumed-role/dev/alice is not authorized to perform: cloudformation:DescribeStackEvents on resource: arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/${APP}/* because no identity-based policy allows the cloudformation:DescribeStackEvents action`,
  );

  it('a deploy action whose stack events are denied: undetermined, naming the permission', async () => {
    // Given a failed deploy action whose message holds no denial, and events the caller may not read
    givenExecutions(aws, [execution('exec-9', 'Failed', 10)]);
    givenActions(aws, [
      cloudFormationAction(APP, `Stack ${APP} is in UPDATE_ROLLBACK_COMPLETE state.`),
    ]);
    aws.cloudformation.on(DescribeStackEventsCommand).rejects(EVENTS_DENIED);

    // When doctor diagnoses the pipeline
    const diagnosis = await diagnoseLive(context(), { kind: 'pipeline', name: PIPELINE });

    // Then it carries on, and the outcome is undetermined with the stack's events named
    expect(diagnosis.outcome).toBe('undetermined');
    expect(diagnosis.failedActions[0]?.unread).toEqual([
      expect.objectContaining({
        kind: 'stack-events',
        reason: 'access-denied',
        permission: 'cloudformation:DescribeStackEvents',
        location: APP,
      }),
    ]);
    const report = text(diagnosis);
    expect(report).toContain('it could not read the stack events.');
    expect(report).toContain(`Then run \`aiproxy doctor --stack ${APP}\` again.`);
    expectValidJson(liveDoctorJson(diagnosis));
  });

  it('with --stack as well: the stack named is undetermined, not a usage error', async () => {
    aws.cloudformation.on(DescribeStackEventsCommand).rejects(EVENTS_DENIED);

    const diagnosis = await diagnoseLive(context(), { kind: 'stack', stackName: APP });

    expect(diagnosis.outcome).toBe('undetermined');
    expect(diagnosis.failedActions[0]?.stack).toBeNull();
    expectValidJson(liveDoctorJson(diagnosis));
  });
});

describe('a denial found elsewhere, with evidence left unread', () => {
  it('keeps the denials (exit 1) and still says what could not be read', async () => {
    // Given two failed actions: a build whose log is denied, and a deploy action whose own
    // message holds the pipeline role's denial
    const denial = `Amazon S3:AccessDenied: User: arn:aws:sts::${ACCOUNT}:assumed-role/${PIPELINE_ROLE}/1709287200000 is not authorized to perform: s3:GetObject on resource: "arn:aws:s3:::aiproxy-iam-refactor-${ACCOUNT}-${REGION}/p/BuildOutpu/Xyz12" because no identity-based policy allows the s3:GetObject action`;
    givenExecutions(aws, [execution('exec-2', 'Failed', 10)]);
    givenActions(aws, [codeBuildAction(), cloudFormationAction(APP, denial)]);
    givenBuilds(aws, [failedBuild({ arn: BUILD_ARN })]);
    aws.logs.on(GetLogEventsCommand).rejects(LOGS_DENIED);
    aws.cloudformation.on(DescribeStackEventsCommand).resolves({ StackEvents: [] });
    givenRole(aws, PIPELINE_ROLE, { path: '/aiproxy-global/' });
    givenPolicies(aws, PIPELINE_ROLE, {});
    givenSimulation(aws, 'allowed');

    // When doctor diagnoses the pipeline
    const diagnosis = await diagnoseLive(context(), { kind: 'pipeline', name: PIPELINE });

    // Then the denial decides the outcome, and the unread log is still reported
    expect(diagnosis.outcome).toBe('denials');
    expect(liveExitCode(diagnosis.outcome)).toBe(1);
    expect(diagnosis.failedActions[0]?.unread).toHaveLength(1);
    const report = text(diagnosis);
    expect(report).toContain('? Not read, so more denials may be there:');
    expect(report).toMatch(/Not read +The build log .* logs:GetLogEvents/);
    expectValidJson(liveDoctorJson(diagnosis));
  });
});

describe('everything read, no denial', () => {
  it('is a failure of another kind (exit 5), as before', async () => {
    givenFailedBuild();
    givenLogPages(aws, [['npm ERR! code ELIFECYCLE']]);

    const diagnosis = await diagnoseLive(context(), { kind: 'pipeline', name: PIPELINE });

    expect(diagnosis.outcome).toBe('failure');
    expect(liveExitCode(diagnosis.outcome)).toBe(5);
    expect(text(diagnosis)).toMatch(/Log +CloudWatch Logs .* \(1 line, \d+ bytes, 2 pages\)/);
  });
});
