/**
 * `deploy --dry-run`: the pipeline template without any AWS access. In-process, the AWS stubs
 * count zero calls; as a child process (the built CLI, which `npm test` builds first) it runs
 * with an empty environment, so any AWS call would fail loudly. Also where `--branch`
 * defaults to the current git branch.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import Deploy from '../../src/commands/deploy.js';
import { branchNames } from '../../src/lib/names.js';
import { ci, DeployAws, projectDir, runCommand } from '../deploy/harness.js';
import { GIT_REFUSED_BRANCHES } from '../support/branches.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(ROOT, 'bin', 'run.js');

let aws: DeployAws;
beforeEach(() => {
  vi.stubEnv('NO_COLOR', '1');
  aws = new DeployAws();
});
afterEach(() => {
  aws.restore();
  vi.unstubAllEnvs();
});

describe('deploy --dry-run in-process', () => {
  it('prints the template and makes no AWS call', async () => {
    const dir = projectDir();

    const run = await runCommand(Deploy, ['--dry-run', '--branch', 'feature/x'], ci(dir));

    expect(run.exitCode).toBe(0);
    expect(run.stdout).toMatch(/^AWSTemplateFormatVersion: "2010-09-09"/);
    expect(run.stdout).toContain('Fn::ImportValue: aiproxy-global-ExecutionRoleArn');
    expect(aws.callCount()).toBe(0);
  });

  it('--branch defaults to the current git branch, and says so', async () => {
    const dir = projectDir({ gitBranch: 'feature/Login_Fix-2' });
    const names = branchNames('feature/Login_Fix-2');

    const run = await runCommand(Deploy, ['--dry-run'], ci(dir));

    expect(run.exitCode).toBe(0);
    expect(run.stderr).toContain(
      `Branch feature/Login_Fix-2 (named ${names.slug} in AWS), from the current git branch.`,
    );
    expect(run.stdout).toContain('BranchName: feature/Login_Fix-2');
    expect(run.stdout).toContain(`StackName: ${names.appStackName}`);
  });

  it('a detached HEAD without --branch: exit 2, naming the flag', async () => {
    const dir = projectDir({ gitBranch: 'main' });
    spawnSync('git', ['checkout', '-q', '--detach'], { cwd: dir });

    const run = await runCommand(Deploy, ['--dry-run'], ci(dir));

    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain('--branch');
  });

  it('--json gives the template, its resource types and the refused statements', async () => {
    const run = await runCommand(
      Deploy,
      ['--dry-run', '--branch', 'main', '--json'],
      ci(projectDir()),
    );

    const json = JSON.parse(run.stdout) as Record<string, unknown>;
    expect(json).toMatchObject({
      branch: 'main',
      slug: 'main',
      pipelineStack: 'aiproxy-main-cicd',
      resourceTypes: expect.arrayContaining(['AWS::IAM::Role']) as unknown,
      refusedStatements: [{ reason: 'iam-write' }],
    });
  });

  it('works from flags alone when there is no config file', async () => {
    const dir = projectDir({ config: null });
    const flags = ['--repository', 'acme/app', '--app-template', 'app.yml', '--buildspec', 'b.yml'];

    const run = await runCommand(Deploy, ['--dry-run', '--branch', 'main', ...flags], ci(dir));

    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain('FullRepositoryId: acme/app');
    expect(run.stdout).toContain('TemplatePath: SourceOutput::app.yml');
  });
});

/** The ESC and BEL bytes in `text`: what it takes to retitle a terminal window, or worse. */
const terminalBytesIn = (text: string): string[] =>
  ['\u001b', '\u0007'].filter((byte) => text.includes(byte));

describe('deploy --dry-run with a --branch git would refuse', () => {
  it.each(GIT_REFUSED_BRANCHES)(
    '%j: exit 2 INVALID_BRANCH, no template, no AWS call',
    async (branch) => {
      const run = await runCommand(Deploy, ['--dry-run', '--branch', branch], ci(projectDir()));

      expect(run.exitCode).toBe(2);
      expect(run.error?.code).toBe('INVALID_BRANCH');
      expect(run.stderr).toContain('is not one git allows');
      expect(run.stderr).toContain('git check-ref-format --branch NAME');
      expect(run.stdout).toBe('');
      expect(aws.callCount()).toBe(0);
    },
  );

  it.each([[[]], [['--json']]])(
    'a name holding terminal escapes is refused, quoted, never echoed raw (%j)',
    async (extra) => {
      // Given a branch name that would retitle the terminal and ring its bell
      const branch = 'x\u001b]0;pwned\u0007';

      // When it is deployed
      const run = await runCommand(
        Deploy,
        ['--dry-run', '--branch', branch, ...extra],
        ci(projectDir()),
      );

      // Then it is refused, naming the character, and neither stream carries ESC or BEL
      expect(run.exitCode).toBe(2);
      expect(run.error?.code).toBe('INVALID_BRANCH');
      expect(run.error?.message).toContain('"x\\u001b]0;pwned\\u0007"');
      expect(run.error?.message).toContain('control character U+001B');
      expect(terminalBytesIn(run.stdout + run.stderr)).toEqual([]);
    },
  );

  it('a branch named in another script is fine, as it is for git', async () => {
    const run = await runCommand(
      Deploy,
      ['--dry-run', '--branch', 'fëature/日本語'],
      ci(projectDir()),
    );

    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain('BranchName: fëature/日本語');
  });
});

describe('deploy --dry-run as a child process with an empty environment', () => {
  it('prints a template cfn-lint accepts, with no credentials, region or home', () => {
    if (!existsSync(join(ROOT, 'dist', 'commands', 'deploy.js'))) {
      throw new Error('dist/ is missing: run `npm run build` (npm test does it first).');
    }
    const dir = projectDir();

    const run = spawnSync(
      process.execPath,
      [BIN, 'deploy', '--dry-run', '--branch', 'feature/Login_Fix-2'],
      {
        cwd: dir,
        env: { PATH: dirname(process.execPath), HOME: join(dir, 'no-home') },
        encoding: 'utf8',
        timeout: 60_000,
      },
    );

    expect(run.status).toBe(0);
    expect(run.stdout).not.toMatch(/\d{12}/);
    const file = join(dir, 'pipeline.yaml');
    writeFileSync(file, run.stdout);
    const lint = spawnSync('cfn-lint', [file], { encoding: 'utf8', timeout: 120_000 });
    expect(lint.stdout + lint.stderr).toBe('');
    expect(lint.status).toBe(0);
  }, 180_000);
});
