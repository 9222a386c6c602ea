import { GetTemplateCommand, type GetTemplateCommandInput } from '@aws-sdk/client-cloudformation';
import {
  ListPipelineExecutionsCommand,
  type PipelineExecutionStatus,
} from '@aws-sdk/client-codepipeline';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import List from '../../src/commands/list.js';
import { awsError } from '../support/aws-mock.js';
import { branchNames } from '../../src/lib/names.js';
import {
  BRANCH,
  ci,
  DeployAws,
  GLOBAL_OUTPUTS,
  NAMES,
  pipelineTemplate,
  projectDir,
  REGION,
  runCommand,
} from '../deploy/harness.js';
import { StackShelf } from '../deploy/stack-shelf.js';

let aws: DeployAws;
let shelf: StackShelf;
let dir: string;

beforeEach(() => {
  vi.stubEnv('AWS_REGION', REGION);
  vi.stubEnv('AWS_PROFILE', undefined);
  vi.stubEnv('NO_COLOR', '1');
  aws = new DeployAws();
  shelf = new StackShelf(aws.cfn.mock);
  // Given two branches of this application (feature/login named by a hashed slug in AWS), the
  // global stack, and another team's stack
  shelf.put('aiproxy-global', 'UPDATE_COMPLETE', GLOBAL_OUTPUTS);
  shelf.put('aiproxy-main-cicd', 'UPDATE_COMPLETE', { PipelineName: 'aiproxy-main-pipeline' });
  shelf.put('aiproxy-main-app', 'UPDATE_COMPLETE');
  shelf.put(
    NAMES.pipelineStackName,
    'CREATE_COMPLETE',
    { PipelineName: NAMES.pipelineName },
    { template: pipelineTemplate(BRANCH) },
  );
  shelf.put('billing-main-cicd', 'CREATE_COMPLETE');
  aws.codepipeline
    .on(ListPipelineExecutionsCommand, { pipelineName: 'aiproxy-main-pipeline' })
    .resolves({
      pipelineExecutionSummaries: [
        {
          pipelineExecutionId: 'exec-9',
          status: 'Succeeded',
          startTime: new Date('2026-01-15T09:31:00Z'),
          sourceRevisions: [{ actionName: 'Source', revisionId: '3f2a9c1' }],
        },
      ],
    });
  aws.codepipeline
    .on(ListPipelineExecutionsCommand, { pipelineName: NAMES.pipelineName })
    .resolves({
      pipelineExecutionSummaries: [
        {
          pipelineExecutionId: 'exec-2',
          status: 'Failed',
          startTime: new Date('2026-01-16T08:00:00Z'),
        },
      ],
    });
  dir = projectDir();
});
afterEach(() => {
  aws.restore();
  vi.unstubAllEnvs();
});

