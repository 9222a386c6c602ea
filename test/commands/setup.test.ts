import {
  CreateChangeSetCommand,
  DeleteStackCommand,
  ExecuteChangeSetCommand,
  ListStacksCommand,
} from '@aws-sdk/client-cloudformation';
import {
  AttachGroupPolicyCommand,
  GetRoleCommand,
  SimulatePrincipalPolicyCommand,
} from '@aws-sdk/client-iam';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { awsError, instantPolling, resourceChange } from '../support/aws-mock.js';
import {
  ADMIN_ROLE,
  BOUNDARY,
  ci,
  DEVELOPER_POLICY,
  FakeAws,
  person,
  runSetup,
} from '../setup/harness.js';

const NO_CHANGES =
  "The submitted information didn't contain changes. Submit different information to create a change set.";
const ADD_ROLE = resourceChange('Add', 'ExecutionRole', 'AWS::IAM::Role');
const OUTPUTS = {
  ExecutionRoleArn: 'arn:aws:iam::123456789012:role/aiproxy-global/exec',
  PipelineRoleArn: 'arn:aws:iam::123456789012:role/aiproxy-global/pipeline',
  BoundaryPolicyArn: BOUNDARY,
  DeveloperPolicyArn: DEVELOPER_POLICY,
  Version: '1',
};

let aws: FakeAws;

beforeEach(() => {
  vi.stubEnv('AWS_REGION', 'eu-west-1');
  vi.stubEnv('NO_COLOR', '1');
  aws = new FakeAws();
});
afterEach(() => {
  aws.restore();
  vi.unstubAllEnvs();
});

