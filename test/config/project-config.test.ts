import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { format } from 'prettier';
import { describe, expect, it } from 'vitest';

import { addBuildStatements, formatProjectConfig } from '../../src/lib/config/edit-config.js';
import {
  checkProjectConfig,
  CONFIG_FILE_NAME,
  loadProjectConfig,
  mergeFlags,
  validateProjectConfig,
  type ProjectConfig,
} from '../../src/lib/config/project-config.js';
import type { PolicyStatement } from '../../src/lib/doctor/types.js';
import { InputError } from '../../src/lib/errors.js';

const REPO_ROOT = join(import.meta.dirname, '..', '..');

const VALID: ProjectConfig = {
  $schema: './schemas/aiproxy.config.schema.json',
  repository: 'acme/shop',
  appTemplate: 'infra/app.yml',
  buildspec: 'buildspec.yml',
};

const READ_SECRETS: PolicyStatement = {
  Sid: 'ReadBranchSecrets',
  Effect: 'Allow',
  Action: ['secretsmanager:GetSecretValue'],
  Resource:
    'arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:/aiproxy/main/*',
};

async function project(config: unknown, files: string[] = []): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'aiproxy-config-'));
  await writeFile(join(dir, CONFIG_FILE_NAME), formatProjectConfig(config));
  for (const file of files) {
    await mkdir(join(dir, file, '..'), { recursive: true });
    await writeFile(join(dir, file), '');
  }
  return dir;
}

/** The prettier the repository lints with, for the "keeps formatting" stories. */
async function prettier(text: string): Promise<string> {
  return format(text, { parser: 'json', printWidth: 100, singleQuote: true, trailingComma: 'all' });
}

describe('loadProjectConfig', () => {
  it("accepts the repository's own example config, whose paths exist", async () => {
    const loaded = await loadProjectConfig(REPO_ROOT);

    expect(loaded.path).toBe(join(REPO_ROOT, CONFIG_FILE_NAME));
    expect(loaded.config.appTemplate).toBe('examples/app-template.yml');
    expect(loaded.missingFiles).toEqual([]);
  });

  it('finds the config from a subdirectory and reports paths missing in the checkout', async () => {
    // Given a project whose buildspec exists and whose app template does not,
    const dir = await project(VALID, ['buildspec.yml']);
    await mkdir(join(dir, 'src', 'deep'), { recursive: true });

    // When loaded from a subdirectory,
    const loaded = await loadProjectConfig(join(dir, 'src', 'deep'));

    // Then the root is the config's directory and the missing path is named.
    expect(loaded.root).toBe(dir);
    expect(loaded.config).toEqual(VALID);
    expect(loaded.missingFiles).toEqual(['infra/app.yml']);
  });

  it('does not look above the git root', async () => {
    const dir = await project(VALID);
    const repo = join(dir, 'repo');
    await mkdir(join(repo, '.git'), { recursive: true });

    await expect(loadProjectConfig(repo)).rejects.toThrow(/No aiproxy\.config\.json/);
  });

  it('says so when the file is not JSON', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'aiproxy-config-'));
    await writeFile(join(dir, CONFIG_FILE_NAME), '{ "repository": "a/b", }');

    const error = await loadProjectConfig(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect(error).toMatchObject({ code: 'INVALID_CONFIG', message: /not valid JSON/ });
  });
});

