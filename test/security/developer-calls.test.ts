/**
 * Every call of the committed table, replayed against the developer policy the global stack
 * deploys: a command must never fail on a permission the table promised.
 */
import { describe, expect, it } from 'vitest';

import {
  DEVELOPER_CALLS,
  TOLERATED_DENIALS,
  type DeveloperCall,
  type DeveloperResource,
} from '../../src/lib/templates/developer-calls.js';
import { decide, GLOBAL, OURS, PREFIX, PRINCIPALS, stackArn, THEIRS } from './simulate.js';

const APP_ROLE = GLOBAL.roles.replace(`${PREFIX}-global/*`, `${PREFIX}/${PREFIX}-main-app-Task-1A`);
const APP_POLICY = GLOBAL.policies.replace(`${PREFIX}-global/*`, `${PREFIX}/app-policy`);

/** Concrete resources a row's pattern stands for: the branch's and another branch's. */
function samples(call: DeveloperCall): string[] {
  const byResource: Record<DeveloperResource, string[]> = {
    any: ['*'],
    globalStack: [stackArn(GLOBAL.stack)],
    versionParameter: [GLOBAL.versionParameter],
    executionRole: [GLOBAL.executionRole],
    delegatedStacks: [OURS.pipelineStack, OURS.appStack, THEIRS.pipelineStack].map(stackArn),
    pipelines: [OURS.pipeline, THEIRS.pipeline],
    buildProjects: [OURS.buildProject, THEIRS.buildProject],
    // GetLogEvents is authorised on the log stream.
    buildLogs: [
      `${OURS.buildLogGroup}:log-stream:0b5e5c70`,
      `${THEIRS.buildLogGroup}:log-stream:0b5e5c70`,
    ],
    appRoles: [OURS.buildRole, APP_ROLE],
    roles: [OURS.buildRole, APP_ROLE, GLOBAL.pipelineRole, GLOBAL.executionRole],
    policies: [APP_POLICY, GLOBAL.boundaryPolicy, GLOBAL.developerPolicy],
    artifactBuckets: [OURS.artifactBucket],
    artifactObjects: [`${OURS.artifactBucket}/build/out.zip`],
  };
  return byResource[call.resource];
}

/** What the CLI sends with the call: the execution role and `ResourceTypes`, always. */
function contextOf(call: DeveloperCall): Record<string, string | string[]> {
  const context: Record<string, string | string[]> = {};
  if (call.condition === 'executionRole') context['cloudformation:RoleArn'] = GLOBAL.executionRole;
  if (call.condition === 'toCloudFormation') {
    context['iam:PassedToService'] = 'cloudformation.amazonaws.com';
  }
  if (['CreateChangeSet', 'CreateStack', 'UpdateStack'].includes(call.action)) {
    context['cloudformation:ResourceTypes'] = ['AWS::CodePipeline::Pipeline', 'AWS::IAM::Role'];
  }
  if (call.service === 's3') context['s3:ResourceAccount'] = '123456789012';
  return context;
}

describe('the developer-calls table', () => {
  it('has no duplicate rows', () => {
    const keys = DEVELOPER_CALLS.map((c) => `${c.service}:${c.action}@${c.resource}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it.each(
    DEVELOPER_CALLS.map(
      (call) => [`${call.service}:${call.action} on ${call.resource}`, call] as const,
    ),
  )('%s is allowed by the developer policy', async (_name, call) => {
    // Given the call as the command makes it
    const action = `${call.service}:${call.action}`;

    // When it is replayed against the developer policy
    const decisions = await Promise.all(
      samples(call).map(async (resource) => [
        resource,
        await decide(PRINCIPALS.developer, { action, resource, context: contextOf(call) }),
      ]),
    );

    // Then every sample is allowed
    expect(decisions.filter(([, decision]) => decision !== 'Allowed')).toEqual([]);
  });

  it.each(TOLERATED_DENIALS.map((call) => [`${call.service}:${call.action}`, call] as const))(
    '%s is not granted: the command handles its denial',
    async (action) => {
      const resources: Record<string, string> = {
        'iam:SimulatePrincipalPolicy': PRINCIPALS.developer.arn,
        'cloudformation:DescribeStackResources': stackArn(OURS.appStack),
        's3:GetObject': `${OURS.artifactBucket}/logs/build.gz`,
        'iam:PutRolePolicy': APP_ROLE,
      };
      const resource = resources[action];

      expect(resource, `add a sample resource for ${action}`).toBeDefined();
      expect(await decide(PRINCIPALS.developer, { action, resource: resource! })).not.toBe(
        'Allowed',
      );
    },
  );

  it('would notice a call the table does not grant', async () => {
    const decision = await decide(PRINCIPALS.developer, {
      action: 'cloudformation:CreateStack',
      resource: stackArn(OURS.pipelineStack),
      context: contextOf({
        ...DEVELOPER_CALLS.find((c) => c.action === 'CreateChangeSet')!,
        action: 'CreateStack',
      }),
    });

    expect(decision).not.toBe('Allowed');
  });
});
