/**
 * `doctor --build-id` end to end against moto: a real role made by a real CloudFormation stack,
 * a real CodeBuild project and build, and the seed log's lines in the build's CloudWatch Logs
 * stream. What moto lacks is filled by a proxy in front of it (see `moto-gaps.ts`): the failed
 * build's status and log location, DescribeStackResources by physical id, and the policy
 * simulator. Everything else (STS, IAM, CloudFormation, CodeBuild, CloudWatch Logs paging with
 * its repeated end token) is moto's.
 */
import { execFile } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { CreateStackCommand } from '@aws-sdk/client-cloudformation';
import {
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  PutLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { CreateProjectCommand, StartBuildCommand } from '@aws-sdk/client-codebuild';
import { GetRolePolicyCommand } from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createAwsContext } from '../../../src/lib/aws/clients.js';
import { executeApply, planApply } from '../../../src/lib/doctor/live/apply.js';
import { diagnoseLive, liveDoctorJson } from '../../../src/lib/doctor/live/diagnose.js';
import { MOTO_ACCOUNT, MOTO_REGION, useMoto } from '../../support/moto.js';
import { startMotoGaps, type MotoGaps } from './moto-gaps.js';
import { BUILD_ROLE, PIPELINE_STACK, expectValidJson, seedLines } from './support.js';

const moto = useMoto();
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const PROJECT = 'aiproxy-iam-refactor-build';
const LOG_GROUP = `/aws/codebuild/${PROJECT}`;

let gaps: MotoGaps;
let buildId: string;

/** The pipeline stack's CodeBuild role, as an older template named it: the seed log's role. */
const STACK_TEMPLATE = JSON.stringify({
  Resources: {
    CodeBuildServiceRole: {
      Type: 'AWS::IAM::Role',
      Properties: {
        RoleName: BUILD_ROLE,
        AssumeRolePolicyDocument: {
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { Service: 'codebuild.amazonaws.com' },
              Action: 'sts:AssumeRole',
            },
          ],
        },
        Policies: [
          {
            PolicyName: 'build',
            PolicyDocument: {
              Version: '2012-10-17',
              Statement: [
                {
                  Effect: 'Allow',
                  Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
                  Resource: '*',
                },
              ],
            },
          },
        ],
        Tags: [{ Key: 'aiproxy:branch', Value: 'iam-refactor' }],
      },
    },
  },
});

beforeAll(async () => {
  gaps = await startMotoGaps(moto().endpoint);
  // Every client of this file talks to moto through the proxy (useMoto restores the variable).
  process.env.AWS_ENDPOINT_URL = gaps.endpoint;
  const ctx = createAwsContext({ region: MOTO_REGION });
  await ctx.cloudformation.send(
    new CreateStackCommand({ StackName: PIPELINE_STACK, TemplateBody: STACK_TEMPLATE }),
  );
  await ctx.codebuild.send(
    new CreateProjectCommand({
      name: PROJECT,
      source: { type: 'S3', location: 'aiproxy-src/source.zip' },
      artifacts: { type: 'NO_ARTIFACTS' },
      environment: {
        type: 'LINUX_CONTAINER',
        image: 'aws/codebuild/standard:7.0',
        computeType: 'BUILD_GENERAL1_SMALL',
      },
      serviceRole: `arn:aws:iam::${MOTO_ACCOUNT}:role/${BUILD_ROLE}`,
      logsConfig: { cloudWatchLogs: { status: 'ENABLED' } },
    }),
  );
  const started = await ctx.codebuild.send(new StartBuildCommand({ projectName: PROJECT }));
  buildId = started.build?.id ?? '';
  const stream = buildId.slice(buildId.indexOf(':') + 1);

  // The seed log's lines, as the CodeBuild agent would have written them.
  await ctx.logs.send(new CreateLogGroupCommand({ logGroupName: LOG_GROUP }));
  await ctx.logs.send(
    new CreateLogStreamCommand({ logGroupName: LOG_GROUP, logStreamName: stream }),
  );
  const start = Date.now() - 60_000;
  await ctx.logs.send(
    new PutLogEventsCommand({
      logGroupName: LOG_GROUP,
      logStreamName: stream,
      logEvents: seedLines().map((message, i) => ({ timestamp: start + i, message })),
    }),
  );

  gaps.failBuilds({
    logGroup: LOG_GROUP,
    logStream: stream,
    phase: 'PRE_BUILD',
    context:
      'Error while executing command: aws ecr get-login-password --region ${AWS_REGION} | docker login --username AWS --password-stdin ${ECR_REGISTRY}. Reason: exit status 1',
  });
});