describe('setup: the stack states', () => {
  it('first create: says who and where, shows the IAM changes, creates, hands off', async () => {
    // Given no global stack
    aws.cfn.nextChangeSet = { changes: [ADD_ROLE] };

    // When an admin runs setup --yes
    const run = await runSetup(['--yes']);

    // Then the stack is created with named IAM capabilities, and developers are told what to do
    expect(run.exitCode).toBe(0);
    expect(run.stderr).toContain('Signed in as arn:aws:sts::123456789012:assumed-role/Admin/alice');
    expect(run.stderr).toContain('account 123456789012, region eu-west-1');
    expect(run.stderr).toContain('does not exist yet: this run creates it (template version 1)');
    expect(run.stdout).toContain('[+] AWS::IAM::Role ExecutionRole');
    expect(run.stdout).toContain('IAM statement changes');
    expect(run.stdout).toContain('Global stack aiproxy-global created (template version 1)');
    expect(run.stdout).toContain(`Developer policy: ${DEVELOPER_POLICY}`);
    expect(run.stdout).toContain(
      `aws iam attach-group-policy --group-name GROUP --policy-arn ${DEVELOPER_POLICY}`,
    );
    expect(run.stdout).toContain('aiproxy deploy --branch BRANCH --region eu-west-1');
    const input = aws.cfn.inputsOf(CreateChangeSetCommand)[0];
    expect(input).toMatchObject({
      ChangeSetType: 'CREATE',
      Capabilities: ['CAPABILITY_NAMED_IAM'],
    });
    expect(input?.TemplateBody).toContain('WorkloadBoundary:');
    // The caller's role was simulated under its real path, found with GetRole
    expect(aws.iam.commandCalls(SimulatePrincipalPolicyCommand)[0]?.args[0].input).toMatchObject({
      PolicySourceArn: ADMIN_ROLE,
      ActionNames: ['cloudformation:CreateChangeSet'],
    });
  });

  it('update: asks a person, then updates and says which version it brought', async () => {
    // Given a stack without a version marker (output or parameter)
    aws.cfn.givenStack('UPDATE_COMPLETE', { outputs: { ...OUTPUTS, Version: '' } });
    aws.cfn.nextChangeSet = {
      changes: [resourceChange('Modify', 'DeveloperPolicy', 'AWS::IAM::ManagedPolicy', 'False')],
    };
    const asked: string[] = [];

    const run = await runSetup([], person(true, asked));

    expect(run.exitCode).toBe(0);
    expect(run.stderr).toContain('it has no version marker; this run upgrades it to version 1');
    expect(asked).toEqual(['Update stack aiproxy-global with these 1 change(s)?']);
    expect(run.stdout).toContain('[~] AWS::IAM::ManagedPolicy DeveloperPolicy');
    expect(run.stdout).toContain('Global stack aiproxy-global updated');
    expect(aws.ssm.commandCalls(GetParameterCommand)).toHaveLength(1);
  });

  it('no changes: says so and exits 0', async () => {
    aws.cfn.givenStack('UPDATE_COMPLETE', { outputs: OUTPUTS });
    aws.cfn.nextChangeSet = { failure: NO_CHANGES };

    const run = await runSetup([], ci);

    expect(run.exitCode).toBe(0);
    expect(run.stderr).toContain('it is at template version 1, as this CLI; checking for changes');
    expect(run.stdout).toContain('No changes: the global stack aiproxy-global is up to date.');
    expect(run.stdout).toContain(`Developer policy: ${DEVELOPER_POLICY}`);
    expect(aws.cfn.inputsOf(ExecuteChangeSetCommand)).toHaveLength(0);
  });

  it('a stack newer than the CLI: refuses (exit 4) and says to upgrade aiproxy', async () => {
    aws.cfn.givenStack('UPDATE_COMPLETE', { outputs: { ...OUTPUTS, Version: '2' } });

    const run = await runSetup(['--yes']);

    expect(run.exitCode).toBe(4);
    expect(run.stdout).toContain('Upgrade aiproxy');
    expect(aws.cfn.inputsOf(CreateChangeSetCommand)).toHaveLength(0);
  });

  it('ROLLBACK_COMPLETE, accepted: deletes the failed stack and creates it again', async () => {
    aws.cfn.givenStack('ROLLBACK_COMPLETE', { statusReason: 'The following resource(s) failed' });
    aws.cfn.nextChangeSet = { changes: [ADD_ROLE] };
    const asked: string[] = [];

    const run = await runSetup([], person(true, asked));

    expect(run.exitCode).toBe(0);
    expect(asked[0]).toContain('is ROLLBACK_COMPLETE: its first create failed');
    expect(asked[1]).toContain('Create stack aiproxy-global');
    expect(run.stderr).toContain('Deleting aiproxy-global before creating it again');
    expect(aws.cfn.inputsOf(CreateChangeSetCommand)[0]).toMatchObject({ ChangeSetType: 'CREATE' });
    expect(run.stdout).toContain('Global stack aiproxy-global created');
  });

  it('ROLLBACK_COMPLETE, declined: leaves it alone (exit 4)', async () => {
    aws.cfn.givenStack('ROLLBACK_COMPLETE');

    const run = await runSetup([], person(false));

    expect(run.exitCode).toBe(4);
    expect(run.stdout).toContain('Left aiproxy-global as it is');
    expect(aws.cfn.inputsOf(DeleteStackCommand)).toHaveLength(0);
    expect(aws.cfn.stack?.status).toBe('ROLLBACK_COMPLETE');
  });

  it('in progress: waits for the running operation, then updates', async () => {
    // Given an update already running, which ends while we wait
    aws.cfn.givenStack('UPDATE_IN_PROGRESS', { outputs: OUTPUTS });
    aws.cfn.nextChangeSet = { changes: [ADD_ROLE] };
    const polling = {
      intervalMs: 0,
      sleep: () => {
        if (aws.cfn.stack?.status === 'UPDATE_IN_PROGRESS')
          aws.cfn.stack.status = 'UPDATE_COMPLETE';
        return Promise.resolve(true);
      },
    };

    const run = await runSetup(['--yes'], { interactive: false, polling });

    expect(run.exitCode).toBe(0);
    expect(run.stderr).toContain('Waiting for aiproxy-global to finish UPDATE_IN_PROGRESS');
    expect(run.stdout).toContain('Global stack aiproxy-global updated');
  });

  it('in progress: reads the version only once the running operation has ended', async () => {
    // Given a newer CLI's update running, which leaves the stack at version 2
    aws.cfn.givenStack('UPDATE_IN_PROGRESS', { outputs: OUTPUTS });
    const polling = {
      intervalMs: 0,
      sleep: () => {
        const stack = aws.cfn.stack;
        if (stack?.status === 'UPDATE_IN_PROGRESS') {
          stack.status = 'UPDATE_COMPLETE';
          stack.outputs = { ...OUTPUTS, Version: '2' };
        }
        return Promise.resolve(true);
      },
    };

    const run = await runSetup(['--yes'], { interactive: false, polling });

    expect(run.exitCode).toBe(4);
    expect(run.stdout).toContain('Upgrade aiproxy');
    expect(aws.cfn.inputsOf(CreateChangeSetCommand)).toHaveLength(0);
  });

  it('in progress, nobody to wait for the answer: says so without waiting', async () => {
    aws.cfn.givenStack('UPDATE_IN_PROGRESS');

    const run = await runSetup([], ci);

    expect(run.exitCode).toBe(3);
    expect(run.stderr).toContain('STACK_BUSY');
    expect(run.stderr).toContain('describe-stack-events --stack-name aiproxy-global');
  });

  it('Ctrl-C while waiting: leaves the operation running and says how to follow it', async () => {
    aws.cfn.givenStack('UPDATE_IN_PROGRESS');
    const ctrlC = new AbortController();
    ctrlC.abort();

    const run = await runSetup(['--yes'], { ...ci, signal: ctrlC.signal });

    expect(run.exitCode).toBe(4);
    expect(run.stdout).toContain('Stopped waiting: aiproxy-global is UPDATE_IN_PROGRESS');
    expect(run.stdout).toContain(
      'aws cloudformation describe-stack-events --stack-name aiproxy-global --region eu-west-1',
    );
    expect(aws.cfn.stack?.status).toBe('UPDATE_IN_PROGRESS');
  });

  it('UPDATE_ROLLBACK_FAILED: explains how to continue the rollback', async () => {
    aws.cfn.givenStack('UPDATE_ROLLBACK_FAILED', { statusReason: 'role in use' });

    const run = await runSetup(['--yes']);

    expect(run.exitCode).toBe(3);
    expect(run.stderr).toContain('STACK_UPDATE_ROLLBACK_FAILED');
    expect(run.stderr).toContain('continue-update-rollback --stack-name aiproxy-global');
    expect(aws.cfn.inputsOf(CreateChangeSetCommand)).toHaveLength(0);
  });

  it('declined first create: deletes the empty REVIEW_IN_PROGRESS stack (exit 4)', async () => {
    aws.cfn.nextChangeSet = { changes: [ADD_ROLE] };

    const run = await runSetup([], person(false));

    expect(run.exitCode).toBe(4);
    expect(run.stdout).toContain('nothing was created, and the empty aiproxy-global stack');
    expect(aws.cfn.stack?.status).toBe('DELETE_COMPLETE');
    expect(aws.cfn.inputsOf(ExecuteChangeSetCommand)).toHaveLength(0);
  });

  it('no terminal and no --yes: shows the plan, changes nothing (exit 4)', async () => {
    aws.cfn.nextChangeSet = { changes: [ADD_ROLE] };

    const run = await runSetup([], ci);

    expect(run.exitCode).toBe(4);
    expect(run.stdout).toContain('[+] AWS::IAM::Role ExecutionRole');
    expect(run.stderr).toContain('NEEDS_YES');
    expect(run.stderr).toContain('--yes');
    expect(aws.cfn.stack?.status).toBe('DELETE_COMPLETE');
  });
});

