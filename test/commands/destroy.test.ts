import { DeleteObjectsCommand, ListObjectVersionsCommand } from '@aws-sdk/client-s3';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import Destroy from '../../src/commands/destroy.js';
import { awsError } from '../support/aws-mock.js';
import { branchNames } from '../../src/lib/names.js';
import {
  ACCOUNT,
  BRANCH,
  ci,
  DeployAws,
  EXECUTION_ROLE,
  GLOBAL_OUTPUTS,
  NAMES,
  person,
  pipelineTemplate,
  projectDir,
  REGION,
  runCommand,
} from '../deploy/harness.js';
import { StackShelf } from '../deploy/stack-shelf.js';

const BUCKET = NAMES.artifactBucketName;

let aws: DeployAws;
let shelf: StackShelf;
let dir: string;

beforeEach(() => {
  vi.stubEnv('AWS_REGION', REGION);
  vi.stubEnv('AWS_PROFILE', undefined);
  vi.stubEnv('NO_COLOR', '1');
  aws = new DeployAws();
  shelf = new StackShelf(aws.cfn.mock);
  shelf.put('aiproxy-global', 'UPDATE_COMPLETE', GLOBAL_OUTPUTS);
  shelf.put(
    NAMES.pipelineStackName,
    'UPDATE_COMPLETE',
    { ArtifactBucketName: BUCKET },
    { template: pipelineTemplate(BRANCH) },
  );
  shelf.put(NAMES.appStackName, 'CREATE_COMPLETE');
  dir = projectDir();
  // The bucket holds two artifacts, one of them in two versions.
  aws.s3.on(ListObjectVersionsCommand).resolves({
    Versions: [
      { Key: 'SourceOutput/a.zip', VersionId: 'v1' },
      { Key: 'SourceOutput/a.zip', VersionId: 'v2' },
      { Key: 'BuildOutput/b.zip', VersionId: 'null' },
    ],
    IsTruncated: false,
  });
  aws.s3.on(DeleteObjectsCommand).resolves({});
});
afterEach(() => {
  aws.restore();
  vi.unstubAllEnvs();
});

/** The ESC and BEL bytes in `text`: what it takes to retitle a terminal window, or worse. */
const terminalBytesIn = (text: string): string[] =>
  ['\u001b', '\u0007'].filter((byte) => text.includes(byte));

const destroy = (argv: string[], seams = ci(dir)) =>
  runCommand(Destroy, ['--branch', 'feature/login', ...argv], seams);

