import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { buildReport } from '../../../src/lib/doctor/enrich.js';
import { executeApply, planApply } from '../../../src/lib/doctor/live/apply.js';
import type { LiveDiagnosis, Placement, Verification } from '../../../src/lib/doctor/live/types.js';
import { parseDenialText } from '../../../src/lib/doctor/parse/index.js';
import { patchToCloudFormationYaml } from '../../../src/lib/doctor/snippet.js';
import {
  ACCOUNT,
  PutRolePolicyCommand,
  REGION,
  context,
  mockAws,
  type AwsMocks,
} from './support.js';

let aws: AwsMocks;
let project: string;
beforeEach(() => {
  aws = mockAws();
  project = mkdtempSync(join(tmpdir(), 'aiproxy-doctor-apply-'));
  // A repository root: the config search stops here.
  mkdirSync(join(project, '.git'));
  writeFileSync(
    join(project, 'aiproxy.config.json'),
    `${JSON.stringify({ repository: 'acme/aiproxy', appTemplate: 'infra/app.yml', buildspec: 'buildspec.yml' }, null, 2)}\n`,
  );
});
afterEach(() => aws.restore());

const BUILD_ROLE = `aiproxy-main-build-${REGION}`;
const ECR_DENIAL = `User: arn:aws:sts::${ACCOUNT}:assumed-role/${BUILD_ROLE}/AWSCodeBuild-1 is not authorized to perform: ecr:GetAuthorizationToken on resource: * because no identity-based policy allows the ecr:GetAuthorizationToken action`;

/** A diagnosis of one denial message, with the role placed as given. */
async function diagnosisOf(
  message: string,
  placement: Partial<Placement>,
  verification: Partial<Verification> = {
    status: 'allowed',
    summary: 'allowed by the evaluated policies',
  },
): Promise<LiveDiagnosis> {
  const report = await buildReport(
    parseDenialText(message, { file: 'build', line: 1, writer: 'aws' }),
  );
  const roleArn = report.denials[0]?.roleArn ?? '';
  const roleName = report.denials[0]?.roleName ?? null;
  return {
    target: {
      kind: 'build',
      name: 'b:1',
      executionId: null,
      status: 'FAILED',
      startTime: null,
      lastUpdateTime: null,
      selection: 'named',
      newerSuccess: null,
      newerRuns: [],
      account: ACCOUNT,
      region: REGION,
    },
    failedActions: [],
    report,
    placement: [
      {
        roleArn,
        roleName,
        kind: 'pipeline-template',
        evidence: 'stack-resource',
        reason: 'Stack aiproxy-main-cicd created it.',
        fix: 'the config',
        account: ACCOUNT,
        path: '/aiproxy/',
        resolvedArn: roleArn.replace(':role/', ':role/aiproxy/'),
        boundaryArn: null,
        tags: {},
        stackName: 'aiproxy-main-cicd',
        logicalId: 'BuildRole',
        serviceLinked: false,
        branch: 'main',
        buildRole: true,
        policies: null,
        ...placement,
      },
    ],
    verification: [
      {
        roleArn,
        status: 'allowed',
        summary: '',
        evaluated: [],
        notEvaluated: [],
        results: [],
        ...verification,
      },
    ],
    source: { file: 'codebuild:b:1', bytes: 0, lines: 0 },
    notes: [],
    snippets: new Map(report.patches.map((p) => [p.roleArn, patchToCloudFormationYaml(p)])),
    requests: { beforeRoles: 0, total: 0 },
    outcome: 'denials',
  };
}

const configPath = (): string => join(project, 'aiproxy.config.json');

