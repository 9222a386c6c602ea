import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { diagnoseLive, liveDoctorJson } from '../../../src/lib/doctor/live/diagnose.js';
import {
  ACCOUNT,
  BUILD_ID,
  BUILD_ROLE,
  GetObjectCommand,
  PIPELINE,
  PIPELINE_STACK,
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

/** Given: the seed failure, a pipeline whose latest run failed in its CodeBuild action. */
function givenSeedFailure(pages: string[][] = [seedLines()]): void {
  givenExecutions(aws, [execution('exec-2', 'Failed', 10), execution('exec-1', 'Succeeded', 0)]);
  givenActions(aws, [codeBuildAction()]);
  givenBuilds(aws, [failedBuild()]);
  givenLogPages(aws, pages);
  givenRole(aws, BUILD_ROLE, { tags: { 'aiproxy:branch': 'iam-refactor' } });
  givenStackResource(aws, BUILD_ROLE, PIPELINE_STACK, 'CodeBuildServiceRole');
  givenPolicies(aws, BUILD_ROLE, {
    build: {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 'logs:*', Resource: '*' }],
    },
  });
  givenSimulation(aws, 'allowed');
}

describe('doctor against a pipeline whose CodeBuild action failed', () => {
  it('finds the seed denial in a one-page log with 6 requests before resolving the role', async () => {
    // Given the seed failure, its log in one page
    givenSeedFailure();

    // When doctor diagnoses the pipeline
    const diagnosis = await diagnoseLive(context(), { kind: 'pipeline', name: PIPELINE });

    // Then it chose the latest run, which failed
    expect(diagnosis.target).toMatchObject({
      kind: 'pipeline',
      name: PIPELINE,
      executionId: 'exec-2',
      status: 'Failed',
      selection: 'latest',
      newerSuccess: null,
    });
    // And found exactly the seed's denial, in the build's log, written by the build's AWS CLI
    expect(diagnosis.report.denials).toHaveLength(1);
    expect(diagnosis.report.denials[0]).toMatchObject({
      action: 'ecr:GetAuthorizationToken',
      resource: '*',
      roleName: BUILD_ROLE,
      policyType: 'identity',
      deny: 'implicit',
      source: { file: `codebuild:${BUILD_ID}`, line: 25, writer: 'build' },
    });
    expect(diagnosis.report.patches[0]?.document.Statement).toEqual([
      {
        Sid: expect.any(String) as string,
        Effect: 'Allow',
        Action: 'ecr:GetAuthorizationToken',
        Resource: '*',
      },
    ]);
    // And the build's failed phase and log source are reported
    expect(diagnosis.failedActions[0]?.build).toMatchObject({
      failedPhase: 'PRE_BUILD',
      log: { kind: 'cloudwatch', pages: 2, lines: 30, truncated: false },
    });
    // And the failure took 6 requests: caller, executions, action executions, build, 2 log pages
    const requests = aws.requests();
    expect(requests.slice(0, 6)).toEqual([
      'sts:GetCallerIdentity',
      'codepipeline:ListPipelineExecutions',
      'codepipeline:ListActionExecutions',
      'codebuild:BatchGetBuilds',
      'logs:GetLogEvents',
      'logs:GetLogEvents',
    ]);
    expect(requests[6]).toBe('iam:GetRole');
    expect(diagnosis.outcome).toBe('denials');
    expectValidJson(liveDoctorJson(diagnosis));
  });

  it('reads every log page in order and stops when the token comes back', async () => {
    // Given the seed log split over three pages, the denial on the last
    const lines = seedLines();
    givenSeedFailure([lines.slice(0, 10), lines.slice(10, 20), lines.slice(20)]);

    // When doctor diagnoses the pipeline
    const diagnosis = await diagnoseLive(context(), { kind: 'pipeline', name: PIPELINE });

    // Then all three pages were read plus the final empty one, in order
    const tokens = aws.logs
      .calls()
      .map((c) => (c.args[0].input as { nextToken?: string }).nextToken);
    expect(tokens).toEqual([undefined, 'f/1', 'f/2', 'f/3']);
    expect(diagnosis.failedActions[0]?.build?.log).toMatchObject({ pages: 4, lines: 30 });
    // And the denial keeps its line number across pages
    expect(diagnosis.report.denials[0]?.source.line).toBe(25);
  });

  it('stops at the byte budget, reads the log’s last page, and says so', async () => {
    // Given a long log: 50 pages of noise, then the failing lines
    const noise = Array.from({ length: 50 }, (_, p) =>
      Array.from({ length: 20 }, (_, i) => `npm notice page ${p} line ${i} ${'x'.repeat(80)}`),
    );
    givenSeedFailure([...noise, seedLines()]);

    // When doctor reads it with a 10 kB budget
    const diagnosis = await diagnoseLive(
      context(),
      { kind: 'pipeline', name: PIPELINE },
      { logByteBudget: 10_000 },
    );

    // Then it stopped early, jumped to the end, and still found the denial
    const log = diagnosis.failedActions[0]?.build?.log;
    expect(log?.truncated).toBe(true);
    expect(log?.pages).toBeLessThan(10);
    expect(diagnosis.report.denials.map((d) => d.action)).toEqual(['ecr:GetAuthorizationToken']);
    expect(diagnosis.notes.join('\n')).toMatch(/longer than the .* read budget/);
    expectValidJson(liveDoctorJson(diagnosis));
  });

  it('reads a gzipped log from S3 when the project logs there', async () => {
    // Given a build that logs to S3 only
    givenSeedFailure();
    givenBuilds(aws, [
      failedBuild({
        logs: {
          cloudWatchLogs: { status: 'DISABLED' },
          s3Logs: { status: 'ENABLED', location: 'aiproxy-logs/builds' },
          s3LogsArn: `arn:aws:s3:::aiproxy-logs/builds/${BUILD_ID.split(':')[1]}.gz`,
        },
      }),
    ]);
    aws.s3.on(GetObjectCommand).callsFake(() => ({ Body: s3Body(`${seedLines().join('\n')}\n`) }));

    // When doctor diagnoses the pipeline
    const diagnosis = await diagnoseLive(context(), { kind: 'pipeline', name: PIPELINE });

    // Then the gzipped object was read and parsed, and CloudWatch Logs never asked
    expect(aws.s3.calls()[0]?.args[0].input).toEqual({
      Bucket: 'aiproxy-logs',
      Key: `builds/${BUILD_ID.split(':')[1]}.gz`,
    });
    expect(aws.logs.calls()).toHaveLength(0);
    expect(diagnosis.failedActions[0]?.build?.log).toMatchObject({ kind: 's3', lines: 30 });
    expect(diagnosis.report.denials.map((d) => d.action)).toEqual(['ecr:GetAuthorizationToken']);
    expectValidJson(liveDoctorJson(diagnosis));
  });

  it('diagnoses a build named with --build-id, without a pipeline', async () => {
    // Given only the build and its log
    givenSeedFailure();

    // When doctor diagnoses the build directly
    const diagnosis = await diagnoseLive(context(), { kind: 'build', buildId: BUILD_ID });

    // Then no pipeline was read, and the same denial and placement come back
    expect(aws.codepipeline.calls()).toHaveLength(0);
    expect(diagnosis.target).toMatchObject({ kind: 'build', name: BUILD_ID, status: 'FAILED' });
    expect(diagnosis.report.denials).toHaveLength(1);
    expect(diagnosis.placement[0]).toMatchObject({
      kind: 'pipeline-template',
      stackName: PIPELINE_STACK,
      buildRole: true,
      branch: 'iam-refactor',
      account: ACCOUNT,
    });
    expect(diagnosis.verification[0]).toMatchObject({
      status: 'allowed',
      summary: 'allowed by the evaluated policies',
    });
    expectValidJson(liveDoctorJson(diagnosis));
  });
});
