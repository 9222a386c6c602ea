import { execFile } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { describe, expect, it } from 'vitest';

import type { ProjectConfig } from '../../src/lib/config/project-config.js';
import type { PolicyStatement } from '../../src/lib/doctor/types.js';
import { pipelineTemplateYaml } from '../../src/lib/templates/pipeline.js';

const run = promisify(execFile);
const REPO_ROOT = join(import.meta.dirname, '..', '..');

/** Branches with every kind of trouble: a slash and capitals, 200 characters, a leading digit. */
const BRANCHES = ['main', 'feature/Login_Fix-2', `feature/${'x'.repeat(192)}`, '1.2-release'];

/** What `cfn-lint -f parseable` prints: `file:line:col:line:col:rule:message`, one a line. */
async function cfnLint(files: string[]): Promise<{ code: number; findings: string[] }> {
  try {
    await run('cfn-lint', ['-f', 'parseable', '--', ...files]);
    return { code: 0, findings: [] };
  } catch (error) {
    const e = error as { code?: number | string; stdout?: string };
    // Not installed: fail loudly rather than pass without having linted anything.
    if (e.code === 'ENOENT') throw new Error('cfn-lint is not on the PATH (pip install cfn-lint)');
    return { code: Number(e.code), findings: (e.stdout ?? '').split('\n').filter(Boolean) };
  }
}

async function extraStatementsOfOwnConfig(): Promise<PolicyStatement[]> {
  const text = await readFile(join(REPO_ROOT, 'aiproxy.config.json'), 'utf8');
  return (JSON.parse(text) as ProjectConfig).build?.extraStatements ?? [];
}

// cfn-lint starts a Python process per call (a few seconds each, more on a busy CI runner).
const LINT_TIMEOUT = 120_000;

describe('cfn-lint', { timeout: LINT_TIMEOUT }, () => {
  it('finds nothing in the pipeline template of any branch, with or without extra statements', async () => {
    // Given the template for each branch, once bare and once with a config's statements,
    const dir = await mkdtemp(join(tmpdir(), 'aiproxy-lint-'));
    const extra: PolicyStatement[] = [
      ...(await extraStatementsOfOwnConfig()),
      {
        Sid: 'ReadBranchSecrets',
        Effect: 'Allow',
        Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
        Resource:
          'arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:/aiproxy/*',
        Condition: { StringEquals: { 'aws:ResourceTag/aiproxy:prefix': 'aiproxy' } },
      },
    ];
    const files: string[] = [];
    for (const [i, branch] of BRANCHES.entries()) {
      for (const extraStatements of [[], extra]) {
        const file = join(dir, `pipeline-${i}-${extraStatements.length}.yml`);
        await writeFile(
          file,
          pipelineTemplateYaml({
            branch,
            repository: 'acme/shop',
            appTemplatePath: 'examples/app-template.yml',
            buildspecPath: 'examples/buildspec.yml',
            extraStatements,
          }),
        );
        files.push(file);
      }
    }

    // When cfn-lint reads them all, Then it reports no error, no warning, nothing.
    expect(await cfnLint(files)).toEqual({ code: 0, findings: [] });
  });

  it('finds nothing in the example application template', async () => {
    expect(await cfnLint([join(REPO_ROOT, 'examples', 'app-template.yml')])).toEqual({
      code: 0,
      findings: [],
    });
  });

  it('does report a broken template, so the stories above can fail', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'aiproxy-lint-'));
    const file = join(dir, 'broken.yml');
    await writeFile(
      file,
      'Resources:\n  Bucket:\n    Type: AWS::S3::Bucket\n    Properties:\n      BucketNam: x\n',
    );

    const result = await cfnLint([file]);
    expect(result.code).not.toBe(0);
    expect(result.findings.join('\n')).toMatch(/:E3002:/);
  });
});