describe('validateProjectConfig', () => {
  it.each<[string, Record<string, unknown>, string, RegExp]>([
    // [story, change, path, message]
    ['a missing repository', { repository: undefined }, '$.repository', /missing/],
    ['a repository without owner', { repository: 'shop' }, '$.repository', /owner\/name/],
    ['a repository URL', { repository: 'https://github.com/a/b' }, '$.repository', /owner\/name/],
    ['a numeric prefix', { prefix: 7 }, '$.prefix', /found a number/],
    ['an uppercase prefix', { prefix: 'AiProxy' }, '$.prefix', /lowercase/],
    ['a one-letter prefix', { prefix: 'a' }, '$.prefix', /shorter than 2/],
    ['a prefix ending in global', { prefix: 'team-global' }, '$.prefix', /reserved/],
    ['an aws prefix', { prefix: 'aws-team' }, '$.prefix', /reserved/],
    ['a bad connection', { connectionArn: 'arn:aws:s3:::x' }, '$.connectionArn', /connection/],
    ['an absolute template', { appTemplate: '/infra/app.yml' }, '$.appTemplate', /relative/],
    ['a template outside', { appTemplate: '../app.yml' }, '$.appTemplate', /relative/],
    ['a "./" buildspec', { buildspec: './buildspec.yml' }, '$.buildspec', /relative/],
    ['an empty buildspec', { buildspec: '' }, '$.buildspec', /shorter than 1/],
    ['a misspelt field', { buildSpec: 'b.yml' }, '$.buildSpec', /not a known field/],
    ['a build list', { build: [] }, '$.build', /object/],
    [
      'statements as an object',
      { build: { extraStatements: {} } },
      '$.build.extraStatements',
      /list/,
    ],
    [
      'a Deny statement',
      { build: { extraStatements: [{ ...READ_SECRETS, Effect: 'Deny' }] } },
      '$.build.extraStatements[0].Effect',
      /only grant/,
    ],
    [
      'a NotAction statement',
      { build: { extraStatements: [{ Effect: 'Allow', NotAction: 's3:*', Resource: '*' }] } },
      '$.build.extraStatements[0].NotAction',
      /not a known field/,
    ],
    [
      'an action without service',
      { build: { extraStatements: [{ ...READ_SECRETS, Action: ['GetSecretValue'] }] } },
      '$.build.extraStatements[0].Action[0]',
      /service:Action|an action/,
    ],
    [
      'an empty action list',
      { build: { extraStatements: [{ ...READ_SECRETS, Action: [] }] } },
      '$.build.extraStatements[0].Action',
      /empty/,
    ],
    [
      'a resource that is not an ARN',
      { build: { extraStatements: [{ ...READ_SECRETS, Resource: 'my-bucket' }] } },
      '$.build.extraStatements[0].Resource',
      /ARN/,
    ],
    [
      'a boolean condition value',
      {
        build: {
          extraStatements: [
            { ...READ_SECRETS, Condition: { Bool: { 'aws:SecureTransport': true } } },
          ],
        },
      },
      '$.build.extraStatements[0].Condition.Bool["aws:SecureTransport"]',
      /string/,
    ],
    [
      'a repeated action',
      {
        build: { extraStatements: [{ ...READ_SECRETS, Action: ['s3:GetObject', 's3:GetObject'] }] },
      },
      '$.build.extraStatements[0].Action[1]',
      /twice/,
    ],
  ])('refuses %s', (_story, change, path, message) => {
    // Given a valid config with one field changed,
    const document: Record<string, unknown> = { ...VALID, ...change };
    for (const [key, value] of Object.entries(change))
      if (value === undefined) delete document[key];

    // When validated, Then the issue names the JSON path, what is wrong and a fix,
    const issues = checkProjectConfig(document);
    expect(issues).toContainEqual(
      expect.objectContaining({ path, message: expect.stringMatching(message) as unknown }),
    );
    expect(issues.every((i) => i.fix.length > 0)).toBe(true);

    // and the thrown InputError carries them.
    expect(() => validateProjectConfig(document, 'aiproxy.config.json')).toThrow(InputError);
    expect(() => validateProjectConfig(document)).toThrow(path);
  });

  it('refuses what is not an object at all', () => {
    expect(checkProjectConfig([])).toEqual([expect.objectContaining({ path: '$' })]);
    expect(checkProjectConfig(null)).toEqual([expect.objectContaining({ path: '$' })]);
  });

  it('lists every issue at once', () => {
    const issues = checkProjectConfig({ repository: 'x', appTemplate: '..' });
    expect(issues.map((i) => i.path)).toEqual(['$.repository', '$.appTemplate', '$.buildspec']);
  });
});

describe('mergeFlags', () => {
  it('lets each given flag replace its field and leaves the others', () => {
    const merged = mergeFlags(
      { ...VALID, prefix: 'aiproxy' },
      { repository: 'acme/other', buildspec: 'ci/buildspec.yml', prefix: undefined },
    );

    expect(merged).toEqual({
      ...VALID,
      prefix: 'aiproxy',
      repository: 'acme/other',
      buildspec: 'ci/buildspec.yml',
    });
  });

  it('reports a bad flag like a bad field', () => {
    expect(() => mergeFlags(VALID, { appTemplate: '../x.yml' })).toThrow(/\$\.appTemplate/);
  });
});

