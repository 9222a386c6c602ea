/**
 * The developer's whole path against moto: `setup --yes` (the admin's global stack), then
 * `deploy --branch feature/Login_Fix-2 --yes`, `list` and `destroy` (by the branch's AWS name),
 * with the real SDK clients the client factory builds, pointed at moto by AWS_ENDPOINT_URL.
 *
 * What moto 5.2 does with the pipeline template, checked by hand and asserted below:
 * - it creates the bucket, the ECR repository, the log group and the build role (under
 *   `/aiproxy/`, with the boundary), and skips the types it has no CloudFormation model for:
 *   `AWS::S3::BucketPolicy`, `AWS::CodeBuild::Project` and `AWS::CodePipeline::Pipeline` are
 *   listed as CREATE_COMPLETE resources with no physical id, and nothing is made;
 * - it ignores `RoleARN` and `ResourceTypes` (it runs everything as the caller), so the test
 *   checks that the CLI sent them rather than that moto enforced them;
 * - it resolves no `Fn::ImportValue` in a stack made by a change set, and records no outputs
 *   (so no exports) for such stacks: `moto-imports.ts` resolves the template's imports to the
 *   global stack's values on the way in; deploy itself falls back to the global names;
 * - it does not implement ListPipelineExecutions (HTTP 500), so `list` shows the branch with
 *   that error as its note; AWS_MAX_ATTEMPTS=2 keeps the SDK from retrying it for 17 seconds.
 */