describe('setup: refusals', () => {
  it('refuses (exit 4) a change set that would replace the workload boundary', async () => {
    aws.cfn.givenStack('UPDATE_COMPLETE', { outputs: OUTPUTS });
    aws.cfn.nextChangeSet = {
      changes: [resourceChange('Modify', 'WorkloadBoundary', 'AWS::IAM::ManagedPolicy', 'True')],
    };

    const run = await runSetup(['--yes']);

    expect(run.exitCode).toBe(4);
    expect(run.stdout).toContain('Refused: The change set would replace the workload boundary');
    expect(aws.cfn.inputsOf(ExecuteChangeSetCommand)).toHaveLength(0);
    expect(aws.cfn.changeSetNames()).toEqual([]);
  });

  it('refuses (exit 4) to delete the execution role', async () => {
    aws.cfn.givenStack('UPDATE_COMPLETE', { outputs: OUTPUTS });
    aws.cfn.nextChangeSet = {
      changes: [resourceChange('Remove', 'ExecutionRole', 'AWS::IAM::Role')],
    };

    const run = await runSetup(['--yes']);

    expect(run.exitCode).toBe(4);
    expect(run.stdout).toContain('delete the CloudFormation execution role (ExecutionRole)');
  });

  it('lists squatters under /aiproxy/ and stops before any change set (exit 4)', async () => {
    // Given three roles under the delegated path: one bounded (another region's boundary too)
    aws.givenDelegatedRoles([
      { name: 'aiproxy-main-build-eu-west-1', boundaryArn: BOUNDARY },
      {
        name: 'aiproxy-main-build-us-east-1',
        boundaryArn: BOUNDARY.replace('eu-west-1', 'us-east-1'),
      },
      { name: 'handmade' },
      { name: 'other-boundary', boundaryArn: 'arn:aws:iam::123456789012:policy/Loose' },
    ]);

    const run = await runSetup(['--yes']);

    expect(run.exitCode).toBe(4);
    expect(run.stdout).toContain('2 role(s) under /aiproxy/ do not carry the workload boundary');
    expect(run.stdout).toContain('arn:aws:iam::123456789012:role/aiproxy/handmade  (no boundary)');
    expect(run.stdout).toContain(
      'other-boundary  (boundary arn:aws:iam::123456789012:policy/Loose)',
    );
    expect(run.stdout).not.toContain('aiproxy-main-build');
    expect(aws.cfn.inputsOf(CreateChangeSetCommand)).toHaveLength(0);
  });

  it('a caller that cannot create roles is stopped early, naming the permission (exit 3)', async () => {
    aws.iam.on(SimulatePrincipalPolicyCommand).callsFake((input: { ActionNames: string[] }) => ({
      EvaluationResults: [
        {
          EvalActionName: input.ActionNames[0],
          EvalDecision: input.ActionNames[0] === 'iam:CreateRole' ? 'implicitDeny' : 'allowed',
        },
      ],
    }));

    const run = await runSetup(['--yes']);

    expect(run.exitCode).toBe(3);
    expect(run.stderr).toContain('SETUP_MISSING_PERMISSIONS');
    expect(run.stderr).toContain(
      'lacks iam:CreateRole on arn:aws:iam::123456789012:role/aiproxy-global/aiproxy-global-cfn-exec-eu-west-1',
    );
    expect(aws.cfn.mock.calls()).toHaveLength(0);
  });

  it('a caller that cannot be checked is told so, and not blocked', async () => {
    aws.iam
      .on(SimulatePrincipalPolicyCommand)
      .rejects(awsError('AccessDenied', 'not authorized to perform: iam:SimulatePrincipalPolicy'));
    aws.cfn.nextChangeSet = { changes: [ADD_ROLE] };

    const run = await runSetup(['--yes']);

    expect(run.exitCode).toBe(0);
    expect(run.stderr).toContain('Could not check its permissions');
    expect(run.stderr).toContain('iam:SimulatePrincipalPolicy');
  });

  it('a role whose path cannot be read is reported unchecked, not blocked', async () => {
    aws.iam.on(GetRoleCommand, { RoleName: 'Admin' }).rejects(awsError('AccessDenied', 'nope'));
    aws.cfn.nextChangeSet = { changes: [ADD_ROLE] };

    const run = await runSetup(['--yes']);

    expect(run.exitCode).toBe(0);
    expect(run.stderr).toContain('Could not check its permissions');
  });
});

