/**
 * `setup --delete` while branch stacks remain: it refuses, and names the `aiproxy destroy` that
 * removes each branch the way it must go (app stack first, artifact bucket emptied, as the
 * execution role), never a bare `aws cloudformation delete-stack`.
 */
import {
  DeleteStackCommand,
  DescribeStacksCommand,
  GetTemplateCommand,
  ListStacksCommand,
  type StackSummary,
} from '@aws-sdk/client-cloudformation';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { branchNames } from '../../src/lib/names.js';
import { pipelineTemplate } from '../deploy/harness.js';
import { FakeAws, runSetup } from './harness.js';

const LOGIN = branchNames('feature/Login_Fix-2');
const QUOTED = branchNames("fix/it's");
const OLD = branchNames('feature/Old_Work');

let aws: FakeAws;

beforeEach(() => {
  vi.stubEnv('AWS_REGION', 'eu-west-1');
  vi.stubEnv('NO_COLOR', '1');
  aws = new FakeAws();
  aws.cfn.givenStack('CREATE_COMPLETE');
});
afterEach(() => {
  aws.restore();
  vi.unstubAllEnvs();
});

/** Given: these stacks in the region, each pipeline stack with the template `deploy` gave it. */
function givenStacks(names: string[], templates: Record<string, string> = {}): void {
  const summaries: StackSummary[] = names.map((StackName) => ({
    StackName,
    StackStatus: 'UPDATE_COMPLETE',
    CreationTime: new Date('2026-01-01T00:00:00Z'),
  }));
  aws.cfn.mock.on(ListStacksCommand).resolves({ StackSummaries: summaries });
  for (const [StackName, TemplateBody] of Object.entries(templates)) {
    // `deploy` tags the pipeline stack's resources, not the stack: no Tags here.
    aws.cfn.mock.on(DescribeStacksCommand, { StackName }).resolves({
      Stacks: [{ StackName, StackStatus: 'UPDATE_COMPLETE', CreationTime: new Date() }],
    });
    aws.cfn.mock.on(GetTemplateCommand, { StackName }).resolves({ TemplateBody });
  }
}

describe('setup --delete with branch stacks left', () => {
  it('names `aiproxy destroy --branch … --with-app` for each branch, by its git name', async () => {
    // Given four branches: one named as AWS names it, two by hashed slugs whose pipeline stacks
    // record the branch, and one whose pipeline stack is gone (only its app stack is left)
    givenStacks(
      [
        'aiproxy-main-cicd',
        'aiproxy-main-app',
        LOGIN.pipelineStackName,
        LOGIN.appStackName,
        QUOTED.pipelineStackName,
        OLD.appStackName,
      ],
      {
        [LOGIN.pipelineStackName]: pipelineTemplate('feature/Login_Fix-2'),
        [QUOTED.pipelineStackName]: pipelineTemplate("fix/it's"),
      },
    );

    const run = await runSetup(['--delete', '--yes']);

    // Then it refuses, and each command can be pasted as it is
    expect(run.exitCode).toBe(4);
    expect(run.stdout).toContain('6 pipeline or application stack(s) still use it');
    const commands = run.stdout.split('\n').filter((line) => line.includes('aiproxy destroy'));
    expect(commands).toEqual([
      '  aiproxy destroy --branch feature/Login_Fix-2 --with-app --region eu-west-1',
      `  aiproxy destroy --branch ${OLD.slug} --with-app --region eu-west-1  # its AWS name: no branch is recorded`,
      "  aiproxy destroy --branch 'fix/it'\\''s' --with-app --region eu-west-1",
      '  aiproxy destroy --branch main --with-app --region eu-west-1',
    ]);
    expect(run.stdout).not.toContain('delete-stack');
    expect(aws.cfn.inputsOf(DeleteStackCommand)).toHaveLength(0);
  });

  it('--json lists the branches with their commands; another prefix is named in them', async () => {
    const shop = branchNames('feature/Login_Fix-2', { prefix: 'shop' });
    givenStacks([shop.pipelineStackName], {
      [shop.pipelineStackName]: pipelineTemplate('feature/Login_Fix-2', 'shop'),
    });

    const run = await runSetup(['--delete', '--yes', '--prefix', 'shop', '--json']);

    expect(run.exitCode).toBe(4);
    expect(JSON.parse(run.stdout)).toMatchObject({
      result: 'branch-stacks-remain',
      branches: [
        {
          slug: shop.slug,
          branch: 'feature/Login_Fix-2',
          stackNames: [shop.pipelineStackName],
          command:
            'aiproxy destroy --branch feature/Login_Fix-2 --with-app --prefix shop --region eu-west-1',
        },
      ],
    });
  });
});
