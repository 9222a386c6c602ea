import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { DescribeStackEventsCommand } from '@aws-sdk/client-cloudformation';
import { GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import {
  GetPipelineExecutionCommand,
  ListPipelineExecutionsCommand,
} from '@aws-sdk/client-codepipeline';
import { confirm } from '@inquirer/prompts';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { branchSlug } from '../../src/lib/names.js';
import { runDoctor } from '../doctor/live/run-command.js';
import {
  PutRolePolicyCommand,
  cloudFormationAction,
  BUILD_ID,
  BUILD_ROLE,
  LOG_GROUP,
  PIPELINE,
  PIPELINE_STACK,
  REGION,
  awsError,
  codeBuildAction,
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
} from '../doctor/live/support.js';

vi.mock('@inquirer/prompts', () => ({ confirm: vi.fn() }));

let aws: AwsMocks;
beforeEach(() => {
  aws = mockAws();
  vi.stubEnv('AWS_REGION', REGION);
  vi.stubEnv('AWS_PROFILE', undefined);
  vi.stubEnv('NO_COLOR', '1');
});
afterEach(() => {
  aws.restore();
  vi.unstubAllEnvs();
});

function givenSeedFailure(): void {
  givenExecutions(aws, [execution('exec-2', 'Failed', 10), execution('exec-1', 'Succeeded', 0)]);
  givenActions(aws, [codeBuildAction()]);
  givenBuilds(aws, [failedBuild()]);
  givenLogPages(aws, [seedLines()]);
  givenRole(aws, BUILD_ROLE, { tags: { 'aiproxy:branch': 'iam-refactor' } });
  givenStackResource(aws, BUILD_ROLE, PIPELINE_STACK, 'CodeBuildServiceRole');
  givenPolicies(aws, BUILD_ROLE, {});
  givenSimulation(aws, 'allowed');
}

describe('aiproxy doctor <pipeline>', () => {
  it('explains the seed failure, where its fix belongs, and the check (exit 1)', async () => {
    givenSeedFailure();

    const run = await runDoctor([PIPELINE, '--verbose']);

    expect(run.exitCode).toBe(1);
    expect(run.stdout).toContain('Pipeline aiproxy-iam-refactor-pipeline: execution exec-2');
    expect(run.stderr).toMatch(/AWS requests: \d+ to find the failure/);
    // AIPROXY_RECORD_PIPELINE=path keeps the session for the README.
    const record = process.env.AIPROXY_RECORD_PIPELINE;
    if (record) writeFileSync(record, `${run.stdout}\n--- stderr ---\n${run.stderr}`);
  });

  it('prints one JSON document that matches the schema', async () => {
    givenSeedFailure();

    const run = await runDoctor([PIPELINE, '--json']);

    expect(run.exitCode).toBe(1);
    expectValidJson(JSON.parse(run.stdout));
  });

  it('says in one line that credentials are missing (exit 3)', async () => {
    aws.sts.reset();
    aws.sts.rejects(
      awsError('ExpiredTokenException', 'The security token included in the request is expired'),
    );

    const run = await runDoctor([PIPELINE]);

    expect(run.exitCode).toBe(3);
  });
});

describe('aiproxy doctor: what it finds', () => {
  it('says so when nothing failed (exit 0)', async () => {
    givenExecutions(aws, [execution('exec-1', 'Succeeded', 0)]);

    const run = await runDoctor([PIPELINE]);

    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain('Nothing failed');
  });

  it('reports a failure that is not a denial (exit 5), with the command and its last lines', async () => {
    givenExecutions(aws, [execution('exec-2', 'Failed', 10)]);
    givenActions(aws, [codeBuildAction()]);
    givenBuilds(aws, [failedBuild()]);
    givenLogPages(aws, [
      [
        '[Container] 2026/03/01 10:01:05.000000 Running command npm test',
        'AssertionError: expected "hi" to be "hello"',
        '[Container] 2026/03/01 10:01:20.000000 Command did not exit successfully npm test exit status 1',
      ],
    ]);

    const run = await runDoctor([PIPELINE]);
    const json = await runDoctor([PIPELINE, '--json']);

    expect(run.exitCode).toBe(5);
    expect(run.stdout).toContain('The failure is not an AWS access denial.');
    expect(run.stdout).toMatch(/Command +npm test \(exit status 1\)/);
    expect(run.stdout).toContain('│ AssertionError: expected "hi" to be "hello"');
    expect(json.exitCode).toBe(5);
    expectValidJson(JSON.parse(json.stdout));
  });

  it('says it could not tell when the log was not read (exit 3), never "not a denial"', async () => {
    // Given a failed build whose log the caller may not read
    givenExecutions(aws, [execution('exec-2', 'Failed', 10)]);
    givenActions(aws, [codeBuildAction()]);
    givenBuilds(aws, [failedBuild()]);
    aws.logs
      .on(GetLogEventsCommand)
      .rejects(
        awsError(
          'AccessDeniedException',
          `User: arn:aws:sts::123456789012:assumed-role/dev/alice is not authorized to perform: logs:GetLogEvents on resource: arn:aws:logs:${REGION}:123456789012:log-group:${LOG_GROUP}:log-stream:x`,
        ),
      );

    // When doctor runs, as text and as JSON
    const run = await runDoctor([PIPELINE]);
    const json = await runDoctor([PIPELINE, '--json']);

    // Then it exits 3 (an AWS read problem), says why, and what to do
    expect(run.exitCode).toBe(3);
    expect(run.stdout).toContain(
      'Doctor could not tell whether the failure is an AWS access denial: it could not read the build log.',
    );
    expect(run.stdout).toContain(`Ask for logs:GetLogEvents on the log group ${LOG_GROUP}`);
    expect(run.stdout).toContain(`Then run \`aiproxy doctor --build-id ${BUILD_ID}\` again.`);
    expect(run.stdout).not.toContain('not an AWS access denial');
    expect(json.exitCode).toBe(3);
    const document = JSON.parse(json.stdout) as {
      outcome: string;
      failedActions: { unread: { reason: string; permission: string }[] }[];
    };
    expect(document.outcome).toBe('undetermined');
    expect(document.failedActions[0]?.unread[0]).toMatchObject({
      reason: 'access-denied',
      permission: 'logs:GetLogEvents',
    });
    expectValidJson(document);
  });

  it('names an unknown pipeline (exit 2), as one JSON error with --json', async () => {
    aws.codepipeline
      .on(ListPipelineExecutionsCommand)
      .rejects(
        awsError('PipelineNotFoundException', 'Account does not have a pipeline with name nope'),
      );

    const run = await runDoctor(['nope', '--json']);

    expect(run.exitCode).toBe(2);
    const document = JSON.parse(run.stdout) as { error: { code: string } };
    expect(document.error.code).toBe('PIPELINE_NOT_FOUND');
    expectValidJson(document);
  });

  it('finds the branch’s pipeline by the naming rule deploy uses', async () => {
    givenExecutions(aws, [execution('exec-1', 'Succeeded', 0)]);

    await runDoctor(['--branch', 'feature/Login']);

    expect(
      aws.codepipeline.commandCalls(ListPipelineExecutionsCommand)[0]?.args[0].input,
    ).toMatchObject({
      pipelineName: `aiproxy-${branchSlug('feature/Login')}-pipeline`,
    });
  });

  it('says when a named run started, from the pipeline’s history', async () => {
    // Given exec-1 is in the history, and exec-0 is not (older than doctor reads)
    givenExecutions(aws, [execution('exec-1', 'Succeeded', 0)]);
    givenActions(aws, []);

    const listed = await runDoctor([PIPELINE, '--execution-id', 'exec-1']);
    aws.codepipeline
      .on(GetPipelineExecutionCommand)
      .resolves({ pipelineExecution: { pipelineExecutionId: 'exec-0', status: 'Succeeded' } });
    const older = await runDoctor([PIPELINE, '--execution-id', 'exec-0']);

    expect(listed.stdout).toContain(
      'execution exec-1, the execution asked for, Succeeded at 2026-03-01 10:05:00Z',
    );
    expect(older.stdout).toContain(
      'execution exec-0, the execution asked for, Succeeded, started at a time CodePipeline did not report',
    );
  });

  it('counts in words: a one-line log is “1 line”, not “1 lines”', async () => {
    givenExecutions(aws, [execution('exec-2', 'Failed', 10)]);
    givenActions(aws, [codeBuildAction()]);
    givenBuilds(aws, [failedBuild()]);
    givenLogPages(aws, [['npm ERR! code ELIFECYCLE']]);

    const run = await runDoctor([PIPELINE]);

    expect(run.stdout).toMatch(/Log +CloudWatch Logs .* \(1 line, 25 bytes, 2 pages\)/);
  });

  it('refuses two targets at once (exit 2)', async () => {
    const run = await runDoctor([PIPELINE, '--build-id', 'x:1']);

    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain('Name one thing to diagnose');
  });
});

describe('aiproxy doctor: what it checks before asking AWS', () => {
  it.each([
    ['garbage', ['--build-id', 'garbage']],
    ['empty', ['--build-id', '']],
    ['a project without its uuid', ['--build-id', 'aiproxy-main-build:']],
  ])('refuses a malformed --build-id (%s) locally (exit 2)', async (_case, argv) => {
    const run = await runDoctor(argv);

    expect(run.exitCode).toBe(2);
    expect(run.error?.suggestions.join('\n')).toContain(
      'aws codebuild list-builds-for-project --project-name PROJECT',
    );
    expect(aws.requests()).toEqual([]);
  });

  it('takes a build’s ARN for its id', async () => {
    givenBuilds(aws, [failedBuild()]);
    givenLogPages(aws, [['npm ERR! code ELIFECYCLE']]);

    const run = await runDoctor([
      '--build-id',
      `arn:aws:codebuild:${REGION}:123456789012:build/${BUILD_ID}`,
    ]);

    expect(run.exitCode).toBe(5);
    expect(aws.codebuild.calls()[0]?.args[0].input).toEqual({ ids: [BUILD_ID] });
  });

  it.each([
    ['an empty --stack', ['--stack', ''], '--stack is empty.'],
    ['a --stack that is no stack name', ['--stack', 'my_stack'], 'is not a stack name or id'],
    ['an empty pipeline name', [''], 'The pipeline name is empty.'],
    ['an empty --execution-id', [PIPELINE, '--execution-id', ''], '--execution-id is empty.'],
  ])('refuses %s locally (exit 2)', async (_case, argv, message) => {
    const run = await runDoctor(argv);

    expect(run.exitCode).toBe(2);
    expect(run.error?.message).toContain(message);
    expect(aws.requests()).toEqual([]);
  });

  it('refuses --yes without --apply (exit 2), offline too', async () => {
    const live = await runDoctor([PIPELINE, '--yes']);
    const offline = await runDoctor(['-f', 'examples/codebuild-ecr-login-denied.log', '--yes']);

    for (const run of [live, offline]) {
      expect(run.exitCode).toBe(2);
      expect(run.error?.message).toBe('--yes only answers the question --apply asks.');
    }
    expect(aws.requests()).toEqual([]);
  });
});

describe('aiproxy doctor --log-file (offline) is unchanged', () => {
  it('reads the seed log without AWS, and its JSON still matches the schema', async () => {
    const run = await runDoctor([
      '--log-file',
      'examples/codebuild-ecr-login-denied.log',
      '--json',
    ]);

    expect(run.exitCode).toBe(1);
    expect(aws.requests()).toEqual([]);
    const document = JSON.parse(run.stdout) as Record<string, unknown>;
    expect(Object.keys(document)).toEqual(['source', 'denials', 'patches', 'notes']);
    expectValidJson(document);
  });

  it('takes no live flag', async () => {
    const run = await runDoctor([
      '--log-file',
      'examples/codebuild-ecr-login-denied.log',
      '--apply',
    ]);

    expect(run.exitCode).toBe(2);
  });
});

describe('aiproxy doctor --apply', () => {
  let project: string;
  const config = (): string => readFileSync(join(project, 'aiproxy.config.json'), 'utf8');

  beforeEach(() => {
    project = mkdtempSync(join(tmpdir(), 'aiproxy-doctor-cmd-'));
    mkdirSync(join(project, '.git'));
    writeFileSync(
      join(project, 'aiproxy.config.json'),
      `${JSON.stringify({ repository: 'acme/aiproxy', appTemplate: 'infra/app.yml', buildspec: 'buildspec.yml' }, null, 2)}\n`,
    );
    vi.spyOn(process, 'cwd').mockReturnValue(project);
    vi.mocked(confirm).mockReset();
  });
  afterEach(() => {
    vi.restoreAllMocks();
    setTty(undefined);
  });

  it('with --yes writes the config, shows the diff, and prints the deploy command (exit 0)', async () => {
    givenSeedFailure();

    const run = await runDoctor([PIPELINE, '--apply', '--yes']);

    expect(run.exitCode).toBe(0);
    expect(config()).toContain('"ecr:GetAuthorizationToken"');
    expect(run.stdout).toMatch(/^\+ +"Action": "ecr:GetAuthorizationToken",$/m);
    expect(run.stdout).toContain('aiproxy deploy --branch iam-refactor');
    expect(confirm).not.toHaveBeenCalled();
  });

  it('asks on a terminal, and a “no” writes nothing (exit 4)', async () => {
    givenSeedFailure();
    setTty(true);
    vi.mocked(confirm).mockResolvedValue(false);
    const before = config();

    const run = await runDoctor([PIPELINE, '--apply']);

    expect(confirm).toHaveBeenCalledOnce();
    expect(run.exitCode).toBe(4);
    expect(run.error?.code).toBe('DECLINED');
    expect(config()).toBe(before);
  });

  it('refuses without a terminal and without --yes (exit 4)', async () => {
    givenSeedFailure();
    setTty(false);
    const before = config();

    const run = await runDoctor([PIPELINE, '--apply', '--json']);

    expect(run.exitCode).toBe(4);
    expect(confirm).not.toHaveBeenCalled();
    expect(config()).toBe(before);
    const document = JSON.parse(run.stdout) as { apply: { refused: { code: string } } };
    expect(document.apply.refused.code).toBe('NEEDS_YES');
    expectValidJson(document);
  });

  it('--direct puts the shown document on the role as an inline policy', async () => {
    givenSeedFailure();
    aws.iam.on(PutRolePolicyCommand).resolves({});

    const run = await runDoctor([PIPELINE, '--apply', '--direct', '--yes', '--json']);

    expect(run.exitCode).toBe(0);
    const document = JSON.parse(run.stdout) as {
      apply: { results: { policyName: string; document: string }[] };
    };
    expectValidJson(document);
    const [result] = document.apply.results;
    expect(aws.iam.commandCalls(PutRolePolicyCommand)[0]?.args[0].input).toEqual({
      RoleName: BUILD_ROLE,
      PolicyName: result?.policyName,
      PolicyDocument: result?.document,
    });
    expect(result?.policyName).toMatch(/^aiproxy-doctor-\d{8}$/);
    expect(run.stderr).toContain('CloudFormation does not know this inline policy');
  });

  it('refuses a risky patch (exit 4), keeping the diagnosis in the one JSON document', async () => {
    const pipelineRole = `aiproxy-global-pipeline-${REGION}`;
    givenExecutions(aws, [execution('exec-3', 'Failed', 10)]);
    givenActions(aws, [
      cloudFormationAction(
        'aiproxy-iam-refactor-app',
        `User: arn:aws:sts::123456789012:assumed-role/${pipelineRole}/1709287200000 is not authorized to perform: iam:PassRole on resource: arn:aws:iam::123456789012:role/Admin (Service: AmazonCloudFormation; Status Code: 403; Error Code: AccessDenied; Request ID: 1f2e)`,
      ),
    ]);
    aws.cloudformation.on(DescribeStackEventsCommand).resolves({ StackEvents: [] });
    givenRole(aws, pipelineRole, { path: '/aiproxy-global/' });
    givenPolicies(aws, pipelineRole, {});
    givenSimulation(aws, 'allowed');

    const run = await runDoctor([PIPELINE, '--apply', '--yes', '--json']);

    expect(run.exitCode).toBe(4);
    const document = JSON.parse(run.stdout) as {
      denials: unknown[];
      apply: { refused: { code: string } };
    };
    expect(document.denials).toHaveLength(1);
    expect(document.apply.refused.code).toBe('APPLY_RISKY');
    expectValidJson(document);
    expect(aws.iam.commandCalls(PutRolePolicyCommand)).toHaveLength(0);
  });
});

function setTty(value: boolean | undefined): void {
  Object.defineProperty(process.stdin, 'isTTY', { value, configurable: true });
  Object.defineProperty(process.stderr, 'isTTY', { value, configurable: true });
}
