import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { Ajv } from 'ajv';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { checkProjectConfig } from '../../src/lib/config/project-config.js';

const REPO_ROOT = join(import.meta.dirname, '..', '..');

async function compileSchema() {
  const schema = JSON.parse(
    await readFile(join(REPO_ROOT, 'schemas', 'aiproxy.config.schema.json'), 'utf8'),
  ) as object;
  // strict: an unknown keyword or a typo in the schema fails here, not silently in editors.
  return new Ajv({ strict: true, allErrors: true }).compile(schema);
}

const CONNECTION =
  'arn:aws:codeconnections:eu-west-1:123456789012:connection/0b5e5c70-1d1a-11ef-9f5a-0a3c3b0f7e21';

/** Valid and invalid values for each field, weird types included. */
const FIELDS = {
  $schema: ['./schemas/aiproxy.config.schema.json', 7],
  prefix: [
    'aiproxy',
    'ab',
    'team-app-1234567',
    'a',
    'AiProxy',
    'team-global',
    'global',
    'aws',
    'aws-x',
    'amznapp',
    'a--b',
    'a'.repeat(17),
    '1ab',
    5,
    null,
  ],
  repository: [
    'acme/shop',
    'a.b/c_d-e',
    'shop',
    'a/b/c',
    '',
    '/b',
    `${'o'.repeat(70)}/${'n'.repeat(70)}`,
    `${'o'.repeat(70)}/${'n'.repeat(69)}`,
    ['a/b'],
  ],
  connectionArn: [
    CONNECTION,
    CONNECTION.replace('codeconnections', 'codestar-connections'),
    CONNECTION.replace('aws:', 'aws-cn:'),
    'arn:aws:s3:::x',
    `${CONNECTION}x`,
    '',
  ],
  appTemplate: [
    'infra/app.yml',
    '.aws/app.yml',
    'a..b/c.yml',
    '../x.yml',
    './x.yml',
    '/x.yml',
    'a//b.yml',
    'a/./b.yml',
    'a/..',
    'a b.yml',
    '',
    '.',
    'x'.repeat(200),
    'x'.repeat(201),
    'é.yml',
    3,
  ],
  buildspec: ['buildspec.yml', 'ci/build-spec@v2.yml', '..', 'ci/', false],
};

const STATEMENT_FIELDS = {
  Sid: ['Ok1', 'bad-sid', '', 'S'.repeat(129)],
  Effect: ['Allow', 'Allow', 'Deny', 'allow', 1],
  Action: [
    's3:GetObject',
    's3:Get*',
    '*',
    'ecr:?utImage',
    ['s3:GetObject', 'ecr:PutImage'],
    [],
    ['s3:GetObject', 's3:GetObject'],
    'GetObject',
    'S3:GetObject',
    's3:Get-Object',
    `s3:${'A'.repeat(126)}`,
    [5],
    5,
  ],
  Resource: [
    '*',
    'arn:aws:s3:::b/*',
    'arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/aiproxy/*',
    'bucket',
    [],
    ['arn:x', 'arn:x'],
    ['arn:a', 'arn:b'],
    'arn:with space',
    `arn:${'x'.repeat(2044)}`,
    `arn:${'x'.repeat(2045)}`,
    null,
  ],
  Condition: [
    { StringEquals: { 'aws:SourceAccount': '123456789012' } },
    { 'ForAnyValue:StringLike': { 'aws:TagKeys': ['team', 'env'] } },
    {},
    { StringEquals: {} },
    { 'Bad Op': { 'a:b': 'c' } },
    { Bool: { 'aws:SecureTransport': true } },
    { StringLike: { nokey: 'x' } },
    { StringEquals: { 's3:prefix': [] } },
    { StringEquals: { 's3:prefix': ['a', 'a'] } },
    { StringEquals: 'x' },
    [],
  ],
  NotAction: ['s3:*'],
  Principal: ['*'],
};

