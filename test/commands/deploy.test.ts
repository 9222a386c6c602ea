import {
  CreateChangeSetCommand,
  DeleteStackCommand,
  ExecuteChangeSetCommand,
} from '@aws-sdk/client-cloudformation';
import { SimulatePrincipalPolicyCommand } from '@aws-sdk/client-iam';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import Deploy from '../../src/commands/deploy.js';
import { resourceTypesOf } from '../../src/lib/deploy/template.js';
import { parseTemplate } from '../../src/lib/stacks/template-body.js';
import { awsError, resourceChange } from '../support/aws-mock.js';
import {
  ACCOUNT,
  ci,
  DeployAws,
  DEVELOPER,
  DEVELOPER_POLICY,
  EXECUTION_ROLE,
  GLOBAL_OUTPUTS,
  NAMES,
  person,
  projectDir,
  REGION,
  runCommand,
} from '../deploy/harness.js';

const NO_CHANGES =
  "The submitted information didn't contain changes. Submit different information to create a change set.";
const ADDS = [
  resourceChange('Add', 'ArtifactBucket', 'AWS::S3::Bucket'),
  resourceChange('Add', 'BuildRole', 'AWS::IAM::Role'),
  resourceChange('Add', 'Pipeline', 'AWS::CodePipeline::Pipeline'),
];
const CONSOLE_URL = `https://${REGION}.console.aws.amazon.com/codesuite/codepipeline/pipelines/${NAMES.pipelineName}/view?region=${REGION}`;

let aws: DeployAws;
let dir: string;

beforeEach(() => {
  vi.stubEnv('AWS_REGION', REGION);
  vi.stubEnv('AWS_PROFILE', undefined);
  vi.stubEnv('NO_COLOR', '1');
  aws = new DeployAws();
  dir = projectDir();
});
afterEach(() => {
  aws.restore();
  vi.unstubAllEnvs();
});

/** The ESC and BEL bytes in `text`: what it takes to retitle a terminal window, or worse. */
const terminalBytesIn = (text: string): string[] =>
  ['\u001b', '\u0007'].filter((byte) => text.includes(byte));

const deploy = (argv: string[], seams = ci(dir)) =>
  runCommand(Deploy, ['--branch', 'feature/login', ...argv], seams);

describe('deploy: first deploy', () => {
  it('creates the pipeline stack as the execution role, declaring its resource types', async () => {
    // Given the global stack and no pipeline stack yet
    aws.cfn.nextChangeSet = { changes: ADDS };

    // When a developer deploys with --yes
    const run = await deploy(['--yes']);

    // Then the change set names the execution role and exactly the template's resource types
    expect(run.exitCode).toBe(0);
    const [input] = aws.cfn.inputsOf(CreateChangeSetCommand);
    expect(input).toMatchObject({
      StackName: NAMES.pipelineStackName,
      ChangeSetType: 'CREATE',
      RoleARN: EXECUTION_ROLE,
      Capabilities: ['CAPABILITY_NAMED_IAM'],
    });
    const template = parseTemplate(input?.TemplateBody);
    expect(input?.ResourceTypes).toEqual(resourceTypesOf(template));
    expect(input?.ResourceTypes).toContain('AWS::CodePipeline::Pipeline');
    // And it says which branch, who and where, and that PassRole could not be simulated
    expect(run.stderr).toContain(
      `Branch feature/login (named ${NAMES.slug} in AWS), from --branch.`,
    );
    expect(run.stderr).toContain(`Caller ${DEVELOPER} in account ${ACCOUNT}, ${REGION}.`);
    expect(run.stderr).toContain(
      'not checked (no iam:SimulatePrincipalPolicy on your own principal)',
    );
    // And it ends with the console link and the stacks made
    expect(run.stdout).toContain(`✓ Created ${NAMES.pipelineStackName}.`);
    expect(run.stdout).toContain(CONSOLE_URL);
    expect(run.stdout).toContain(`${NAMES.appStackName}`);
    expect(run.stdout).toContain('[+] AWS::IAM::Role BuildRole');
  });

  it('applies the extra statements the boundary allows and refuses the others, saying so', async () => {
    aws.cfn.nextChangeSet = { changes: ADDS };

    const run = await deploy(['--yes']);

    expect(run.exitCode).toBe(0);
    expect(run.stderr).toContain('Not applied: 1 extra build statement(s)');
    expect(run.stderr).toContain('"MakeUsers"');
    const body = aws.cfn.inputsOf(CreateChangeSetCommand)[0]?.TemplateBody ?? '';
    expect(body).toContain('Sid: ReadBuildParameters');
    expect(body).not.toContain('MakeUsers');
  });

  it('flags override the config: --repository and --connection-arn reach the template', async () => {
    aws.cfn.nextChangeSet = { changes: ADDS };
    const connection = `arn:aws:codeconnections:${REGION}:${ACCOUNT}:connection/11111111-2222-3333-4444-555555555555`;

    const run = await deploy([
      '--yes',
      '--repository',
      'acme/other',
      '--connection-arn',
      connection,
    ]);

    expect(run.exitCode).toBe(0);
    const body = aws.cfn.inputsOf(CreateChangeSetCommand)[0]?.TemplateBody ?? '';
    expect(body).toContain('FullRepositoryId: acme/other');
    expect(body).toContain(`ConnectionArn: ${connection}`);
  });

  it('--json prints one document with the pipeline link and the stacks', async () => {
    aws.cfn.nextChangeSet = { changes: ADDS };
    aws.cfn.nextExecution = { finalStatus: 'CREATE_COMPLETE' };

    const run = await deploy(['--yes', '--json']);

    expect(run.exitCode).toBe(0);
    const json = JSON.parse(run.stdout) as Record<string, unknown>;
    expect(json).toMatchObject({
      branch: 'feature/login',
      branchSource: 'flag',
      result: 'created',
      pipeline: { name: NAMES.pipelineName, consoleUrl: CONSOLE_URL },
      stacks: [
        { role: 'pipeline', name: NAMES.pipelineStackName },
        { role: 'app', name: NAMES.appStackName, deployedBy: 'the pipeline' },
      ],
      refusedStatements: [{ index: 1, reason: 'iam-write' }],
    });
    expect(run.stderr).toBe('');
  });
});

