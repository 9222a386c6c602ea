/**
 * Runs `deploy`, `destroy` and `list` in-process against `aws-sdk-client-mock` stubs, as a
 * developer holding the developer policy would: a project directory with its config, a
 * global stack made by `setup`, and the branch's stacks in the shared stateful CloudFormation
 * fake. Output and exit code are captured the way `src/main.ts` prints and maps them.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { DescribeStacksCommand, type Stack } from '@aws-sdk/client-cloudformation';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { CodeBuildClient } from '@aws-sdk/client-codebuild';
import { CodePipelineClient } from '@aws-sdk/client-codepipeline';
import { IAMClient, SimulatePrincipalPolicyCommand } from '@aws-sdk/client-iam';
import { S3Client } from '@aws-sdk/client-s3';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { vi } from 'vitest';

import Deploy from '../../src/commands/deploy.js';
import Destroy from '../../src/commands/destroy.js';
import List from '../../src/commands/list.js';
import { AiproxyError } from '../../src/lib/errors.js';
import { branchNames } from '../../src/lib/names.js';
import { pipelineTemplateYaml } from '../../src/lib/templates/pipeline.js';
import { formatError } from '../../src/lib/ui/error-output.js';
import {
  ACCOUNT,
  awsError,
  FakeCloudFormation,
  instantPolling,
  REGION,
} from '../support/aws-mock.js';
import type { AwsMocks } from '../doctor/live/support.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export { ACCOUNT, REGION };

/** The developer the stories run as: an SSO-style role session, with the developer policy. */
export const DEVELOPER = `arn:aws:sts::${ACCOUNT}:assumed-role/Developer/bob`;
export const EXECUTION_ROLE = `arn:aws:iam::${ACCOUNT}:role/aiproxy-global/aiproxy-global-cfn-exec-${REGION}`;
export const PIPELINE_ROLE = `arn:aws:iam::${ACCOUNT}:role/aiproxy-global/aiproxy-global-pipeline-${REGION}`;
export const DEVELOPER_POLICY = `arn:aws:iam::${ACCOUNT}:policy/aiproxy-global/aiproxy-global-developer-${REGION}`;
export const CONNECTION = `arn:aws:codeconnections:${REGION}:${ACCOUNT}:connection/8a1c7e39-1f9f-4e8e-9c5f-2b1d0f3a4c55`;

/** The branch most stories deploy. */
export const BRANCH = 'feature/login';
export const NAMES = branchNames(BRANCH, {
  env: { partition: 'aws', accountId: ACCOUNT, region: REGION },
});

/** The global stack's outputs, as `setup` leaves them. */
export const GLOBAL_OUTPUTS: Record<string, string> = {
  ExecutionRoleArn: EXECUTION_ROLE,
  PipelineRoleArn: PIPELINE_ROLE,
  DeveloperPolicyArn: DEVELOPER_POLICY,
  ConnectionArn: CONNECTION,
  Version: '1',
};

/** Every service the three commands call, stubbed; the global stack is set up. */
export class DeployAws {
  readonly cfn = new FakeCloudFormation(NAMES.pipelineStackName);
  readonly sts = mockClient(STSClient);
  readonly iam = mockClient(IAMClient);
  readonly ssm = mockClient(SSMClient);
  readonly codepipeline = mockClient(CodePipelineClient);
  readonly codebuild = mockClient(CodeBuildClient);
  readonly logs = mockClient(CloudWatchLogsClient);
  readonly s3 = mockClient(S3Client);

  constructor() {
    this.sts.on(GetCallerIdentityCommand).resolves({ Account: ACCOUNT, Arn: DEVELOPER });
    this.ssm.on(GetParameterCommand).resolves({ Parameter: { Value: '1' } });
    // The developer policy grants no policy simulation on the developer's own principal.
    this.iam
      .on(SimulatePrincipalPolicyCommand)
      .rejects(awsError('AccessDenied', 'not authorized to perform: iam:SimulatePrincipalPolicy'));
    this.givenGlobalStack();
    this.givenNoStack(NAMES.appStackName);
  }

  /** Given: the global stack in `status`, with `outputs`. */
  givenGlobalStack(status = 'CREATE_COMPLETE', outputs = GLOBAL_OUTPUTS): void {
    this.givenOtherStack('aiproxy-global', status, outputs);
  }

  /** Given: a stack other than the pipeline stack (the global or the app stack). */
  givenOtherStack(name: string, status: string, outputs: Record<string, string> = {}): void {
    const stack: Stack = {
      StackName: name,
      StackId: `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/${name}/other`,
      StackStatus: status as Stack['StackStatus'],
      CreationTime: new Date('2026-01-01T00:00:00Z'),
      Outputs: Object.entries(outputs).map(([OutputKey, OutputValue]) => ({
        OutputKey,
        OutputValue,
      })),
    };
    this.cfn.mock.on(DescribeStacksCommand, { StackName: name }).resolves({ Stacks: [stack] });
  }

  /** Given: no stack of that name. */
  givenNoStack(name: string): void {
    this.cfn.mock
      .on(DescribeStacksCommand, { StackName: name })
      .rejects(awsError('ValidationError', `Stack with id ${name} does not exist`));
  }

  /** The shape the live doctor's givens take, over these same stubs. */
  asDoctorMocks(): AwsMocks {
    const mocks = {
      sts: this.sts,
      codepipeline: this.codepipeline,
      codebuild: this.codebuild,
      logs: this.logs,
      s3: this.s3,
      cloudformation: this.cfn.mock,
      iam: this.iam,
    };
    return { ...mocks, requests: () => [], restore: () => this.restore() };
  }