describe('setup: a failed execution', () => {
  it('shows the first failed event and the doctor’s explanation of the denial (exit 1)', async () => {
    aws.cfn.nextChangeSet = { changes: [ADD_ROLE] };
    aws.cfn.nextExecution = {
      finalStatus: 'ROLLBACK_COMPLETE',
      events: [
        {
          logicalId: 'ExecutionRole',
          status: 'CREATE_FAILED',
          reason:
            'Resource handler returned message: "User: arn:aws:sts::123456789012:assumed-role/Admin/alice is not authorized to perform: iam:CreateRole on resource: arn:aws:iam::123456789012:role/aiproxy-global/aiproxy-global-cfn-exec-eu-west-1 because no identity-based policy allows the iam:CreateRole action (Service: Iam, Status Code: 403, Request ID: 0f3c)" (RequestToken: 1b2, HandlerErrorCode: AccessDenied)',
        },
        {
          logicalId: 'PipelineRole',
          status: 'CREATE_FAILED',
          reason: 'Resource creation cancelled',
        },
      ],
    };

    const run = await runSetup(['--yes']);

    expect(run.exitCode).toBe(1);
    expect(run.stdout).toContain('The create of aiproxy-global failed: it is ROLLBACK_COMPLETE');
    expect(run.stdout).toContain('First failure: AWS::IAM::Role ExecutionRole CREATE_FAILED');
    expect(run.stdout).toContain('What the doctor makes of it');
    expect(run.stdout).toMatch(/iam:CreateRole/);
    expect(run.stdout).toContain('offers to delete and recreate');
  });

  it('a failure that is no denial exits 5 with its reason', async () => {
    aws.cfn.givenStack('UPDATE_COMPLETE', { outputs: OUTPUTS });
    aws.cfn.nextChangeSet = { changes: [ADD_ROLE] };
    aws.cfn.nextExecution = {
      finalStatus: 'UPDATE_ROLLBACK_COMPLETE',
      events: [{ logicalId: 'VersionParameter', status: 'UPDATE_FAILED', reason: 'Rate exceeded' }],
    };

    const run = await runSetup(['--yes']);

    expect(run.exitCode).toBe(5);
    expect(run.stdout).toContain('Rate exceeded');
    expect(run.stdout).not.toContain('What the doctor makes of it');
  });
});

