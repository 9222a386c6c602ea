/**
 * What `deploy`, `destroy` and `list` print comes partly from AWS (names, statuses, reasons,
 * ids), and AWS text may carry terminal escapes. Each renderer is given such text everywhere
 * it could come from; none may pass an ESC or BEL on.
 */
import { describe, expect, it } from 'vitest';

import type { DeployPipelineResult, PipelineLinks } from '../../src/lib/deploy/deploy.js';
import type { DestroyPlan, DestroyResult } from '../../src/lib/deploy/destroy.js';
import type { BranchPipeline } from '../../src/lib/deploy/list.js';
import type { PreflightResult } from '../../src/lib/deploy/preflight.js';
import type { WatchProgress, WatchResult } from '../../src/lib/deploy/watch.js';
import {
  renderAwsNameLine,
  renderBranchLine,
  renderBranchTable,
  renderDeploySummary,
  renderDestroyPlan,
  renderDestroyResult,
  renderDestroyStep,
  renderPreflight,
  renderWatchEnd,
  renderWatchProgress,
  stripControlDeep,
} from '../../src/lib/ui/deploy-output.js';
import { makeStyle } from '../../src/lib/ui/style.js';

/** A window title change, a bell, a screen clear and an 8-bit CSI: what AWS text could hold. */
const EVIL = 'x\u001b]0;pwned\u0007\u001b[2J\u009b';
const style = makeStyle(false);

/** The ESC and BEL bytes in `text`: what it takes to retitle a terminal window, or worse. */
const terminalBytesIn = (text: string): string[] =>
  ['\u001b', '\u0007'].filter((byte) => text.includes(byte));

const links: PipelineLinks = {
  pipelineName: `p-${EVIL}`,
  consoleUrl: `https://${EVIL}`,
  pipelineStackName: `s-${EVIL}`,
  appStackName: `a-${EVIL}`,
  region: EVIL,
};
const activity = {
  eventId: EVIL,
  stackName: EVIL,
  logicalId: EVIL,
  resourceType: EVIL,
  status: `CREATE_FAILED${EVIL}`,
  reason: EVIL,
  timestamp: new Date('2026-01-16T08:00:00Z'),
  nested: true,
};
const plan: DestroyPlan = {
  branch: EVIL,
  names: { slug: EVIL, pipelineStackName: EVIL, appStackName: EVIL },
  awsNameOf: { branch: EVIL },
  targets: [
    { role: 'app', stackName: EVIL, state: { kind: 'absent' } as never },
    { role: 'pipeline', stackName: EVIL, state: { kind: 'stable', status: EVIL } as never },
  ],
  artifactBucket: EVIL,
  appStackLeft: { name: EVIL, status: EVIL },
};
const deployed = (stack: DeployPipelineResult['stack']): DeployPipelineResult => ({
  stack,
  links,
  explanation: null,
});