describe('deploy: the stack states', () => {
  it('update: a stack in UPDATE_COMPLETE gets an UPDATE change set', async () => {
    aws.cfn.givenStack('UPDATE_COMPLETE', { template: 'Resources: {}\n' });
    aws.cfn.nextChangeSet = { changes: [resourceChange('Modify', 'BuildRole', 'AWS::IAM::Role')] };

    const run = await deploy(['--yes']);

    expect(run.exitCode).toBe(0);
    expect(aws.cfn.inputsOf(CreateChangeSetCommand)[0]).toMatchObject({
      ChangeSetType: 'UPDATE',
      RoleARN: EXECUTION_ROLE,
    });
    expect(run.stdout).toContain(`✓ Updated ${NAMES.pipelineStackName}.`);
  });

  it('no change: says so, executes nothing, exits 0', async () => {
    aws.cfn.givenStack('UPDATE_COMPLETE', { template: 'Resources: {}\n' });
    aws.cfn.nextChangeSet = { failure: NO_CHANGES };

    const run = await deploy(['--yes']);

    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain(`No changes: ${NAMES.pipelineStackName} is already up to date.`);
    expect(run.stdout).toContain(CONSOLE_URL);
    expect(aws.cfn.inputsOf(ExecuteChangeSetCommand)).toHaveLength(0);
  });

  it('declined first deploy: the empty stack is deleted, as the execution role (exit 4)', async () => {
    aws.cfn.nextChangeSet = { changes: ADDS };
    const asked: string[] = [];

    const run = await deploy([], person(dir, false, asked));

    expect(run.exitCode).toBe(4);
    expect(asked).toEqual([`Create stack ${NAMES.pipelineStackName} with these 3 change(s)?`]);
    expect(aws.cfn.inputsOf(ExecuteChangeSetCommand)).toHaveLength(0);
    expect(aws.cfn.inputsOf(DeleteStackCommand)).toEqual([
      expect.objectContaining({ RoleARN: EXECUTION_ROLE }),
    ]);
    expect(aws.cfn.stack?.status).toBe('DELETE_COMPLETE');
    expect(run.stdout).toContain('Declined: nothing was deployed.');
  });

  it('without a terminal and without --yes: shows the plan, refuses, leaves nothing (exit 4)', async () => {
    aws.cfn.nextChangeSet = { changes: ADDS };

    const run = await deploy([]);

    expect(run.exitCode).toBe(4);
    expect(run.error?.code).toBe('NEEDS_YES');
    expect(run.stdout).toContain('[+] AWS::CodePipeline::Pipeline Pipeline');
    expect(aws.cfn.inputsOf(ExecuteChangeSetCommand)).toHaveLength(0);
    expect(aws.cfn.stack?.status).toBe('DELETE_COMPLETE');
  });

  it('ROLLBACK_COMPLETE: asks to recreate, deletes as the execution role, then creates', async () => {
    aws.cfn.givenStack('ROLLBACK_COMPLETE', { statusReason: 'The following resource(s) failed' });
    aws.cfn.nextChangeSet = { changes: ADDS };
    const asked: string[] = [];

    const run = await deploy([], person(dir, true, asked));

    expect(run.exitCode).toBe(0);
    expect(asked[0]).toContain('is ROLLBACK_COMPLETE');
    expect(aws.cfn.inputsOf(DeleteStackCommand)[0]).toMatchObject({ RoleARN: EXECUTION_ROLE });
    expect(aws.cfn.inputsOf(CreateChangeSetCommand)[0]).toMatchObject({ ChangeSetType: 'CREATE' });
  });

  it('an operation in progress without --yes or a terminal: stops, naming it (exit 3)', async () => {
    aws.cfn.givenStack('UPDATE_IN_PROGRESS');

    const run = await deploy([]);

    expect(run.exitCode).toBe(3);
    expect(run.error?.code).toBe('STACK_BUSY');
  });
});