describe('setup: hand-off', () => {
  it('--json returns the stack outputs as one object', async () => {
    aws.cfn.givenStack('UPDATE_COMPLETE', { outputs: OUTPUTS });
    aws.cfn.nextChangeSet = { failure: NO_CHANGES };

    const run = await runSetup(['--json']);

    expect(run.exitCode).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({
      result: 'no-changes',
      stackName: 'aiproxy-global',
      caller: { account: '123456789012', region: 'eu-west-1' },
      version: { kind: 'same', stackVersion: 1 },
      outputs: OUTPUTS,
      nextCommand: 'aiproxy deploy --branch BRANCH --region eu-west-1',
    });
    expect(run.stderr).not.toContain('Signed in');
  });

  it('--json after a first create fills outputs the stack did not report from the fixed names', async () => {
    aws.cfn.nextChangeSet = { changes: [ADD_ROLE] };

    const run = await runSetup(['--json', '--yes']);

    expect(run.exitCode).toBe(0);
    const json = JSON.parse(run.stdout) as { result: string; outputs: Record<string, string> };
    expect(json.result).toBe('deployed');
    expect(json.outputs).toEqual({
      ExecutionRoleArn:
        'arn:aws:iam::123456789012:role/aiproxy-global/aiproxy-global-cfn-exec-eu-west-1',
      PipelineRoleArn:
        'arn:aws:iam::123456789012:role/aiproxy-global/aiproxy-global-pipeline-eu-west-1',
      BoundaryPolicyArn: BOUNDARY,
      DeveloperPolicyArn: DEVELOPER_POLICY,
      Version: '1',
    });
  });

  it('--attach-to-group attaches the developer policy after the stack is up', async () => {
    aws.cfn.nextChangeSet = { changes: [ADD_ROLE] };
    aws.iam.on(AttachGroupPolicyCommand).resolves({});
    const asked: string[] = [];

    const run = await runSetup(['--attach-to-group', 'developers'], person(true, asked));

    expect(run.exitCode).toBe(0);
    expect(asked[1]).toBe(`Attach ${DEVELOPER_POLICY} to the IAM group developers?`);
    expect(aws.iam.commandCalls(AttachGroupPolicyCommand)[0]?.args[0].input).toEqual({
      GroupName: 'developers',
      PolicyArn: DEVELOPER_POLICY,
    });
    expect(run.stdout).toContain('Attached to the group developers.');
  });

  it('--create-connection prints the console link where the handshake is completed', async () => {
    aws.cfn.nextChangeSet = { changes: [ADD_ROLE] };

    const run = await runSetup(['--yes', '--create-connection', 'github']);

    expect(run.exitCode).toBe(0);
    expect(aws.cfn.inputsOf(CreateChangeSetCommand)[0]?.TemplateBody).toContain(
      'ProviderType: GitHub',
    );
    expect(run.stdout).toContain('stays PENDING until an admin completes the handshake');
    expect(run.stdout).toContain(
      'https://console.aws.amazon.com/codesuite/settings/connections?region=eu-west-1',
    );
  });
});

