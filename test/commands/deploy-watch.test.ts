/**
 * `deploy --watch`: the run is found (the new pipeline's first run, a run in progress, one we
 * start, or the next push's), followed stage by stage, and a failed run is diagnosed by the
 * live doctor, whose exit code the command returns.
 */
import {
  GetPipelineExecutionCommand,
  GetPipelineStateCommand,
  ListPipelineExecutionsCommand,
  StartPipelineExecutionCommand,
  type PipelineExecutionSummary,
  type StageState,
} from '@aws-sdk/client-codepipeline';
import { GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import Deploy from '../../src/commands/deploy.js';
import { awsError, resourceChange } from '../support/aws-mock.js';
import { ci, DeployAws, NAMES, projectDir, REGION, runCommand } from '../deploy/harness.js';
import {
  BUILD_ROLE,
  PIPELINE,
  PIPELINE_STACK,
  codeBuildAction,
  failedBuild,
  givenActions,
  givenBuilds,
  givenLogPages,
  givenPolicies,
  givenRole,
  givenSimulation,
  givenStackResource,
  seedLines,
} from '../doctor/live/support.js';

let aws: DeployAws;
let dir: string;

beforeEach(() => {
  vi.stubEnv('AWS_REGION', REGION);
  vi.stubEnv('AWS_PROFILE', undefined);
  vi.stubEnv('NO_COLOR', '1');
  aws = new DeployAws();
  dir = projectDir();
  aws.cfn.nextChangeSet = {
    changes: [resourceChange('Add', 'Pipeline', 'AWS::CodePipeline::Pipeline')],
  };
});
afterEach(() => {
  aws.restore();
  vi.unstubAllEnvs();
});

const run = (branch: string, extra: string[] = []) =>
  runCommand(Deploy, ['--branch', branch, '--yes', '--watch', ...extra], ci(dir));

function inAMinute(): Date {
  return new Date(Date.now() + 60_000);
}

function summary(id: string, status: PipelineExecutionSummary['status'], start: Date) {
  return { pipelineExecutionId: id, status, startTime: start };
}

function stage(name: string, executionId: string, status: string, error?: string): StageState {
  return {
    stageName: name,
    latestExecution: { pipelineExecutionId: executionId, status: status as never },
    actionStates: [
      {
        actionName: name,
        latestExecution: {
          status: status as never,
          ...(error === undefined ? {} : { errorDetails: { code: 'JobFailed', message: error } }),
        },
      },
    ],
  };
}

/** Given: execution `id` is in progress for `polls` polls, then ends `final`; stages move on. */
function givenRun(id: string, final: 'Succeeded' | 'Failed', error?: string): void {
  let polls = 0;
  aws.codepipeline.on(GetPipelineExecutionCommand).callsFake(() => {
    polls += 1;
    const status = polls === 1 ? 'InProgress' : final;
    return { pipelineExecution: { pipelineExecutionId: id, status } };
  });
  aws.codepipeline.on(GetPipelineStateCommand).callsFake(() => ({
    stageStates:
      polls === 1
        ? [
            stage('Source', id, 'Succeeded'),
            stage('Build', id, 'InProgress'),
            stage('Deploy', 'older-run', 'Succeeded'),
          ]
        : [
            stage('Source', id, 'Succeeded'),
            stage('Build', id, final === 'Failed' ? 'Failed' : 'Succeeded', error),
            ...(final === 'Failed' ? [] : [stage('Deploy', id, 'Succeeded')]),
          ],
  }));
}

describe('deploy --watch: success', () => {
  it('follows the first run of a new pipeline stage by stage (exit 0)', async () => {
    // Given a first deploy, and the pipeline starting its first run by itself
    aws.codepipeline
      .on(ListPipelineExecutionsCommand)
      .resolves({ pipelineExecutionSummaries: [summary('exec-1', 'InProgress', new Date())] });
    givenRun('exec-1', 'Succeeded');

    // When the developer deploys with --watch
    const result = await run('feature/login');

    // Then the run is followed without starting another, and each stage is reported once
    expect(result.exitCode).toBe(0);
    expect(aws.codepipeline.commandCalls(StartPipelineExecutionCommand)).toHaveLength(0);
    expect(result.stderr).toContain('Following run exec-1 (the first run of the new pipeline).');
    expect(result.stderr.match(/ {2}Source {5}Succeeded/g)).toHaveLength(1);
    expect(result.stderr).toContain('  Build      InProgress');
    expect(result.stderr).toContain('  Deploy     Succeeded');
    expect(result.stdout).toContain(`✓ Run exec-1 succeeded: ${NAMES.appStackName} is deployed.`);
  });

  it('after an update with no run going, starts one (the developer policy allows it)', async () => {
    aws.cfn.givenStack('UPDATE_COMPLETE', { template: 'Resources: {}\n' });
    aws.codepipeline.on(ListPipelineExecutionsCommand).resolves({
      pipelineExecutionSummaries: [summary('exec-0', 'Succeeded', new Date('2026-01-01'))],
    });
    aws.codepipeline.on(StartPipelineExecutionCommand).resolves({ pipelineExecutionId: 'exec-7' });
    givenRun('exec-7', 'Succeeded');

    const result = await run('feature/login', ['--json']);

    expect(result.exitCode).toBe(0);
    expect(aws.codepipeline.commandCalls(StartPipelineExecutionCommand)[0]?.args[0].input).toEqual({
      name: NAMES.pipelineName,
    });
    const json = JSON.parse(result.stdout) as { watch: Record<string, unknown> };
    expect(json.watch).toMatchObject({
      kind: 'ended',
      executionId: 'exec-7',
      origin: 'started',
      status: 'Succeeded',
    });
  });

  it('when starting is denied, says so and follows the run the next push starts', async () => {
    aws.cfn.givenStack('UPDATE_COMPLETE', { template: 'Resources: {}\n' });
    const old = summary('exec-0', 'Succeeded', new Date('2026-01-01'));
    aws.codepipeline
      .on(ListPipelineExecutionsCommand)
      .resolvesOnce({ pipelineExecutionSummaries: [old] })
      .resolvesOnce({ pipelineExecutionSummaries: [old] })
      // The push comes after the deploy began.
      .resolves({ pipelineExecutionSummaries: [summary('exec-8', 'InProgress', inAMinute())] });
    aws.codepipeline
      .on(StartPipelineExecutionCommand)
      .rejects(
        awsError(
          'AccessDeniedException',
          'User is not authorized to perform: codepipeline:StartPipelineExecution',
        ),
      );
    givenRun('exec-8', 'Succeeded');

    const result = await run('feature/login');

    expect(result.exitCode).toBe(0);
    expect(result.stderr).toContain('Not allowed to start the pipeline');
    expect(result.stderr).toContain('Waiting for a push to start the pipeline');
    expect(result.stderr).toContain('Following run exec-8 (started by a push).');
  });
});

describe('deploy --watch: failure', () => {
  it('runs the live doctor on the failed run and returns its exit code (1: denials)', async () => {
    // Given the seed failure: the build role could not log in to ECR in PRE_BUILD
    const doctor = aws.asDoctorMocks();
    aws.codepipeline
      .on(ListPipelineExecutionsCommand)
      .resolves({ pipelineExecutionSummaries: [summary('exec-2', 'Failed', new Date())] });
    givenRun('exec-2', 'Failed', 'Build terminated with state: FAILED. Phase: PRE_BUILD');
    givenActions(doctor, [codeBuildAction()]);
    givenBuilds(doctor, [failedBuild()]);
    givenLogPages(doctor, [seedLines()]);
    givenRole(doctor, BUILD_ROLE, { tags: { 'aiproxy:branch': 'iam-refactor' } });
    givenStackResource(doctor, BUILD_ROLE, PIPELINE_STACK, 'CodeBuildServiceRole');
    givenPolicies(doctor, BUILD_ROLE, {});
    givenSimulation(doctor, 'allowed');

    // When the branch is deployed with --watch
    const result = await run('iam-refactor');

    // Then the stage failure is shown, then the doctor's diagnosis, with its exit code
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain(
      '  Build      Failed  Build: Build terminated with state: FAILED',
    );
    expect(result.stdout).toContain('✗ Run exec-2 ended Failed.');
    expect(result.stdout).toContain(`Pipeline ${PIPELINE}: execution exec-2`);
    expect(result.stdout).toContain('ecr:GetAuthorizationToken');
  });

  it('returns exit 3, not 5, when the doctor could not read the failed build’s log', async () => {
    // Given the failed build's log may not be read by this developer
    const doctor = aws.asDoctorMocks();
    aws.codepipeline
      .on(ListPipelineExecutionsCommand)
      .resolves({ pipelineExecutionSummaries: [summary('exec-2', 'Failed', new Date())] });
    givenRun('exec-2', 'Failed', 'Build terminated with state: FAILED. Phase: PRE_BUILD');
    givenActions(doctor, [codeBuildAction()]);
    givenBuilds(doctor, [failedBuild()]);
    doctor.logs
      .on(GetLogEventsCommand)
      .rejects(
        awsError(
          'AccessDeniedException',
          'User: arn:aws:sts::123456789012:assumed-role/dev/alice is not authorized to perform: logs:GetLogEvents',
        ),
      );

    const result = await run('iam-refactor');

    // Then the verdict is "could not tell" (an AWS read problem), never "not a denial"
    expect(result.exitCode).toBe(3);
  });

  it('--json carries the diagnosis in the one document', async () => {
    const doctor = aws.asDoctorMocks();
    aws.codepipeline
      .on(ListPipelineExecutionsCommand)
      .resolves({ pipelineExecutionSummaries: [summary('exec-2', 'Failed', new Date())] });
    givenRun('exec-2', 'Failed');
    givenActions(doctor, [codeBuildAction()]);
    givenBuilds(doctor, [failedBuild()]);
    givenLogPages(doctor, [seedLines()]);
    givenRole(doctor, BUILD_ROLE);
    givenStackResource(doctor, BUILD_ROLE, PIPELINE_STACK, 'CodeBuildServiceRole');
    givenPolicies(doctor, BUILD_ROLE, {});
    givenSimulation(doctor, 'allowed');

    const result = await run('iam-refactor', ['--json']);

    expect(result.exitCode).toBe(1);
    const json = JSON.parse(result.stdout) as {
      watch: { status: string; diagnosis: { outcome: string; denials: { action: string }[] } };
    };
    expect(json.watch.status).toBe('Failed');
    expect(json.watch.diagnosis.outcome).toBe('denials');
    expect(json.watch.diagnosis.denials[0]?.action).toBe('ecr:GetAuthorizationToken');
  });
});
