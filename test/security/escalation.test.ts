/**
 * The escalation matrix: every technique of the catalog, tried by every principal of the
 * design against targets outside the application's scope, in the simulator. A technique is
 * closed for a principal when no combination of actions it needs is allowed. The in-scope
 * variants the design allows on purpose are asserted allowed, so the proof cannot pass by
 * denying everything.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import { BY_DESIGN, CATALOG, needsOf, targetsOf, type Technique } from './escalation-model.js';
import { formatMarkdown } from './markdown.js';
import { decide, PRINCIPAL_NAMES, PRINCIPALS, type PrincipalName } from './simulate.js';

/** What one principal can do with one technique. */
interface Cell {
  /** Some alternative of the technique's needs is fully allowed. */
  open: boolean;
  /** Actions allowed on an escalation target, with the target (alone they do not suffice). */
  allowedAlone: string[];
  /** Every allowed request, for the failure message. */
  allowedRequests: string[];
}

interface Row {
  technique: Technique;
  cells: Record<PrincipalName, Cell>;
}

const rows = new Map<string, Promise<Row>>();

function rowOf(technique: Technique): Promise<Row> {
  let row = rows.get(technique.id);
  if (row === undefined) {
    row = evaluateRow(technique);
    rows.set(technique.id, row);
  }
  return row;
}

async function evaluateRow(technique: Technique): Promise<Row> {
  const needs = needsOf(technique);
  const cells = {} as Record<PrincipalName, Cell>;
  for (const name of PRINCIPAL_NAMES) {
    const allowedActions = new Set<string>();
    const allowedAlone = new Set<string>();
    const allowedRequests: string[] = [];
    for (const action of technique.actions) {
      for (const target of await targetsOf(action)) {
        for (const context of target.contexts) {
          const probe = { action, resource: target.resource, context };
          if ((await decide(PRINCIPALS[name], probe)) === 'Allowed') {
            allowedActions.add(action);
            allowedAlone.add(`\`${action}\` on ${target.label}`);
            allowedRequests.push(`${action} on ${target.label} ${JSON.stringify(context)}`);
          }
        }
      }
    }
    cells[name] = {
      open: needs.some((set) => set.every((action) => allowedActions.has(action))),
      allowedAlone: [...allowedAlone],
      allowedRequests,
    };
  }
  return { technique, cells };
}

describe('escalation matrix', () => {
  it('covers the 78 techniques of the catalog, each with a combination rule', () => {
    expect(CATALOG).toHaveLength(78);
    for (const technique of CATALOG) expect(needsOf(technique).length).toBeGreaterThan(0);
  });

  it.each(CATALOG.map((technique) => [technique.id, technique] as const))(
    '%s is closed for every principal',
    async (_id, technique) => {
      // Given the technique's actions on targets outside the application's scope
      // When every principal of the design tries them
      const row = await rowOf(technique);

      // Then no principal gets a working combination
      const open = PRINCIPAL_NAMES.filter((name) => row.cells[name].open).map(
        (name) => `${name}: ${row.cells[name].allowedRequests.join('; ')}`,
      );
      expect(open).toEqual([]);
    },
  );

  it.each(Object.entries(BY_DESIGN))(
    '%s: the in-scope variant stays allowed',
    async (id, byDesign) => {
      expect(CATALOG.some((technique) => technique.id === id)).toBe(true);
      for (const { principal, probe } of byDesign.allowed) {
        expect(await decide(PRINCIPALS[principal], probe), JSON.stringify(probe)).toBe('Allowed');
      }
    },
  );

  it('docs/escalation-matrix.md is the matrix the tests computed', async () => {
    const all = await Promise.all(CATALOG.map(rowOf));
    const path = new URL('../../docs/escalation-matrix.md', import.meta.url);
    const expected = await formatMarkdown(renderMatrix(all), path);

    if (process.env.UPDATE_DOCS === '1') writeFileSync(path, expected);

    expect(existsSync(path), 'run UPDATE_DOCS=1 npx vitest run test/security').toBe(true);
    expect(readFileSync(path, 'utf8')).toBe(expected);
  }, 300_000);
});