describe('setup: the connection on a rerun', () => {
  const CONNECTION =
    'arn:aws:codeconnections:eu-west-1:123456789012:connection/0b5c3f8e-3f1e-4c1e-9a55-1c2d3e4f5a6b';

  it('keeps the connection the stack created when no connection flag is given', async () => {
    aws.cfn.givenStack('UPDATE_COMPLETE', {
      outputs: { ...OUTPUTS, ConnectionArn: CONNECTION },
      template:
        'Resources:\n  SourceConnection:\n    Type: AWS::CodeStarConnections::Connection\n    Properties:\n      ProviderType: GitLab\n',
    });
    aws.cfn.nextChangeSet = { failure: NO_CHANGES };

    const run = await runSetup([], ci);

    expect(run.exitCode).toBe(0);
    expect(run.stderr).toContain('Keeping its source connection');
    expect(aws.cfn.inputsOf(CreateChangeSetCommand)[0]?.TemplateBody).toContain(
      'ProviderType: GitLab',
    );
    expect(run.stdout).toContain('/connections/0b5c3f8e-3f1e-4c1e-9a55-1c2d3e4f5a6b');
  });

  it('keeps a connection it was given', async () => {
    aws.cfn.givenStack('UPDATE_COMPLETE', {
      outputs: { ...OUTPUTS, ConnectionArn: CONNECTION },
      template: 'Resources: {}\n',
    });
    aws.cfn.nextChangeSet = { failure: NO_CHANGES };

    const run = await runSetup([], ci);

    expect(run.exitCode).toBe(0);
    const body = aws.cfn.inputsOf(CreateChangeSetCommand)[0]?.TemplateBody ?? '';
    expect(body).toContain(CONNECTION);
    expect(body).not.toContain('ProviderType');
  });
});

describe('setup --delete', () => {
  it('refuses while pipeline or application stacks remain (exit 4)', async () => {
    aws.cfn.givenStack('CREATE_COMPLETE', { outputs: OUTPUTS });
    aws.cfn.mock.on(ListStacksCommand).resolves({
      StackSummaries: [
        {
          StackName: 'aiproxy-main-cicd',
          StackStatus: 'CREATE_COMPLETE',
          CreationTime: new Date(),
        },
        { StackName: 'aiproxy-main-app', StackStatus: 'UPDATE_COMPLETE', CreationTime: new Date() },
        { StackName: 'other-main-app', StackStatus: 'UPDATE_COMPLETE', CreationTime: new Date() },
        { StackName: 'aiproxy-global', StackStatus: 'CREATE_COMPLETE', CreationTime: new Date() },
      ],
    });

    const run = await runSetup(['--delete', '--yes']);

    expect(run.exitCode).toBe(4);
    expect(run.stdout).toContain('2 pipeline or application stack(s) still use it');
    expect(run.stdout).toContain('aiproxy-main-app');
    expect(run.stdout).not.toContain('other-main-app');
    expect(aws.cfn.inputsOf(DeleteStackCommand)).toHaveLength(0);
  });

  it('deletes the global stack when no branch stack is left, and names the kept boundary', async () => {
    aws.cfn.givenStack('CREATE_COMPLETE', { outputs: OUTPUTS });
    const asked: string[] = [];

    const run = await runSetup(['--delete'], person(true, asked));

    expect(run.exitCode).toBe(0);
    expect(asked[0]).toContain('Delete stack aiproxy-global');
    expect(run.stdout).toContain('Deleted aiproxy-global.');
    expect(run.stdout).toContain(`aws iam delete-policy --policy-arn ${BOUNDARY}`);
    expect(aws.cfn.stack?.status).toBe('DELETE_COMPLETE');
  });

  it('declined: keeps the stack (exit 4)', async () => {
    aws.cfn.givenStack('CREATE_COMPLETE');

    const run = await runSetup(['--delete'], person(false));

    expect(run.exitCode).toBe(4);
    expect(aws.cfn.stack?.status).toBe('CREATE_COMPLETE');
  });
});

describe('setup --dry-run', () => {
  it('prints the template without a single AWS call', async () => {
    vi.stubEnv('AWS_REGION', '');
    const run = await runSetup(['--dry-run'], { polling: instantPolling });

    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain('WorkloadBoundary:');
    expect(run.stdout).toContain('${AWS::AccountId}');
    expect(aws.callCount()).toBe(0);
  });
});