describe('list', () => {
  it('shows this application’s branch pipelines with their last run, as a table', async () => {
    const run = await runCommand(List, [], ci(dir));

    // Then each branch is shown as git names it, the one AWS names by a slug included
    expect(run.exitCode).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^BRANCH +PIPELINE STACK +LAST RUN +APP STACK +PIPELINE$/);
    expect(lines).toHaveLength(3);
    expect(lines[1]).toMatch(
      new RegExp(
        `^feature/login +CREATE_COMPLETE +Failed 2026-01-16 08:00 +- +${NAMES.pipelineName}$`,
      ),
    );
    expect(lines[2]).toMatch(
      /^main +UPDATE_COMPLETE +Succeeded 2026-01-15 09:31 +UPDATE_COMPLETE +aiproxy-main-pipeline$/,
    );
    expect(run.stdout).not.toContain('billing');
  });

  it('--json returns the same rows, with branch and slug, and the commit each last run built', async () => {
    const run = await runCommand(List, ['--json'], ci(dir));

    expect(run.exitCode).toBe(0);
    const json = JSON.parse(run.stdout) as {
      prefix: string;
      region: string;
      pipelines: Record<string, unknown>[];
    };
    expect(json.prefix).toBe('aiproxy');
    expect(json.region).toBe(REGION);
    expect(json.pipelines.map((p) => [p.branch, p.slug])).toEqual([
      [BRANCH, NAMES.slug],
      ['main', 'main'],
    ]);
    expect(json.pipelines[0]).toMatchObject({
      stackName: NAMES.pipelineStackName,
      lastExecution: { executionId: 'exec-2', status: 'Failed' },
      appStack: null,
    });
    expect(json.pipelines[1]).toMatchObject({
      pipelineName: 'aiproxy-main-pipeline',
      lastExecution: { status: 'Succeeded', revision: '3f2a9c1' },
      appStack: { name: 'aiproxy-main-app', status: 'UPDATE_COMPLETE' },
    });
  });

  it('a pipeline that cannot be read does not hide the others', async () => {
    aws.codepipeline
      .on(ListPipelineExecutionsCommand, { pipelineName: NAMES.pipelineName })
      .rejects(awsError('PipelineNotFoundException', 'no such pipeline'));

    const run = await runCommand(List, [], ci(dir));

    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain('no pipeline (yet)');
    expect(run.stdout).toContain('Succeeded 2026-01-15 09:31');
  });

  it('--prefix lists another application’s pipelines', async () => {
    aws.codepipeline
      .on(ListPipelineExecutionsCommand, { pipelineName: 'billing-main-pipeline' })
      .resolves({
        pipelineExecutionSummaries: [],
      });

    const run = await runCommand(List, ['--prefix', 'billing'], ci(dir));

    expect(run.exitCode).toBe(0);
    expect(run.stdout).toMatch(/^main +CREATE_COMPLETE +never run +- +billing-main-pipeline$/m);
  });

  // The stack `deploy` makes has no tags of its own; its template tags the pipeline and names
  // the branch in the source action. Tag values allow fewer characters than git branch names.
  it.each([
    ['its stack tag', 'feature/Login_Fix-2', { tags: { 'aiproxy:branch': 'feature/Login_Fix-2' } }],
    [
      'its template',
      'feature/Login_Fix-2',
      { template: pipelineTemplate('feature/Login_Fix-2', 'shop') },
    ],
    [
      'its template’s source action, the tag holding the slug',
      'fix/#12',
      { template: pipelineTemplate('fix/#12', 'shop') },
    ],
  ])('reads the branch back from %s', async (_where, branch, extra) => {
    // Given one pipeline stack of the application `shop`, named by a hashed slug
    const names = branchNames(branch, { prefix: 'shop' });
    shelf.put(names.pipelineStackName, 'CREATE_COMPLETE', {}, extra);
    aws.codepipeline.on(ListPipelineExecutionsCommand).resolves({ pipelineExecutionSummaries: [] });

    const run = await runCommand(List, ['--prefix', 'shop', '--json'], ci(dir));

    expect(run.exitCode).toBe(0);
    const json = JSON.parse(run.stdout) as { pipelines: Record<string, unknown>[] };
    expect(json.pipelines).toMatchObject([{ branch, slug: names.slug }]);
  });

  it('a stack that records no branch (or one that does not give its slug) shows its slug, marked', async () => {
    // Given two untagged pipeline stacks, one with a tag that belongs to another branch
    const names = branchNames('feature/Login_Fix-2', { prefix: 'shop' });
    const other = branchNames('release/2.0', { prefix: 'shop' });
    shelf.put(names.pipelineStackName, 'CREATE_COMPLETE');
    shelf.put(
      other.pipelineStackName,
      'CREATE_COMPLETE',
      {},
      { tags: { 'aiproxy:branch': 'main' } },
    );
    aws.codepipeline.on(ListPipelineExecutionsCommand).resolves({ pipelineExecutionSummaries: [] });

    const table = await runCommand(List, ['--prefix', 'shop'], ci(dir));
    const json = await runCommand(List, ['--prefix', 'shop', '--json'], ci(dir));

    // Then the table says the name is AWS's, and --json has no branch for them
    expect(table.exitCode).toBe(0);
    expect(table.stdout).toMatch(new RegExp(`^${names.slug} \\(AWS name\\) +CREATE_COMPLETE`, 'm'));
    expect(table.stdout).toMatch(new RegExp(`^${other.slug} \\(AWS name\\) +CREATE_COMPLETE`, 'm'));
    const rows = (JSON.parse(json.stdout) as { pipelines: Record<string, unknown>[] }).pipelines;
    expect(rows.map((r) => [r.branch, r.slug])).toEqual([
      [null, names.slug],
      [null, other.slug],
    ]);
  });

  it('reads no template for a branch that is its own slug', async () => {
    const run = await runCommand(List, [], ci(dir));

    expect(run.exitCode).toBe(0);
    const read = aws.cfn
      .inputsOf(GetTemplateCommand)
      .map((input: GetTemplateCommandInput) => input.StackName);
    expect(read).toEqual([NAMES.pipelineStackName]);
  });

  it('no branch pipelines yet: says how to make one', async () => {
    const run = await runCommand(List, ['--prefix', 'empty'], ci(dir));

    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain(
      'No branch pipelines yet: `aiproxy deploy --branch NAME` makes one.',
    );
  });
});

describe('list: text from AWS', () => {
  it('names and statuses holding terminal escapes are shown without them', async () => {
    // Given a pipeline stack whose output and last run carry an escape sequence and a bell
    const odd = 'aiproxy-odd\u001b]0;pwned\u0007-pipeline';
    shelf.put('aiproxy-odd-cicd', 'CREATE_COMPLETE', { PipelineName: odd });
    aws.codepipeline.on(ListPipelineExecutionsCommand, { pipelineName: odd }).resolves({
      pipelineExecutionSummaries: [
        { pipelineExecutionId: 'exec-1', status: 'Failed\u0007' as PipelineExecutionStatus },
      ],
    });

    // When the branches are listed
    const run = await runCommand(List, [], ci(dir));

    // Then the row is there, each escape sequence removed whole, and no ESC or BEL is printed
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toMatch(/^odd +CREATE_COMPLETE +Failed +- +aiproxy-odd-pipeline$/m);
    expect(['\u001b', '\u0007'].filter((byte) => run.stdout.includes(byte))).toEqual([]);
  });
});