afterAll(async () => {
  await gaps.close();
});

describe('doctor --build-id against moto', () => {
  it('finds the denial, places the role by its stack, reads its policies, with 4 requests before', async () => {
    const diagnosis = await diagnoseLive(createAwsContext({ region: MOTO_REGION }), {
      kind: 'build',
      buildId,
    });

    expect(diagnosis.report.denials).toHaveLength(1);
    expect(diagnosis.report.denials[0]).toMatchObject({
      action: 'ecr:GetAuthorizationToken',
      roleName: BUILD_ROLE,
      source: { file: `codebuild:${buildId}`, line: 25 },
    });
    expect(diagnosis.failedActions[0]?.build).toMatchObject({
      failedPhase: 'PRE_BUILD',
      serviceRole: `arn:aws:iam::${MOTO_ACCOUNT}:role/${BUILD_ROLE}`,
      log: { kind: 'cloudwatch', lines: 30, pages: 2 },
    });
    expect(diagnosis.placement[0]).toMatchObject({
      kind: 'pipeline-template',
      evidence: 'stack-resource',
      stackName: PIPELINE_STACK,
      logicalId: 'CodeBuildServiceRole',
      buildRole: true,
      branch: 'iam-refactor',
      policies: { read: true, inline: ['build'] },
    });
    expect(diagnosis.placement[0]?.policies?.findings[0]).toMatchObject({ verdict: 'not-allowed' });
    expect(diagnosis.verification[0]?.status).toBe('allowed');
    // STS, BatchGetBuilds and two GetLogEvents pages (the second empty, same token back)
    expect(diagnosis.requests.beforeRoles).toBe(4);
    expectValidJson(liveDoctorJson(diagnosis));
  });

  it.skipIf(!existsSync(`${ROOT}dist/commands/doctor.js`))(
    'runs through the built CLI: exit 1, the request count, and valid JSON',
    async () => {
      const env = { ...process.env, AWS_ENDPOINT_URL: gaps.endpoint, NO_COLOR: '1' };
      // Asynchronously: the gap proxy answers from this very process, so a synchronous spawn
      // would leave the child waiting on a server that can no longer run.
      const cli = (args: string[]) =>
        new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
          const argv = ['bin/run.js', 'doctor', '--build-id', buildId, ...args];
          execFile(
            process.execPath,
            argv,
            { cwd: ROOT, env, encoding: 'utf8', timeout: 60_000 },
            (error, stdout, stderr) => {
              const status =
                error === null ? 0 : typeof error.code === 'number' ? error.code : null;
              resolve({ status, stdout, stderr });
            },
          );
        });

      const text = await cli(['--verbose']);
      const json = await cli(['--json']);

      expect(text.status).toBe(1);
      expect(text.stdout).toContain(`Build ${buildId} (FAILED)`);
      expect(text.stdout).toContain('is a role of this project’s pipeline stack');
      expect(text.stderr).toContain('AWS requests: 4 to find the failure and read it');
      expect(json.status).toBe(1);
      expectValidJson(JSON.parse(json.stdout));
      // AIPROXY_RECORD=path keeps the session for the README.
      const record = process.env.AIPROXY_RECORD;
      if (record) writeFileSync(record, `${text.stdout}\n--- stderr ---\n${text.stderr}`);
    },
  );
  it('--apply --direct puts exactly the shown document on the role', async () => {
    const ctx = createAwsContext({ region: MOTO_REGION });
    const diagnosis = await diagnoseLive(ctx, { kind: 'build', buildId });

    const [plan] = await planApply(diagnosis, { direct: true, cwd: ROOT });
    if (plan?.mode !== 'direct') throw new Error('expected a direct plan');
    await executeApply(ctx, plan);

    const stored = await ctx.iam.send(
      new GetRolePolicyCommand({ RoleName: BUILD_ROLE, PolicyName: plan.policyName }),
    );
    expect(decodeURIComponent(stored.PolicyDocument ?? '')).toBe(plan.document);
  });
});