describe('addBuildStatements', () => {
  it('appends new statements, keeps the rest in place and returns both texts', async () => {
    // Given a config with no build section, written as Prettier writes it,
    const dir = await project({ ...VALID, prefix: 'aiproxy' });
    const path = join(dir, CONFIG_FILE_NAME);
    const original = await readFile(path, 'utf8');
    expect(await prettier(original)).toBe(original);

    // When a statement is added,
    const result = await addBuildStatements(path, [READ_SECRETS]);

    // Then it is appended under build.extraStatements, every other key keeps its place,
    expect(result.changed).toBe(true);
    expect(result.before).toBe(original);
    expect(result.after).toBe(await readFile(path, 'utf8'));
    const written = JSON.parse(result.after) as ProjectConfig;
    expect(Object.keys(written)).toEqual([...Object.keys(VALID), 'prefix', 'build']);
    expect(written.build?.extraStatements).toEqual([READ_SECRETS]);

    // and the file still is what Prettier makes of it (2 spaces, final newline).
    expect(await prettier(result.after)).toBe(result.after);
    expect(result.after.endsWith('}\n')).toBe(true);
  });

  it('skips statements already there, whatever their order, case or Sid', async () => {
    const dir = await project({ ...VALID, build: { extraStatements: [READ_SECRETS] } });
    const path = join(dir, CONFIG_FILE_NAME);
    const same: PolicyStatement = {
      Effect: 'Allow',
      Action: 'secretsmanager:getsecretvalue',
      Resource: [READ_SECRETS.Resource as string],
    };
    const logs: PolicyStatement = {
      Effect: 'Allow',
      Action: ['logs:PutLogEvents', 'logs:CreateLogStream'],
      Resource:
        'arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:/aiproxy/main/*',
    };

    // When the same statement comes back twice, with a new one between,
    const first = await addBuildStatements(path, [same, logs, logs]);
    const second = await addBuildStatements(path, [logs, same]);

    // Then only the new one is added, once, and a second run changes nothing.
    expect(first.added).toEqual([logs]);
    expect((JSON.parse(first.after) as ProjectConfig).build?.extraStatements).toEqual([
      READ_SECRETS,
      logs,
    ]);
    expect(second).toMatchObject({ changed: false, added: [] });
    expect(second.after).toBe(second.before);
    expect(await readFile(path, 'utf8')).toBe(first.after);
  });

  it('refuses malformed statements and leaves the file alone', async () => {
    const dir = await project(VALID);
    const path = join(dir, CONFIG_FILE_NAME);
    const before = await readFile(path, 'utf8');
    const bad = { Effect: 'Allow', Action: 'GetObject', Resource: '*' } as PolicyStatement;

    await expect(addBuildStatements(path, [bad])).rejects.toThrow(/statements\[0\]\.Action/);
    expect(await readFile(path, 'utf8')).toBe(before);
  });

  it('refuses to edit a config that is already invalid', async () => {
    const dir = await project({ ...VALID, repository: 'nope' });

    await expect(addBuildStatements(join(dir, CONFIG_FILE_NAME), [READ_SECRETS])).rejects.toThrow(
      /\$\.repository/,
    );
  });
});

describe('formatProjectConfig', () => {
  it('prints what Prettier prints, long lists broken and short ones kept on a line', async () => {
    const document = {
      ...VALID,
      build: {
        extraStatements: [
          READ_SECRETS,
          {
            Effect: 'Allow',
            Action: Array.from({ length: 8 }, (_, i) => `logs:SomeRatherLongActionName${i}`),
            Resource: ['*'],
            Condition: { StringEquals: { 'aws:ResourceTag/team': ['web', 'api'] } },
          },
          { Effect: 'Allow', Action: [], Resource: {} },
        ],
      },
    };
    const text = formatProjectConfig(document);

    expect(await prettier(text)).toBe(text);
    expect(JSON.parse(text)).toEqual(document);
  });
});