function pick<T extends Record<string, readonly unknown[]>>(fields: T) {
  return fc.record(
    Object.fromEntries(
      Object.entries(fields).map(([k, values]) => [k, fc.constantFrom(...values)]),
    ),
    { requiredKeys: [] },
  );
}

const VALID_STATEMENT = { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/*' };
const VALID_DOCUMENT = {
  repository: 'acme/shop',
  appTemplate: 'infra/app.yml',
  buildspec: 'b.yml',
};

/** A valid object with one field replaced by any of its table's values, or removed. */
function oneChange(base: Record<string, unknown>, fields: Record<string, readonly unknown[]>) {
  return fc.constantFrom(...Object.keys(fields)).chain((key) =>
    fc.constantFrom(...(fields[key] ?? []), undefined).map((value) => {
      const out: Record<string, unknown> = { ...base, [key]: value };
      if (value === undefined) delete out[key];
      return out;
    }),
  );
}

// Statements with one change dominate, so each rule is tested on its own, not masked.
const statement = fc.oneof(
  { weight: 3, arbitrary: fc.constant(VALID_STATEMENT) },
  { weight: 6, arbitrary: oneChange(VALID_STATEMENT, STATEMENT_FIELDS) },
  { weight: 2, arbitrary: pick(STATEMENT_FIELDS) },
  { weight: 1, arbitrary: fc.constantFrom('statement', null, [], 1) },
);

const build = fc.oneof(
  { weight: 6, arbitrary: fc.record({ extraStatements: fc.array(statement, { maxLength: 3 }) }) },
  { weight: 1, arbitrary: fc.constantFrom({}, [], 'x', { extraStatements: 'x' }, { other: 1 }) },
);

const document = fc.oneof(
  { weight: 4, arbitrary: build.map((b) => ({ ...VALID_DOCUMENT, build: b })) },
  { weight: 4, arbitrary: oneChange(VALID_DOCUMENT, FIELDS) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(pick(FIELDS), fc.option(build, { nil: undefined }), fc.boolean())
      .map(([fields, b, extra]) => ({
        ...fields,
        ...(b === undefined ? {} : { build: b }),
        ...(extra ? { typo: true } : {}),
      })),
  },
  { weight: 1, arbitrary: fc.constantFrom(null, [], 'config', 42) },
);

describe('the schema and the hand validator', () => {
  it('agree on every generated document', async () => {
    // Given the JSON Schema compiled by ajv and the validator the CLI runs,
    const validate = await compileSchema();
    let valid = 0;
    let invalid = 0;

    // When both judge thousands of documents, valid and broken in every field,
    fc.assert(
      fc.property(document, (doc) => {
        const schemaSays = validate(doc);
        const handSays = checkProjectConfig(doc).length === 0;
        if (schemaSays) valid++;
        else invalid++;
        // Then their verdicts are the same.
        expect({ doc, handSays }).toEqual({ doc, handSays: schemaSays });
      }),
      { numRuns: 3000 },
    );

    // (and both verdicts came up often enough for that to mean something).
    expect(valid).toBeGreaterThan(300);
    expect(invalid).toBeGreaterThan(300);
  });

  it("agree that the repository's own config is valid", async () => {
    const validate = await compileSchema();
    const own = JSON.parse(
      await readFile(join(REPO_ROOT, 'aiproxy.config.json'), 'utf8'),
    ) as unknown;

    expect(validate(own)).toBe(true);
    expect(checkProjectConfig(own)).toEqual([]);
  });

  it('agree field by field on the single-field table', async () => {
    const validate = await compileSchema();
    const base = { repository: 'acme/shop', appTemplate: 'a.yml', buildspec: 'b.yml' };
    for (const [field, values] of Object.entries(FIELDS)) {
      for (const value of values) {
        const doc = { ...base, [field]: value };
        expect({ field, value, hand: checkProjectConfig(doc).length === 0 }).toEqual({
          field,
          value,
          hand: validate(doc),
        });
      }
    }
  });
});