import {
  DescribeStackResourcesCommand,
  CloudFormationClient,
} from '@aws-sdk/client-cloudformation';
import { CloudWatchLogsClient, DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { GetRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { HeadBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import Deploy from '../../src/commands/deploy.js';
import Destroy from '../../src/commands/destroy.js';
import List from '../../src/commands/list.js';
import { branchNames, globalArns, globalNames } from '../../src/lib/names.js';
import { ci as setupCi, runSetup } from '../setup/harness.js';
import { MOTO_ACCOUNT, MOTO_REGION, useMoto } from '../support/moto.js';
import { ci, projectDir, runCommand } from './harness.js';
import { startMotoImports, type MotoImports } from './moto-imports.js';

const moto = useMoto();
const BRANCH = 'feature/Login_Fix-2';
const ENV = { partition: 'aws', accountId: MOTO_ACCOUNT, region: MOTO_REGION };
const NAMES = branchNames(BRANCH, { env: ENV });
const GLOBAL = globalArns('aiproxy', ENV);
const CONNECTION = `arn:aws:codeconnections:${MOTO_REGION}:${MOTO_ACCOUNT}:connection/8a1c7e39-1f9f-4e8e-9c5f-2b1d0f3a4c55`;

let proxy: MotoImports;
let dir: string;
let saved: Record<string, string | undefined>;

beforeAll(async () => {
  const exports = globalNames('aiproxy').exports;
  proxy = await startMotoImports(moto().endpoint, {
    [exports.boundaryPolicyArn]: GLOBAL.boundaryPolicy,
    [exports.executionRoleArn]: GLOBAL.executionRole,
    [exports.pipelineRoleArn]: GLOBAL.pipelineRole,
    [exports.connectionArn]: CONNECTION,
  });
  // useMoto restores the variable after the file; every client here goes through the proxy.
  process.env.AWS_ENDPOINT_URL = proxy.endpoint;
  saved = { NO_COLOR: process.env.NO_COLOR, AWS_MAX_ATTEMPTS: process.env.AWS_MAX_ATTEMPTS };
  process.env.NO_COLOR = '1';
  process.env.AWS_MAX_ATTEMPTS = '2';
  dir = projectDir();
});
afterAll(async () => {
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  await proxy.close();
});

describe('setup, deploy, list and destroy against moto', () => {
  it('setup --yes creates the global stack', async () => {
    const run = await runSetup(['--yes', '--connection-arn', CONNECTION], setupCi);

    expect(run.exitCode).toBe(0);
  });

  it('deploy --branch feature/Login_Fix-2 --yes creates the pipeline stack as the execution role', async () => {
    const run = await runCommand(Deploy, ['--branch', BRANCH, '--yes'], ci(dir));

    expect(run.stderr).not.toContain('Error');
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain(`✓ Created ${NAMES.pipelineStackName}.`);

    // Every stack operation named the execution role; the change set declared its types.
    const [create] = proxy.stackCalls.filter((c) => c.stackName === NAMES.pipelineStackName);
    expect(create).toMatchObject({ action: 'CreateChangeSet', roleArn: GLOBAL.executionRole });
    expect(create?.resourceTypes).toEqual([
      'AWS::CodeBuild::Project',
      'AWS::CodePipeline::Pipeline',
      'AWS::ECR::Repository',
      'AWS::IAM::Role',
      'AWS::Logs::LogGroup',
      'AWS::S3::Bucket',
      'AWS::S3::BucketPolicy',
    ]);

    // What moto made, and what it skipped.
    const resources = await new CloudFormationClient({}).send(
      new DescribeStackResourcesCommand({ StackName: NAMES.pipelineStackName }),
    );
    const made: Record<string, string | undefined> = {};
    for (const r of resources.StackResources ?? []) {
      // The skipped types come back without a logical or physical id.
      if (r.LogicalResourceId !== undefined && r.LogicalResourceId !== 'None') {
        made[r.LogicalResourceId] = r.PhysicalResourceId;
      }
    }
    expect(made).toEqual({
      ArtifactBucket: NAMES.artifactBucketName,
      Repository: NAMES.repositoryName,
      BuildLogGroup: NAMES.buildLogGroupName,
      BuildRole: NAMES.buildRoleName,
    });
    const role = await new IAMClient({}).send(
      new GetRoleCommand({ RoleName: NAMES.buildRoleName }),
    );
    expect(role.Role?.Path).toBe('/aiproxy/');
    expect(role.Role?.PermissionsBoundary?.PermissionsBoundaryArn).toBe(GLOBAL.boundaryPolicy);
  });

  it('a second deploy finds no changes', async () => {
    const run = await runCommand(Deploy, ['--branch', BRANCH, '--yes'], ci(dir));

    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain(`✓ No changes: ${NAMES.pipelineStackName} is already up to date.`);
  });

  it('list shows the branch, read back from the stack’s template (moto cannot list pipeline runs)', async () => {
    const run = await runCommand(List, ['--json'], ci(dir));
    const table = await runCommand(List, [], ci(dir));

    expect(run.exitCode).toBe(0);
    const json = JSON.parse(run.stdout) as { pipelines: Record<string, unknown>[] };
    expect(json.pipelines).toHaveLength(1);
    expect(table.stdout).toMatch(/^feature\/Login_Fix-2 +CREATE_COMPLETE/m);
    expect(json.pipelines[0]).toMatchObject({
      branch: BRANCH,
      slug: NAMES.slug,
      stackName: NAMES.pipelineStackName,
      stackStatus: 'CREATE_COMPLETE',
      pipelineName: NAMES.pipelineName,
      lastExecution: null,
      note: expect.stringContaining('codepipeline:ListPipelineExecutions failed') as unknown,
    });
  });

  it('destroy by the AWS name empties the artifact bucket and deletes the stack, leaving nothing behind', async () => {
    const s3 = new S3Client({ forcePathStyle: true });
    await s3.send(
      new PutObjectCommand({
        Bucket: NAMES.artifactBucketName,
        Key: 'SourceOutput/x.zip',
        Body: 'x',
      }),
    );

    // The slug, as a developer may copy it from a stack name: it finds the branch's stacks.
    const run = await runCommand(Destroy, ['--branch', NAMES.slug, '--yes'], ci(dir));

    expect(run.exitCode).toBe(0);
    expect(run.stderr).toContain(`Branch ${BRANCH} (named ${NAMES.slug} in AWS)`);
    expect(run.stderr).toContain(`Emptied ${NAMES.artifactBucketName}: 1 object(s) deleted.`);
    const deletes = proxy.stackCalls.filter((c) => c.action === 'DeleteStack');
    expect(deletes.map((d) => d.roleArn)).toEqual([GLOBAL.executionRole]);
    await expect(
      s3.send(new HeadBucketCommand({ Bucket: NAMES.artifactBucketName })),
    ).rejects.toMatchObject({ name: 'NotFound' });
    await expect(
      new IAMClient({}).send(new GetRoleCommand({ RoleName: NAMES.buildRoleName })),
    ).rejects.toMatchObject({ name: 'NoSuchEntityException' });
    const groups = await new CloudWatchLogsClient({}).send(
      new DescribeLogGroupsCommand({ logGroupNamePrefix: NAMES.buildLogGroupName }),
    );
    expect(groups.logGroups).toEqual([]);

    const listed = await runCommand(List, ['--json'], ci(dir));
    expect((JSON.parse(listed.stdout) as { pipelines: unknown[] }).pipelines).toEqual([]);
  });
});
