import { readFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import { buildReport, enrichDenials } from '../../src/lib/doctor/enrich.js';
import type { ParsedDenial, PrincipalType } from '../../src/lib/doctor/types.js';
import { getActionFacts } from '../../src/lib/policy/actions.js';
import { denial } from '../policy/denial-fixtures.js';

interface ExpectedDenial {
  principal: string | null;
  action: string | null;
  resource: string | null;
  policyType: ParsedDenial['policyType'];
  deny: ParsedDenial['deny'];
  encoded: boolean;
  count: number;
}

const corpus = JSON.parse(
  readFileSync(new URL('../fixtures/corpus/expected.json', import.meta.url), 'utf8'),
) as { file: string; denials: ExpectedDenial[] }[];

// What the parser derives from a printed principal; enough for these stories.
function principalFields(principal: string | null): Partial<ParsedDenial> {
  if (principal === null)
    return { principalType: null, roleArn: null, roleName: null, account: null };
  if (principal === 'anonymous') {
    return { principalType: 'anonymous', roleArn: null, roleName: null, account: null };
  }
  const m =
    /^arn:([\w-]+):(?:sts|iam)::([^:]+):(assumed-role|role|user|federated-user|root)(?:\/([^/]+))?/.exec(
      principal,
    );
  const [, partition = 'aws', account = '', kind = 'user', name = null] = m ?? [];
  const type = kind as PrincipalType;
  const isRole = type === 'assumed-role' || type === 'role';
  return {
    principalType: type,
    roleArn: isRole ? `arn:${partition}:iam::${account}:role/${name}` : null,
    roleName: isRole ? name : null,
    account: /^\d{12}$/.test(account) ? account : null,
  };
}

function parsedFrom(file: string, e: ExpectedDenial, index: number): ParsedDenial {
  return denial({
    ...principalFields(e.principal),
    principal: e.principal,
    action: e.action,
    operation: null,
    resource: e.resource,
    policyType: e.policyType,
    deny: e.deny,
    encoded: e.encoded,
    count: e.count,
    source: { file, line: index + 1, writer: 'build' },
  });
}

// A printed resource and the ARN granted for it: equal, or IAM's `role NAME` form of that ARN.
function sameResource(printed: string | null, granted: string): boolean {
  if (printed === granted) return true;
  const named = /^(role|policy|user|group|instance-profile) (\S+)$/.exec(printed ?? '');
  return named !== null && granted.endsWith(`:${named[1]}/${named[2]}`);
}

const allParsed = corpus.flatMap((c) => c.denials.map((e, i) => parsedFrom(c.file, e, i)));

describe('enrichDenials', () => {
  it('adds likelyAction and an explanation, and drops serviceHint', async () => {
    // Given an operation-only denial whose SDK names the service
    const [d] = await enrichDenials([
      denial({ action: null, operation: 'GetAuthorizationToken', serviceHint: 'amazonecr' }),
    ]);
    // Then the action is inferred, explained, and the hint is gone
    expect(d?.likelyAction).toBe('ecr:GetAuthorizationToken');
    expect(d?.explanation).toMatch(/inferred from the GetAuthorizationToken operation/);
    expect(d).not.toHaveProperty('serviceHint');
  });

  it('infers nothing when the action was printed, or the operation is ambiguous', async () => {
    const [printed, ambiguous] = await enrichDenials([
      denial({ serviceHint: 'ecr' }),
      denial({ action: null, operation: 'GetAuthorizationToken', serviceHint: null }),
    ]);
    expect(printed?.likelyAction).toBeNull();
    expect(ambiguous?.likelyAction).toBeNull();
  });
});

describe('buildReport over the corpus', () => {
  it('explains every denial in one clean paragraph', async () => {
    // Given every denial the corpus expects, as the parser hands them over
    const report = await buildReport(allParsed);
    // Then each has an explanation, with no control characters or newlines
    expect(report.denials).toHaveLength(allParsed.length);
    for (const d of report.denials) {
      expect(d.explanation.length).toBeGreaterThan(20);
      expect(d.explanation).not.toMatch(/[\n\r\t]/);
      expect([...d.explanation].some((c) => c.charCodeAt(0) < 0x20)).toBe(false);
    }
  });

  it('grants only what the messages name, and * only to wildcard-only actions', async () => {
    const report = await buildReport(allParsed);
    for (const patch of report.patches) {
      for (const s of patch.document.Statement) {
        const actions = Array.isArray(s.Action) ? s.Action : [s.Action];
        const resources = Array.isArray(s.Resource) ? s.Resource : [s.Resource];
        for (const action of actions) {
          const facts = await getActionFacts(action);
          // Then every granted pair was denied to that role, or the action supports only *
          const named = allParsed.some(
            (d) =>
              d.roleArn === patch.roleArn &&
              d.action === action &&
              resources.some((r) => sameResource(d.resource, r)),
          );
          expect(named || facts?.wildcardOnly, `${action} on ${resources.join()}`).toBe(true);
          if (resources.includes('*')) expect(facts?.wildcardOnly).toBe(true);
        }
      }
    }
  });

  it.each<[string, string, (r: Awaited<ReturnType<typeof buildReport>>) => void]>([
    [
      '003 old-style push: inferred identity gap, exact repository',
      '003-codebuild-docker-push-completelayerupload-oldstyle.log',
      (r) => {
        expect(r.patches[0]?.document.Statement[0]).toMatchObject({
          Action: 'ecr:CompleteLayerUpload',
          Resource: 'arn:aws:ecr:eu-west-1:777788889999:repository/sample-shop/service',
        });
        expect(r.patches[0]?.risky.map((f) => f.technique)).toContain('ecr-image-poisoning');
      },
    ],
    [
      '014 masked account: uncovered',
      '014-cfct-codebuild-ssm-masked-account.log',
      (r) => {
        expect(r.patches[0]?.document.Statement).toEqual([]);
        expect(r.patches[0]?.uncovered?.[0]?.reason).toMatch(/masked/);
      },
    ],
    [
      '053 identity then VPC endpoint: only the identity half is patched',
      '053-ecs-stopped-reason-vpc-endpoint.log',
      (r) => {
        expect(r.patches).toHaveLength(1);
        expect(r.denials[1]?.explanation).toMatch(/VPC endpoint/);
      },
    ],
    [
      '062 AssumeRole of an admin role: risky',
      '062-python-bytes-literal-newlines-assumerole.log',
      (r) => {
        expect(r.patches[0]?.risky.map((f) => f.technique)).toContain('sts-assume-permissive-role');
      },
    ],
    [
      '045 explicit key-policy deny: no patch',
      '045-kms-explicit-resource-based-double-escaped.log',
      (r) => {
        expect(r.patches).toEqual([]);
        expect(r.denials[0]?.explanation).toMatch(/key policy/);
      },
    ],
    [
      '019 IAM user: no patch, and the explanation says why',
      '019-cdk-bootstrap-getrole-nonarn-resource.log',
      (r) => {
        expect(r.patches).toEqual([]);
        expect(r.denials[0]?.explanation).toMatch(/roles only/);
      },
    ],
  ])('%s', async (_story, file, check) => {
    // Given one corpus file's denials
    const parsed = allParsed.filter((d) => d.source.file === file);
    expect(parsed.length).toBeGreaterThan(0);
    // When the report is built, Then the story holds
    check(await buildReport(parsed));
  });
});