describe('deploy: preflight', () => {
  it('no global stack: asks for an admin with the exact setup command (exit 3)', async () => {
    aws.givenNoStack('aiproxy-global');

    const run = await deploy(['--yes']);

    expect(run.exitCode).toBe(3);
    expect(run.error?.code).toBe('GLOBAL_STACK_MISSING');
    expect(run.stderr).toContain(
      `Ask an admin to run \`aiproxy setup --region ${REGION} --prefix aiproxy\``,
    );
    expect(aws.cfn.inputsOf(CreateChangeSetCommand)).toHaveLength(0);
  });

  it('a global stack older than this CLI (no version marker): asks for setup (exit 3)', async () => {
    aws.ssm.on(GetParameterCommand).rejects(awsError('ParameterNotFound', 'not found'));
    aws.givenGlobalStack('UPDATE_COMPLETE', {
      ExecutionRoleArn: EXECUTION_ROLE,
      PipelineRoleArn: EXECUTION_ROLE,
    });

    const run = await deploy(['--yes']);

    expect(run.exitCode).toBe(3);
    expect(run.error?.code).toBe('GLOBAL_STACK_OUTDATED');
    expect(run.stderr).toContain('has no version; this CLI needs version 1');
    expect(run.stderr).toContain(`aiproxy setup --region ${REGION} --prefix aiproxy`);
  });

  it('a global stack newer than this CLI: asks to upgrade aiproxy (exit 3)', async () => {
    aws.ssm.on(GetParameterCommand).resolves({ Parameter: { Value: '2' } });

    const run = await deploy(['--yes']);

    expect(run.exitCode).toBe(3);
    expect(run.error?.code).toBe('CLI_OUTDATED');
    expect(run.stderr).toContain('npm install -g aiproxy@latest');
  });

  it('PassRole denied by the policy simulator: stops before any change set (exit 3)', async () => {
    aws.iam.on(SimulatePrincipalPolicyCommand).resolves({
      EvaluationResults: [{ EvalActionName: 'iam:PassRole', EvalDecision: 'implicitDeny' }],
    });

    const run = await deploy(['--yes']);

    expect(run.exitCode).toBe(3);
    expect(run.error?.code).toBe('PASS_ROLE_DENIED');
    expect(aws.iam.commandCalls(SimulatePrincipalPolicyCommand)[0]?.args[0].input).toMatchObject({
      PolicySourceArn: `arn:aws:iam::${ACCOUNT}:role/Developer`,
      ActionNames: ['iam:PassRole'],
      ResourceArns: [EXECUTION_ROLE],
    });
    expect(run.stderr).toContain(`Ask an admin to attach ${DEVELOPER_POLICY}`);
    expect(aws.cfn.inputsOf(CreateChangeSetCommand)).toHaveLength(0);
  });

  it('PassRole refused by CloudFormation: says so, never retries without the role (exit 3)', async () => {
    aws.cfn.mock
      .on(CreateChangeSetCommand)
      .rejects(
        awsError(
          'AccessDenied',
          `User: ${DEVELOPER} is not authorized to perform: iam:PassRole on resource: ${EXECUTION_ROLE} because no identity-based policy allows the iam:PassRole action`,
          { status: 403 },
        ),
      );

    const run = await deploy(['--yes']);

    expect(run.exitCode).toBe(3);
    expect(run.error?.code).toBe('PASS_ROLE_DENIED');
    expect(run.stderr).toContain('never falls back to your own rights');
    const calls = aws.cfn.inputsOf(CreateChangeSetCommand);
    expect(calls).toHaveLength(1);
    expect(calls.every((c) => c.RoleARN === EXECUTION_ROLE && c.ResourceTypes !== undefined)).toBe(
      true,
    );
  });

  it('no connection anywhere: names the flag before touching the stack (exit 2)', async () => {
    const withoutConnection = Object.fromEntries(
      Object.entries(GLOBAL_OUTPUTS).filter(([key]) => key !== 'ConnectionArn'),
    );
    aws.givenGlobalStack('UPDATE_COMPLETE', withoutConnection);

    const run = await deploy(['--yes']);

    expect(run.exitCode).toBe(2);
    expect(run.error?.code).toBe('NO_SOURCE_CONNECTION');
    expect(aws.cfn.inputsOf(CreateChangeSetCommand)).toHaveLength(0);
  });
});