  /** How many AWS calls were made, to any service. */
  callCount(): number {
    return [this.cfn.mock, this.sts, this.iam, this.ssm, this.codepipeline, this.s3].reduce(
      (sum, mock) => sum + mock.calls().length,
      0,
    );
  }

  restore(): void {
    this.cfn.restore();
    for (const mock of [this.sts, this.iam, this.ssm, this.codepipeline, this.s3]) mock.restore();
    this.codebuild.restore();
    this.logs.restore();
  }
}

/** What tests give the commands in place of a terminal, a clock and a project directory. */
export interface Seams {
  interactive?: boolean;
  ask?: (message: string) => Promise<boolean>;
  polling?: typeof instantPolling;
  signal?: AbortSignal;
  cwd?: string;
}

/** What a run printed and how it ended. */
export interface CommandRun {
  exitCode: number;
  stdout: string;
  stderr: string;
  error: AiproxyError | undefined;
}

/** The three commands, each behind a subclass whose `seams` the test chose. */
export type DeveloperCommand = typeof Deploy | typeof Destroy | typeof List;

function withSeams(
  command: DeveloperCommand,
  seams: Seams,
): { run(argv: string[], root: string): Promise<unknown> } {
  if (command === Deploy) {
    return class extends Deploy {
      protected override seams = seams;
    };
  }
  if (command === Destroy) {
    return class extends Destroy {
      protected override seams = seams;
    };
  }
  return class extends List {
    protected override seams = seams;
  };
}

/**
 * Runs `command` with `argv` and `seams`. Errors are printed and mapped to exit codes the way
 * `src/main.ts` does it.
 */
export async function runCommand(
  command: DeveloperCommand,
  argv: string[],
  seams: Seams,
): Promise<CommandRun> {
  const seamed = withSeams(command, seams);
  const stdout: string[] = [];
  const stderr: string[] = [];
  const capture = (into: string[]) => (chunk: string | Uint8Array) => {
    into.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString());
    return true;
  };
  const out = vi.spyOn(process.stdout, 'write').mockImplementation(capture(stdout));
  const err = vi.spyOn(process.stderr, 'write').mockImplementation(capture(stderr));
  process.exitCode = undefined;
  let error: AiproxyError | undefined;
  let exitCode: number;
  try {
    await seamed.run(argv, ROOT);
    exitCode = Number(process.exitCode ?? 0);
  } catch (thrown) {
    if (!(thrown instanceof AiproxyError)) throw thrown;
    error = thrown;
    const json = argv.includes('--json');
    (json ? stdout : stderr).push(formatError(thrown, { json, verbose: false, color: false }));
    exitCode = thrown.exitCode;
  } finally {
    out.mockRestore();
    err.mockRestore();
    process.exitCode = undefined;
  }
  return { exitCode, stdout: stdout.join(''), stderr: stderr.join(''), error };
}

/** The template `deploy` gives a branch's pipeline stack: what GetTemplate returns for it. */
export function pipelineTemplate(branch: string, prefix = 'aiproxy'): string {
  return pipelineTemplateYaml({
    prefix,
    branch,
    repository: PROJECT_CONFIG.repository,
    appTemplatePath: PROJECT_CONFIG.appTemplate,
    buildspecPath: PROJECT_CONFIG.buildspec,
  });
}

/** The project config of the stories: one extra statement applied, one refused. */
export const PROJECT_CONFIG = {
  repository: 'acme/aiproxy',
  appTemplate: 'infra/app.yml',
  buildspec: 'buildspec.yml',
  build: {
    extraStatements: [
      {
        Sid: 'ReadBuildParameters',
        Effect: 'Allow',
        Action: ['ssm:GetParameter'],
        Resource:
          'arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/aiproxy/shared/*',
      },
      { Sid: 'MakeUsers', Effect: 'Allow', Action: 'iam:CreateUser', Resource: '*' },
    ],
  },
};

/** A project directory holding `aiproxy.config.json`, optionally a git checkout of `branch`. */
export function projectDir(options: { config?: object | null; gitBranch?: string } = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'aiproxy-deploy-'));
  if (options.config !== null) {
    writeFileSync(
      join(dir, 'aiproxy.config.json'),
      JSON.stringify(options.config ?? PROJECT_CONFIG),
    );
  }
  mkdirSync(join(dir, 'infra'));
  writeFileSync(join(dir, 'infra', 'app.yml'), 'Resources: {}\n');
  writeFileSync(join(dir, 'buildspec.yml'), 'version: 0.2\n');
  if (options.gitBranch !== undefined) {
    const git = (...args: string[]) =>
      execFileSync('git', args, {
        cwd: dir,
        stdio: 'ignore',
        env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1' },
      });
    git('init', '-q', '-b', options.gitBranch);
    git(
      '-c',
      'user.name=t',
      '-c',
      'user.email=t@example.com',
      'commit',
      '-q',
      '--allow-empty',
      '-m',
      'x',
    );
  }
  return dir;
}

/** Seams for a person at a terminal who answers every question with `answer`. */
export function person(cwd: string, answer: boolean, asked: string[] = []): Seams {
  return {
    cwd,
    interactive: true,
    ask: (message) => {
      asked.push(message);
      return Promise.resolve(answer);
    },
    polling: instantPolling,
  };
}

/** Seams for CI: no terminal, instant polling. */
export function ci(cwd: string): Seams {
  return { cwd, interactive: false, polling: instantPolling };
}