const COLUMNS: [PrincipalName, string][] = PRINCIPAL_NAMES.map((name) => [
  name,
  PRINCIPALS[name].label,
]);

function cellText(cell: Cell): string {
  if (cell.open) return '**OPEN**';
  if (cell.allowedAlone.length === 0) return 'denied';
  return `denied (alone: ${cell.allowedAlone.join(', ')})`;
}

function needsText(technique: Technique): string {
  return needsOf(technique)
    .map((set) => set.map((a) => a.split(':')[1]).join(' + '))
    .join(' / ');
}

function renderMatrix(all: Row[]): string {
  const byDesign = all.filter((row) => BY_DESIGN[row.technique.id] !== undefined);
  const open = all.filter((row) => PRINCIPAL_NAMES.some((name) => row.cells[name].open));
  const lines = all.map((row, i) => {
    const reason = BY_DESIGN[row.technique.id]?.reason;
    const result = reason === undefined ? 'denied' : `allowed by design in scope: ${reason}`;
    const cells = COLUMNS.map(([name]) => cellText(row.cells[name]));
    return `| ${i + 1} | \`${row.technique.id}\` | ${needsText(row.technique)} | ${cells.join(' | ')} | ${result} |`;
  });
  return [
    '# Escalation matrix',
    '',
    '<!-- Generated by test/security/escalation.test.ts; run',
    '     `UPDATE_DOCS=1 npx vitest run test/security` after changing a policy. -->',
    '',
    'Every technique of `test/fixtures/privesc-catalog.json`, tried in `@cloud-copilot/iam-simulate`',
    "by each principal of the design (the pipeline template's own CodeBuild role included) against targets outside the application's scope: the global",
    'roles, policies, stack and version marker, the workload boundary, roles and users outside',
    '`/aiproxy/`, an unbounded role squatting `/aiproxy/`, resources named outside the',
    "application, an app-named bucket in another account, and `*`. Callers' context keys are",
    'varied (present, absent, hostile). A cell says `denied` when every such request is denied,',
    'and lists the actions allowed alone when some are but no combination the technique needs is.',
    '',
    '"Allowed by design" means an in-scope variant is allowed on purpose (and a test asserts it',
    'stays allowed): the escalating requests are denied all the same.',
    '',
    `Totals: ${all.length} techniques; ${all.length - open.length} closed for all ${COLUMNS.length} principals,`,
    `${open.length} open; ${all.length - byDesign.length} denied outright, ${byDesign.length} allowed by design in scope.`,
    '',
    `| # | technique | needs | ${COLUMNS.map(([, label]) => label).join(' | ')} | result |`,
    `|---|---|---|${COLUMNS.map(() => '---').join('|')}|---|`,
    ...lines,
    '',
    '## What the matrix does not close',
    '',
    '- **Prefix squatting.** `UpdateAssumeRolePolicy`, `UpdateRole`, `TagRole`, `DeleteRole` and',
    '  `iam:PassRole` carry no documented boundary key, so they are scoped by the `/aiproxy/` path',
    '  alone: an unbounded role that someone else created under `/aiproxy/` could be re-trusted or',
    '  passed. `aiproxy setup` lists such roles and stops until they are resolved.',
    '- **Trust documents and resource policies** are not inspectable by any IAM key: an app role',
    '  may trust another account, and the execution role writes the resource policies of the',
    "  application's own buckets, repositories and functions. Review with IAM Access Analyzer.",
    "- **Branches share the application's scope**: any branch's build or app role reaches every",
    "  branch's `/aiproxy/` resources. Production belongs in its own account.",
    '- **`iam:PassedToService`** is matched with `StringEqualsIfExists` on the execution role (the',
    '  IAM guide says CodeBuild may not send it): the `/aiproxy/` path is the control.',
    '- **Extra build statements** from a project config are not in this matrix: `deploy` gates',
    '  them against the boundary (`test/security/codebuild-role.test.ts`).',
    '',
  ].join('\n');
}