describe('--apply for the build role of a pipeline stack', () => {
  it('shows the config diff first, writes nothing until applied, then offers the deploy', async () => {
    const diagnosis = await diagnosisOf(ECR_DENIAL, {});
    const before = readFileSync(configPath(), 'utf8');

    // When the plan is made
    const [plan] = await planApply(diagnosis, { direct: false, cwd: join(project) });

    // Then it is a config change, shown as a diff, and the file is untouched
    expect(plan).toMatchObject({
      mode: 'config',
      configPath: configPath(),
      deployCommand: 'aiproxy deploy --branch main',
    });
    expect(plan?.mode === 'config' && plan.diff).toMatch(
      /^\+ +"Action": "ecr:GetAuthorizationToken",$/m,
    );
    expect(plan?.mode === 'config' && plan.diff).toMatch(/^- {2}"buildspec": "buildspec.yml"$/m);
    expect(readFileSync(configPath(), 'utf8')).toBe(before);

    // When it is applied
    const result = await executeApply(context(), plan as NonNullable<typeof plan>);

    // Then the statement is in build.extraStatements, and the next step is the deploy
    const config = JSON.parse(readFileSync(configPath(), 'utf8')) as {
      build: { extraStatements: unknown[] };
    };
    expect(config.build.extraStatements).toEqual([
      {
        Sid: 'AllowEcrGetAuthorizationToken',
        Effect: 'Allow',
        Action: 'ecr:GetAuthorizationToken',
        Resource: '*',
      },
    ]);
    expect(result).toMatchObject({ mode: 'config', changed: true });
    expect(result.next).toContain('aiproxy deploy --branch main');
  });

  it('needs the project config, and says where to run from', async () => {
    const diagnosis = await diagnosisOf(ECR_DENIAL, {});
    const elsewhere = mkdtempSync(join(tmpdir(), 'aiproxy-no-config-'));
    mkdirSync(join(elsewhere, '.git'));

    await expect(planApply(diagnosis, { direct: false, cwd: elsewhere })).rejects.toMatchObject({
      code: 'CONFIG_NOT_FOUND',
      exitCode: 2,
    });
  });
});

describe('--apply for other roles prints the change instead', () => {
  it('a role of the application template: the snippet for a pull request', async () => {
    const message = ECR_DENIAL.replaceAll(BUILD_ROLE, 'aiproxy-main-app-TaskRole-X1');
    const diagnosis = await diagnosisOf(message, {
      kind: 'app-template',
      logicalId: 'TaskRole',
      stackName: 'aiproxy-main-app',
      buildRole: false,
    });

    const [plan] = await planApply(diagnosis, { direct: false, cwd: project });

    expect(plan).toMatchObject({ mode: 'print', kind: 'app-template' });
    expect(plan?.mode === 'print' && plan.instructions).toMatch(
      /Properties.Policies of TaskRole .* pull request/,
    );
    expect(plan?.mode === 'print' && plan.snippet).toContain('ecr:GetAuthorizationToken');
    const result = await executeApply(context(), plan as NonNullable<typeof plan>);
    expect(result.changed).toBe(false);
  });

  it('a global role: a reviewed change to aiproxy’s global policies, not a setup option', async () => {
    // Given a denial on a global role, which aiproxy fixes on purpose
    const message = ECR_DENIAL.replaceAll(BUILD_ROLE, `aiproxy-global-pipeline-${REGION}`);
    const diagnosis = await diagnosisOf(message, { kind: 'global', buildRole: false });

    // When --apply plans it
    const [plan] = await planApply(diagnosis, { direct: false, cwd: project });

    // Then it prints where the change really goes: a pull request to aiproxy's global policies,
    // reviewed against the escalation matrix, then setup with the new version; or --direct
    const instructions = plan?.mode === 'print' ? plan.instructions : '';
    expect(instructions).toContain('src/lib/templates/global-policies.ts');
    expect(instructions).toContain('docs/escalation-matrix.md');
    expect(instructions).toMatch(/re-runs `aiproxy setup` with the new version/);
    expect(instructions).toContain('--apply --direct');
    // And never that setup takes the statements: it has no flag or config for them
    expect(instructions).not.toMatch(/in the global template|adds these statements/);
  });
});