describe('destroy', () => {
  it('empties the artifact bucket, then deletes the pipeline stack as the execution role', async () => {
    // When a developer destroys the branch without --with-app
    const run = await destroy(['--yes']);

    // Then the bucket is emptied of every version first, and only the pipeline stack goes
    expect(run.exitCode).toBe(0);
    const [emptied] = aws.s3.commandCalls(DeleteObjectsCommand);
    expect(emptied?.args[0].input).toEqual({
      Bucket: BUCKET,
      Delete: {
        Objects: [
          { Key: 'SourceOutput/a.zip', VersionId: 'v1' },
          { Key: 'SourceOutput/a.zip', VersionId: 'v2' },
          { Key: 'BuildOutput/b.zip', VersionId: 'null' },
        ],
        Quiet: true,
      },
    });
    expect(shelf.deleteOrder).toEqual([NAMES.pipelineStackName]);
    expect(shelf.deleteRoles).toEqual([EXECUTION_ROLE]);
    expect(shelf.status(NAMES.appStackName)).toBe('CREATE_COMPLETE');
    // And it says what stays and how to delete it too
    expect(run.stdout).toContain(`${NAMES.appStackName} (CREATE_COMPLETE) stays: pass --with-app`);
    expect(run.stderr).toContain(`Emptied ${BUCKET}: 3 object(s) deleted.`);
    expect(run.stdout).toContain(`deleted ${NAMES.pipelineStackName}`);
  });

  it('--with-app deletes the application stack first, then the pipeline stack', async () => {
    const asked: string[] = [];

    const run = await destroy(['--with-app'], person(dir, true, asked));

    expect(run.exitCode).toBe(0);
    expect(asked).toEqual([
      `Delete ${NAMES.appStackName} and ${NAMES.pipelineStackName} and everything in them?`,
    ]);
    expect(shelf.deleteOrder).toEqual([NAMES.appStackName, NAMES.pipelineStackName]);
    expect(shelf.deleteRoles).toEqual([EXECUTION_ROLE, EXECUTION_ROLE]);
    expect(run.stdout).toContain('✓ Nothing is left of the branch’s stacks.');
  });

  it('--json returns what was deleted', async () => {
    const run = await destroy(['--yes', '--with-app', '--json']);

    expect(run.exitCode).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({
      branch: 'feature/login',
      result: 'destroyed',
      deleted: [NAMES.appStackName, NAMES.pipelineStackName],
      artifactBucket: BUCKET,
    });
  });

  it('empties again and retries once when a late artifact blocks the bucket’s delete', async () => {
    shelf.failNextDelete(
      NAMES.pipelineStackName,
      'ArtifactBucket',
      'AWS::S3::Bucket',
      'The bucket you tried to delete is not empty',
    );

    const run = await destroy(['--yes']);

    expect(run.exitCode).toBe(0);
    expect(aws.s3.commandCalls(DeleteObjectsCommand)).toHaveLength(2);
    expect(shelf.deleteOrder).toEqual([NAMES.pipelineStackName, NAMES.pipelineStackName]);
    expect(shelf.status(NAMES.pipelineStackName)).toBe('DELETE_COMPLETE');
  });

  it('when the bucket cannot be emptied, explains and deletes nothing (exit 3)', async () => {
    aws.s3
      .on(ListObjectVersionsCommand)
      .rejects(awsError('AccessDenied', 'Access Denied', { status: 403 }));

    const run = await destroy(['--yes']);

    expect(run.exitCode).toBe(3);
    expect(run.stdout).toContain(`✗ Could not empty ${BUCKET}: s3:ListBucketVersions was refused.`);
    expect(run.stdout).toContain(`aws s3 rm s3://${BUCKET} --recursive`);
    expect(shelf.deleteOrder).toEqual([]);
  });

  it('declined: nothing is deleted (exit 4)', async () => {
    const run = await destroy([], person(dir, false));

    expect(run.exitCode).toBe(4);
    expect(run.error?.code).toBe('DECLINED');
    expect(shelf.deleteOrder).toEqual([]);
    expect(aws.s3.commandCalls(DeleteObjectsCommand)).toHaveLength(0);
  });

  it('without a terminal and without --yes: refuses (exit 4)', async () => {
    const run = await destroy([]);

    expect(run.exitCode).toBe(4);
    expect(run.error?.code).toBe('NEEDS_YES');
    expect(shelf.deleteOrder).toEqual([]);
  });

  // A slug-shaped name is looked up as an AWS name too, and finds nothing here either.
  it.each(['never-deployed', 'some-branch-7252ebf0'])(
    'a branch with no stacks (%s): nothing to do (exit 0)',
    async (branch) => {
      const run = await runCommand(Destroy, ['--branch', branch, '--yes'], ci(dir));

      expect(run.exitCode).toBe(0);
      expect(run.stdout).toContain(`Nothing to delete for branch ${branch}.`);
      expect(shelf.deleteOrder).toEqual([]);
    },
  );

  it('the AWS name `list` may show finds the branch’s stacks, and deletes them after asking', async () => {
    // Given a developer who copied the slug of feature/login rather than the branch
    const asked: string[] = [];

    // When they destroy by that name
    const run = await runCommand(
      Destroy,
      ['--branch', NAMES.slug, '--with-app'],
      person(dir, true, asked),
    );

    // Then it says which branch the name belongs to, asks as usual, and deletes both stacks the
    // way it deletes a branch's: bucket emptied, app stack first, as the execution role
    expect(run.exitCode).toBe(0);
    expect(run.stderr).toContain(
      `Branch ${BRANCH} (named ${NAMES.slug} in AWS), found by the AWS name given.`,
    );
    expect(asked).toEqual([
      `Delete ${NAMES.appStackName} and ${NAMES.pipelineStackName} and everything in them?`,
    ]);
    expect(aws.s3.commandCalls(DeleteObjectsCommand)[0]?.args[0].input.Bucket).toBe(BUCKET);
    expect(shelf.deleteOrder).toEqual([NAMES.appStackName, NAMES.pipelineStackName]);
    expect(shelf.deleteRoles).toEqual([EXECUTION_ROLE, EXECUTION_ROLE]);
  });

  it('by AWS name, --json says so and names the recorded branch; without --yes, nothing goes', async () => {
    const run = await runCommand(Destroy, ['--branch', NAMES.slug, '--json'], ci(dir));

    expect(run.exitCode).toBe(4);
    expect(JSON.parse(run.stdout)).toMatchObject({
      branch: NAMES.slug,
      slug: NAMES.slug,
      matchedBy: 'aws-name',
      stackBranch: BRANCH,
      targets: [{ role: 'pipeline', stackName: NAMES.pipelineStackName }],
      result: 'refused',
    });
    expect(shelf.deleteOrder).toEqual([]);
  });

  it('by AWS name, an app stack left without its pipeline stack goes with --with-app', async () => {
    // Given only the app stack of a branch whose pipeline stack was destroyed without --with-app
    const gone = branchNames('feature/Old_Work', {
      env: { partition: 'aws', accountId: ACCOUNT, region: REGION },
    });
    shelf.put(gone.appStackName, 'UPDATE_COMPLETE');

    // When the admin's suggested command names it by its slug, first without --with-app
    const kept = await runCommand(Destroy, ['--branch', gone.slug, '--yes'], ci(dir));
    const run = await runCommand(Destroy, ['--branch', gone.slug, '--with-app', '--yes'], ci(dir));

    // Then the first says the app stack stays and why; the second deletes it
    expect(kept.exitCode).toBe(0);
    expect(kept.stdout).toContain(`Nothing to delete for branch ${gone.slug}.`);
    expect(kept.stdout).toContain(`${gone.appStackName} (UPDATE_COMPLETE) stays: pass --with-app`);
    expect(run.exitCode).toBe(0);
    expect(run.stderr).toContain(
      `${gone.slug} is the AWS name of stacks that record no branch: working on those.`,
    );
    expect(shelf.deleteOrder).toEqual([gone.appStackName]);
    expect(shelf.status(NAMES.pipelineStackName)).toBe('UPDATE_COMPLETE');
  });

  it.each(['..', '-leading', 'a b', '@', 'feat/..', 'x.lock', 'a//b', 'a@{b', 'a:b'])(
    '--branch %j, a name git would refuse: exit 2 before any AWS call',
    async (branch) => {
      const run = await runCommand(Destroy, ['--branch', branch, '--yes'], ci(dir));

      expect(run.exitCode).toBe(2);
      expect(run.error?.code).toBe('INVALID_BRANCH');
      expect(run.stderr).toContain('git check-ref-format --branch NAME');
      expect(aws.callCount()).toBe(0);
    },
  );

  it.each([[[]], [['--json']]])(
    'a name holding terminal escapes is refused without ESC or BEL on either stream (%j)',
    async (extra) => {
      const branch = 'x\u001b]0;pwned\u0007';

      const run = await runCommand(Destroy, ['--branch', branch, '--yes', ...extra], ci(dir));

      expect(run.exitCode).toBe(2);
      expect(run.error?.code).toBe('INVALID_BRANCH');
      expect(run.error?.message).toContain('"x\\u001b]0;pwned\\u0007"');
      expect(terminalBytesIn(run.stdout + run.stderr)).toEqual([]);
      expect(aws.callCount()).toBe(0);
    },
  );

  it('a failed delete whose event holds terminal escapes is shown without them', async () => {
    // Given a stack event whose reason carries an escape sequence and a bell
    shelf.failNextDelete(
      NAMES.pipelineStackName,
      'Pipeline',
      'AWS::CodePipeline::Pipeline',
      'Internal failure \u001b]0;pwned\u0007\u001b[2J',
    );

    // When the delete fails
    const run = await destroy(['--yes']);

    // Then the failure is reported, its text kept, its escapes gone
    expect(run.exitCode).not.toBe(0);
    expect(run.stdout).toContain('Internal failure');
    expect(terminalBytesIn(run.stdout + run.stderr)).toEqual([]);
  });

  it('needs the global stack for the execution role (exit 3)', async () => {
    const empty = new StackShelf(aws.cfn.mock);
    empty.put(NAMES.pipelineStackName, 'UPDATE_COMPLETE');

    const run = await destroy(['--yes']);

    expect(run.exitCode).toBe(3);
    expect(run.error?.code).toBe('GLOBAL_STACK_MISSING');
  });
});
