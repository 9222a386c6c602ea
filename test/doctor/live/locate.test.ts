import { GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { BatchGetBuildsCommand } from '@aws-sdk/client-codebuild';
import {
  GetPipelineExecutionCommand,
  ListPipelineExecutionsCommand,
} from '@aws-sdk/client-codepipeline';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { diagnoseLive, liveDoctorJson } from '../../../src/lib/doctor/live/diagnose.js';
import {
  BUILD_ID,
  BUILD_ROLE,
  LOG_GROUP,
  LOG_STREAM,
  PIPELINE,
  PIPELINE_STACK,
  at,
  awsError,
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
  seedLines,
  type AwsMocks,
} from './support.js';

let aws: AwsMocks;
beforeEach(() => {
  aws = mockAws();
});
afterEach(() => aws.restore());

function givenBuildRole(): void {
  givenRole(aws, BUILD_ROLE);
  givenStackResource(aws, BUILD_ROLE, PIPELINE_STACK, 'CodeBuildServiceRole');
  givenPolicies(aws, BUILD_ROLE, {});
  givenSimulation(aws, 'allowed');
}

/** A build log whose `npm test` failed: no access denial anywhere. */
const TEST_FAILURE = [
  '[Container] 2026/03/01 10:01:00.000000 Entering phase BUILD',
  '[Container] 2026/03/01 10:01:00.100000 Running command npm ci',
  'added 312 packages in 4s',
  '[Container] 2026/03/01 10:01:05.000000 Running command npm test',
  '> aiproxy@1.0.0 test',
  '> vitest run',
  ' FAIL  test/app.test.ts > greets',
  'AssertionError: expected "hi" to be "hello"',
  ' Tests  1 failed | 41 passed (42)',
  '[Container] 2026/03/01 10:01:20.000000 Command did not exit successfully npm test exit status 1',
  '[Container] 2026/03/01 10:01:20.100000 Phase complete: BUILD State: FAILED',
  '[Container] 2026/03/01 10:01:20.100000 Phase context status code: COMMAND_EXECUTION_ERROR Message: Error while executing command: npm test. Reason: exit status 1',
  '[Container] 2026/03/01 10:01:20.200000 Entering phase POST_BUILD',
  '[Container] 2026/03/01 10:01:20.300000 Running command docker push $IMAGE',
  'An image does not exist locally with the tag: aiproxy',
  '[Container] 2026/03/01 10:01:21.000000 Command did not exit successfully docker push $IMAGE exit status 1',
];

describe('which run doctor diagnoses', () => {
  it('takes the most recent failed run and notes the newer success', async () => {
    // Given the latest run succeeded after the one that failed, and one is in progress
    givenExecutions(aws, [
      execution('exec-4', 'InProgress', 30),
      execution('exec-3', 'Succeeded', 20),
      execution('exec-2', 'Failed', 10),
      execution('exec-1', 'Failed', 0),
    ]);
    givenActions(aws, [codeBuildAction()]);
    givenBuilds(aws, [failedBuild()]);
    givenLogPages(aws, [seedLines()]);
    givenBuildRole();

    // When doctor diagnoses the pipeline
    const diagnosis = await diagnoseLive(context(), { kind: 'pipeline', name: PIPELINE });

    // Then it chose exec-2, saying when, and that a newer run succeeded
    expect(diagnosis.target).toMatchObject({
      executionId: 'exec-2',
      selection: 'latest-failed',
      startTime: at(10).toISOString(),
      newerSuccess: { executionId: 'exec-3', status: 'Succeeded' },
      newerRuns: [{ executionId: 'exec-4', status: 'InProgress' }],
    });
    expectValidJson(liveDoctorJson(diagnosis));
  });

  it('says so when the pipeline has no failure (outcome none)', async () => {
    // Given only successful runs
    givenExecutions(aws, [
      execution('exec-2', 'Succeeded', 10),
      execution('exec-1', 'Succeeded', 0),
    ]);

    // When doctor diagnoses the pipeline
    const diagnosis = await diagnoseLive(context(), { kind: 'pipeline', name: PIPELINE });

    // Then nothing failed, no action was read, and the note says which run is the latest
    expect(diagnosis.outcome).toBe('none');
    expect(diagnosis.failedActions).toEqual([]);
    expect(aws.requests()).toEqual([
      'sts:GetCallerIdentity',
      'codepipeline:ListPipelineExecutions',
    ]);
    expect(diagnosis.notes[0]).toMatch(
      /no failed run in its history; the latest \(exec-2\) is Succeeded/,
    );
    expectValidJson(liveDoctorJson(diagnosis));
  });

  it('names the unknown pipeline and how to find the right one (exit 2)', async () => {
    aws.codepipeline
      .on(ListPipelineExecutionsCommand)
      .rejects(awsError('PipelineNotFoundException', 'Account does not have a pipeline with name'));

    await expect(
      diagnoseLive(context(), { kind: 'pipeline', name: 'aiproxy-iam-refactor-cicd' }),
    ).rejects.toMatchObject({
      code: 'PIPELINE_NOT_FOUND',
      exitCode: 2,
      message: expect.stringContaining(
        'No pipeline named aiproxy-iam-refactor-cicd in account',
      ) as string,
      suggestions: expect.arrayContaining([
        expect.stringContaining('its pipeline is aiproxy-iam-refactor-pipeline') as string,
      ]) as string[],
    });
  });

  it('diagnoses a named execution, and refuses an unknown one', async () => {
    givenExecutions(aws, [execution('exec-2', 'Succeeded', 10), execution('exec-1', 'Failed', 0)]);
    givenActions(aws, [codeBuildAction()]);
    givenBuilds(aws, [failedBuild()]);
    givenLogPages(aws, [seedLines()]);
    givenBuildRole();

    const named = await diagnoseLive(context(), {
      kind: 'pipeline',
      name: PIPELINE,
      executionId: 'exec-1',
    });
    // Its times come from the pipeline's history: GetPipelineExecution carries none
    expect(named.target).toMatchObject({
      executionId: 'exec-1',
      selection: 'named',
      status: 'Failed',
      startTime: at(0).toISOString(),
      lastUpdateTime: at(5).toISOString(),
    });
    expect(named.report.denials).toHaveLength(1);

    await expect(
      diagnoseLive(context(), { kind: 'pipeline', name: PIPELINE, executionId: 'nope' }),
    ).rejects.toMatchObject({ code: 'EXECUTION_NOT_FOUND', exitCode: 2 });
  });

  it('a named run older than the history it reads: no time, and no more than 4 pages', async () => {
    // Given a long history of successes, each page pointing to another, without exec-old
    aws.codepipeline
      .on(ListPipelineExecutionsCommand)
      .callsFake((input: { nextToken?: string }) => {
        const page = Number(input.nextToken ?? '0');
        return {
          pipelineExecutionSummaries: [execution(`exec-${page}`, 'Succeeded', page)],
          nextToken: String(page + 1),
        };
      });
    aws.codepipeline
      .on(GetPipelineExecutionCommand)
      .resolves({ pipelineExecution: { pipelineExecutionId: 'exec-old', status: 'Succeeded' } });
    givenActions(aws, []);

    // When doctor diagnoses that run by its id
    const diagnosis = await diagnoseLive(context(), {
      kind: 'pipeline',
      name: PIPELINE,
      executionId: 'exec-old',
    });

    // Then it gave up within the page limit, and says no time rather than inventing one
    expect(aws.codepipeline.commandCalls(ListPipelineExecutionsCommand)).toHaveLength(4);
    expect(diagnosis.target).toMatchObject({
      executionId: 'exec-old',
      status: 'Succeeded',
      startTime: null,
      lastUpdateTime: null,
    });
  });

  it('keeps only the latest attempt of a retried action', async () => {
    // Given the build action failed, was retried, and the retry succeeded; deploy then failed
    givenExecutions(aws, [execution('exec-2', 'Failed', 10)]);
    const first = codeBuildAction();
    const retry = { ...codeBuildAction(), status: 'Succeeded' as const, startTime: at(2) };
    const deploy = {
      ...codeBuildAction('other-build:1234'),
      stageName: 'Deploy',
      startTime: at(3),
    };
    givenActions(aws, [first, retry, deploy]);
    givenBuilds(aws, [failedBuild({ id: 'other-build:1234' })]);
    givenLogPages(aws, [TEST_FAILURE]);

    const diagnosis = await diagnoseLive(context(), { kind: 'pipeline', name: PIPELINE });

    expect(diagnosis.failedActions.map((a) => `${a.stage}/${a.externalExecutionId}`)).toEqual([
      'Deploy/other-build:1234',
    ]);
  });
});

describe('a failure that is not an access denial', () => {
  it('reports the failed phase, the failing command and its last lines', async () => {
    // Given a build whose tests failed
    givenExecutions(aws, [execution('exec-2', 'Failed', 10)]);
    givenActions(aws, [codeBuildAction()]);
    givenBuilds(aws, [
      failedBuild({
        phases: [
          {
            phaseType: 'BUILD',
            phaseStatus: 'FAILED',
            contexts: [
              {
                statusCode: 'COMMAND_EXECUTION_ERROR',
                message: 'Error while executing command: npm test. Reason: exit status 1',
              },
            ],
          },
        ],
      }),
    ]);
    givenLogPages(aws, [TEST_FAILURE]);

    // When doctor diagnoses the pipeline
    const diagnosis = await diagnoseLive(context(), { kind: 'pipeline', name: PIPELINE });

    // Then the outcome is a failure (exit 5), with the first failing command, not POST_BUILD's
    expect(diagnosis.outcome).toBe('failure');
    expect(diagnosis.report.denials).toEqual([]);
    expect(diagnosis.failedActions[0]?.failure).toEqual({
      phase: 'BUILD',
      command: 'npm test',
      exitStatus: 1,
      reason:
        'COMMAND_EXECUTION_ERROR: Error while executing command: npm test. Reason: exit status 1',
      lines: [
        '> aiproxy@1.0.0 test',
        '> vitest run',
        ' FAIL  test/app.test.ts > greets',
        'AssertionError: expected "hi" to be "hello"',
        ' Tests  1 failed | 41 passed (42)',
      ],
    });
    expectValidJson(liveDoctorJson(diagnosis));
  });
});

describe('doctor’s own reads, denied', () => {
  it('says which permission is missing and carries on from the action’s message', async () => {
    // Given the caller may not read log events
    givenExecutions(aws, [execution('exec-2', 'Failed', 10)]);
    givenActions(aws, [codeBuildAction()]);
    givenBuilds(aws, [failedBuild()]);
    aws.logs
      .on(GetLogEventsCommand)
      .rejects(
        awsError(
          'AccessDeniedException',
          `User: arn:aws:sts::123456789012:assumed-role/dev/alice is not authorized to perform: logs:GetLogEvents on resource: arn:aws:logs:eu-west-1:123456789012:log-group:${LOG_GROUP}:log-stream:${LOG_STREAM} because no identity-based policy allows the logs:GetLogEvents action`,
        ),
      );

    // When doctor diagnoses the pipeline
    const diagnosis = await diagnoseLive(context(), { kind: 'pipeline', name: PIPELINE });

    // Then the outcome is undetermined, not "not a denial": the unread log names the permission
    expect(diagnosis.outcome).toBe('undetermined');
    expect(diagnosis.failedActions[0]?.unread).toEqual([
      expect.objectContaining({
        kind: 'build-log',
        reason: 'access-denied',
        permission: 'logs:GetLogEvents',
        location: `${LOG_GROUP} ${LOG_STREAM}`,
      }),
    ]);
    // And the phase context still tells the command
    expect(diagnosis.failedActions[0]?.failure.command).toContain('aws ecr get-login-password');
    expectValidJson(liveDoctorJson(diagnosis));
  });

  it('reads the default log stream when builds cannot be read', async () => {
    // Given the caller may not call BatchGetBuilds, but may read the logs
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
    givenLogPages(aws, [seedLines()]);
    givenBuildRole();

    // When doctor diagnoses the pipeline
    const diagnosis = await diagnoseLive(context(), { kind: 'pipeline', name: PIPELINE });

    // Then it read CodeBuild's default group and stream for the build, and found the denial
    expect(aws.logs.calls()[0]?.args[0].input).toMatchObject({
      logGroupName: LOG_GROUP,
      logStreamName: BUILD_ID.split(':')[1],
    });
    expect(diagnosis.notes.join('\n')).toMatch(/codebuild:BatchGetBuilds/);
    expect(diagnosis.report.denials).toHaveLength(1);
  });
});