describe('--apply --direct', () => {
  it('puts exactly the shown document on the role, as one named inline policy', async () => {
    const diagnosis = await diagnosisOf(ECR_DENIAL, {
      policies: {
        read: true,
        inline: ['build', 'aiproxy-doctor-20260301'],
        attached: [],
        boundary: null,
        reason: null,
        findings: [],
      },
    });
    aws.iam.on(PutRolePolicyCommand).resolves({});

    const [plan] = await planApply(diagnosis, {
      direct: true,
      cwd: project,
      now: new Date('2026-03-01T12:00:00Z'),
    });
    const result = await executeApply(context(), plan as NonNullable<typeof plan>);

    // The name is easy to find, and does not overwrite today's earlier one
    expect(plan).toMatchObject({
      mode: 'direct',
      policyName: 'aiproxy-doctor-20260301-2',
      roleName: BUILD_ROLE,
    });
    const shown = plan?.mode === 'direct' ? plan.document : '';
    expect(aws.iam.commandCalls(PutRolePolicyCommand)[0]?.args[0].input).toEqual({
      RoleName: BUILD_ROLE,
      PolicyName: 'aiproxy-doctor-20260301-2',
      PolicyDocument: shown,
    });
    expect(result.message).toMatch(/drifts/);
    expect(result.next).toMatch(/Permanent fix: .*delete-role-policy --role-name/);
  });
});

describe('--apply refuses (exit 4)', () => {
  it('a risky patch', async () => {
    const message = `User: arn:aws:sts::${ACCOUNT}:assumed-role/${BUILD_ROLE}/s is not authorized to perform: iam:PassRole on resource: arn:aws:iam::${ACCOUNT}:role/admin because no identity-based policy allows the iam:PassRole action`;
    const diagnosis = await diagnosisOf(message, {});
    expect(diagnosis.report.patches[0]?.risky.length).toBeGreaterThan(0);

    await expect(planApply(diagnosis, { direct: false, cwd: project })).rejects.toMatchObject({
      code: 'APPLY_RISKY',
      exitCode: 4,
    });
    await expect(planApply(diagnosis, { direct: true, cwd: project })).rejects.toMatchObject({
      code: 'APPLY_RISKY',
    });
  });

  it('a role in another account', async () => {
    const diagnosis = await diagnosisOf(ECR_DENIAL, {
      kind: 'foreign',
      evidence: 'account',
      reason: 'The role is in account 999988887777, not in the caller’s account.',
    });

    await expect(planApply(diagnosis, { direct: true, cwd: project })).rejects.toMatchObject({
      code: 'APPLY_FOREIGN_ROLE',
      exitCode: 4,
      message: expect.stringContaining('999988887777') as string,
    });
  });

  it('a resource in another account', async () => {
    const kms = `User: arn:aws:sts::${ACCOUNT}:assumed-role/${BUILD_ROLE}/s is not authorized to perform: kms:Decrypt on resource: arn:aws:kms:${REGION}:999988887777:key/1234abcd-12ab-34cd-56ef-1234567890ab because no identity-based policy allows the kms:Decrypt action`;
    const diagnosis = await diagnosisOf(kms, {});

    await expect(planApply(diagnosis, { direct: false, cwd: project })).rejects.toMatchObject({
      exitCode: 4,
      message: expect.stringContaining('999988887777') as string,
    });
  });

  it('a service-linked role', async () => {
    const diagnosis = await diagnosisOf(ECR_DENIAL, {
      kind: 'foreign',
      serviceLinked: true,
      reason: 'service-linked',
    });

    await expect(planApply(diagnosis, { direct: true, cwd: project })).rejects.toMatchObject({
      code: 'APPLY_FOREIGN_ROLE',
      message: expect.stringContaining('service-linked role') as string,
    });
  });

  it('denials no patch can fix', async () => {
    const message = `User: arn:aws:sts::${ACCOUNT}:assumed-role/${BUILD_ROLE}/s is not authorized to perform: ecr:GetAuthorizationToken on resource: * with an explicit deny in a service control policy`;
    const diagnosis = await diagnosisOf(message, {});

    await expect(planApply(diagnosis, { direct: false, cwd: project })).rejects.toMatchObject({
      code: 'APPLY_NOTHING',
      exitCode: 4,
    });
  });

  it('a patch the simulator says would still be denied', async () => {
    const diagnosis = await diagnosisOf(
      ECR_DENIAL,
      {},
      {
        status: 'still-denied',
        summary: 'still denied by the permissions boundary (ecr:GetAuthorizationToken on *)',
      },
    );

    await expect(planApply(diagnosis, { direct: false, cwd: project })).rejects.toMatchObject({
      code: 'APPLY_WOULD_NOT_HELP',
    });
  });
});