describe('deploy: a failure during execution', () => {
  it('shows the first failed event and the doctor’s explanation of the denial (exit 1)', async () => {
    aws.cfn.nextChangeSet = { changes: ADDS };
    const session = `arn:aws:sts::${ACCOUNT}:assumed-role/aiproxy-global-cfn-exec-${REGION}/AWSCloudFormation`;
    aws.cfn.nextExecution = {
      finalStatus: 'ROLLBACK_COMPLETE',
      events: [
        {
          logicalId: 'Repository',
          resourceType: 'AWS::ECR::Repository',
          status: 'CREATE_FAILED',
          reason: `Resource handler returned message: "User: ${session} is not authorized to perform: ecr:CreateRepository on resource: arn:aws:ecr:${REGION}:${ACCOUNT}:repository/${NAMES.repositoryName} because no identity-based policy allows the ecr:CreateRepository action (Service: Ecr, Status Code: 400, Request ID: 1f2e)" (RequestToken: 9a, HandlerErrorCode: AccessDenied)`,
        },
      ],
    };

    const run = await deploy(['--yes']);

    expect(run.exitCode).toBe(1);
    expect(run.stdout).toContain(
      `✗ Creating ${NAMES.pipelineStackName} failed: ROLLBACK_COMPLETE.`,
    );
    expect(run.stdout).toContain('CREATE_FAILED  AWS::ECR::Repository  Repository');
    expect(run.stdout).toContain('Denial 1 of 1');
    expect(run.stdout).toContain('ecr:CreateRepository');
  });
});

describe('deploy: text from AWS', () => {
  it('change sets and stack events holding terminal escapes are shown without them', async () => {
    // Given a change set and a failed event whose text carries an escape sequence and a bell
    aws.cfn.nextChangeSet = {
      changes: [...ADDS, resourceChange('Add', 'Odd\u0007Bell', 'AWS::SNS::Topic')],
    };
    aws.cfn.nextExecution = {
      finalStatus: 'ROLLBACK_COMPLETE',
      events: [
        {
          logicalId: 'Repository',
          resourceType: 'AWS::ECR::Repository',
          status: 'CREATE_FAILED',
          reason: 'Internal failure \u001b]0;pwned\u0007\u001b[2J',
        },
      ],
    };

    // When the deploy runs and fails
    const run = await deploy(['--yes']);

    // Then both are shown, their text kept and their escapes gone, on both streams
    expect(run.exitCode).toBe(5);
    expect(run.stdout).toContain('[+] AWS::SNS::Topic OddBell');
    expect(run.stdout).toContain('Internal failure');
    expect(terminalBytesIn(run.stdout + run.stderr)).toEqual([]);
  });
});