const RENDERED: [string, () => string][] = [
  ['the branch line', () => renderBranchLine(EVIL, 'flag', EVIL)],
  ['the AWS-name line', () => renderAwsNameLine(plan)],
  [
    'the AWS-name line with no branch',
    () => renderAwsNameLine({ ...plan, awsNameOf: { branch: null } }),
  ],
  [
    'the preflight',
    () =>
      renderPreflight(
        {
          identity: { account: EVIL, arn: EVIL, partition: EVIL, region: EVIL },
          global: { stackName: EVIL, executionRoleArn: EVIL, version: 3 },
          passRole: { status: 'not-checked', detail: EVIL },
        } as unknown as PreflightResult,
        style,
      ),
  ],
  [
    'a deployed summary',
    () =>
      renderDeploySummary(
        deployed({
          kind: 'deployed',
          stackName: EVIL,
          stackId: EVIL,
          operation: 'create',
          outputs: {},
          changes: [],
        }),
        style,
      ),
  ],
  [
    'a declined summary',
    () =>
      renderDeploySummary(
        deployed({ kind: 'declined', stackName: EVIL, stage: 'recreate' }),
        style,
      ),
  ],
  [
    'an interrupted summary',
    () =>
      renderDeploySummary(
        deployed({
          kind: 'interrupted',
          stackName: EVIL,
          stackId: EVIL,
          status: EVIL,
          followCommand: EVIL,
        }),
        style,
      ),
  ],
  [
    'a failed summary',
    () =>
      renderDeploySummary(
        deployed({
          kind: 'failed',
          stackName: EVIL,
          stackId: EVIL,
          operation: 'create',
          status: EVIL,
          failure: activity,
        }),
        style,
      ),
  ],
  ...(
    [
      { type: 'execution', executionId: EVIL, origin: 'started' },
      { type: 'waiting', reason: EVIL },
      { type: 'note', message: EVIL },
      { type: 'stage', stage: EVIL, status: EVIL, failedAction: { name: EVIL, message: EVIL } },
    ] satisfies WatchProgress[]
  ).map((event): [string, () => string] => [
    `watch progress (${event.type})`,
    () => renderWatchProgress(event, style),
  ]),
  ...(
    [
      { kind: 'ended', executionId: EVIL, origin: 'started', status: EVIL, stages: [] },
      { kind: 'ended', executionId: EVIL, origin: 'started', status: 'Succeeded', stages: [] },
      { kind: 'no-execution', reason: EVIL },
      { kind: 'interrupted', executionId: EVIL, followCommand: EVIL },
    ] satisfies WatchResult[]
  ).map((result): [string, () => string] => [
    `the end of a watch (${result.kind})`,
    () => renderWatchEnd(result, links, style),
  ]),
  [
    'the branch table',
    () =>
      renderBranchTable(
        [
          {
            branch: EVIL,
            slug: EVIL,
            stackName: EVIL,
            stackStatus: EVIL,
            updatedAt: null,
            pipelineName: EVIL,
            lastExecution: { executionId: EVIL, status: EVIL, startTime: EVIL, revision: EVIL },
            appStack: { name: EVIL, status: EVIL },
          },
          {
            branch: null,
            slug: EVIL,
            stackName: EVIL,
            stackStatus: EVIL,
            updatedAt: null,
            pipelineName: EVIL,
            lastExecution: null,
            appStack: null,
            note: EVIL,
          },
        ] satisfies BranchPipeline[],
        style,
      ),
  ],
  ['the destroy plan', () => renderDestroyPlan(plan, style)],
  ['the destroy plan, nothing to delete', () => renderDestroyPlan({ ...plan, targets: [] }, style)],
  ['a destroy step', () => renderDestroyStep({ type: 'emptying', bucket: EVIL })],
  ['a destroy step', () => renderDestroyStep({ type: 'emptied', bucket: EVIL, objects: 2 })],
  ['a destroy step', () => renderDestroyStep({ type: 'deleting', stackName: EVIL })],
  ...(
    [
      { kind: 'destroyed', deleted: [EVIL], emptiedObjects: 1 },
      { kind: 'bucket-not-emptied', deleted: [EVIL], bucket: EVIL, action: EVIL, message: EVIL },
      {
        kind: 'failed',
        deleted: [EVIL],
        stackName: EVIL,
        status: EVIL,
        statusReason: EVIL,
        explanation: null,
      },
      { kind: 'interrupted', deleted: [EVIL], stackName: EVIL, followCommand: EVIL },
    ] satisfies DestroyResult[]
  ).map((result): [string, () => string] => [
    `the end of a destroy (${result.kind})`,
    () => renderDestroyResult(result, style),
  ]),
];

describe('deploy, destroy and list output', () => {
  it.each(RENDERED)('%s shows AWS text without its escapes', (_what, render) => {
    const text = render();

    expect(text).toContain('x');
    expect(terminalBytesIn(text)).toEqual([]);
  });
});

describe('stripControlDeep', () => {
  it('cleans every string of a structure, keys too, and keeps dates', () => {
    // Given a stack event as another renderer would print it
    const event = { type: 'activity', activity, list: [EVIL], [EVIL]: 1 };

    // When it is cleaned
    const clean = stripControlDeep(event);

    // Then no string in it holds a control character, and the date is still a date
    expect(JSON.stringify(clean)).not.toMatch(/\\u001b|\\u0007|\\u009b/);
    expect(clean.activity.timestamp).toBeInstanceOf(Date);
    expect(clean.activity.reason).toBe('x');
    expect(clean.list).toEqual(['x']);
  });
});
