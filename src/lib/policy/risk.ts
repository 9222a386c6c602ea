/**
 * Whether a proposed policy would let a role reach beyond its application. A patch is built
 * from log text, and build output is whatever the build's code printed: a pull request can
 * print a denial for `iam:PassRole` on `*`. So every patch is checked here, whatever its
 * source, and a risky one is never presented as a plain recommendation.
 */
import type { PolicyDocument, PolicyStatement, RiskFinding } from '../doctor/types.js';
import { wildcardMatches } from './arn.js';
import catalog from './privesc-catalog.json' with { type: 'json' };
import type { PivotScope, TechniqueRule } from './risk-rules.js';
import { TECHNIQUE_RULES } from './risk-rules.js';
import type { ScopeContext } from './scope.js';
import { coversSelf, isAppResource, isAppRolePattern, isBroad, resourceAccount } from './scope.js';

/** The role a patch is for, and the application it belongs to. */
export type RiskContext = ScopeContext;

/** One entry of `privesc-catalog.json`. */
export interface CatalogEntry {
  id: string;
  actions: string[];
  dangerous_when: string;
  description: string;
  source: string;
}

/** The privilege-escalation catalog shipped with aiproxy. */
export const PRIVESC_CATALOG: readonly CatalogEntry[] = catalog;

const DESCRIPTIONS = new Map(PRIVESC_CATALOG.map((e) => [e.id, e.description]));

/** One action granted on one resource by an Allow statement. */
interface Grant {
  action: string;
  resource: string;
  statement: PolicyStatement;
}

function toList(value: string | string[]): string[] {
  return Array.isArray(value) ? value : [value];
}

function grantsOf(document: PolicyDocument): Grant[] {
  // A Deny in a patch takes nothing away from what the role has elsewhere, and grants nothing.
  return document.Statement.filter((s) => s.Effect === 'Allow').flatMap((statement) =>
    toList(statement.Action).flatMap((action) =>
      toList(statement.Resource).map((resource) => ({ action, resource, statement })),
    ),
  );
}

/** Whether an action pattern of a policy (`iam:*`, `*`, `iam:PassRole`) covers an action. */
function grantsAction(pattern: string, action: string): boolean {
  return wildcardMatches(pattern, action, true);
}

// A statement constrains a key when a positive String/Arn operator (without IfExists, which
// passes when the key is absent) names it.
function constrains(statement: PolicyStatement, keys: readonly string[]): boolean {
  const wanted = keys.map((k) => k.toLowerCase());
  return Object.entries(statement.Condition ?? {}).some(
    ([operator, block]) =>
      /^(String|Arn)(Equals|Like)$/.test(operator) &&
      Object.keys(block).some((k) => wanted.includes(k.toLowerCase())),
  );
}

function inScope(scope: PivotScope, resource: string, context: RiskContext): boolean {
  switch (scope) {
    case 'any':
      return true;
    case 'broad':
      return isBroad(resource);
    case 'beyond':
      return !isAppResource(resource, context);
    case 'self-or-beyond':
      return !isAppResource(resource, context) || coversSelf(resource, context);
  }
}

/** A grant that makes a technique work, with the pivot's scope that it falls in. */
interface PivotGrant extends Grant {
  scope: PivotScope;
}

/** Grants of `pivot` that make the technique work. */
function dangerousGrants(
  rule: TechniqueRule,
  pivot: string,
  grants: Grant[],
  context: RiskContext,
): PivotGrant[] {
  const scope = rule.pivots[pivot];
  if (scope === undefined) return [];
  return grants
    .filter(
      (g) =>
        grantsAction(g.action, pivot) &&
        inScope(scope, g.resource, context) &&
        !(rule.defusedBy && constrains(g.statement, rule.defusedBy)),
    )
    .map((g) => ({ ...g, scope }));
}

function overlap(a: string, b: string): boolean {
  return wildcardMatches(a, b) || wildcardMatches(b, a);
}

/** How far a document takes a technique: every action of a route, or only a dangerous pivot. */
interface TechniqueMatch {
  rule: TechniqueRule;
  complete: boolean;
  /** The pivot grants that make it dangerous. */
  pivots: PivotGrant[];
  /** Actions of the nearest route the document does not grant. */
  missing: string[];
}

function matchRule(
  rule: TechniqueRule,
  grants: Grant[],
  context: RiskContext,
): TechniqueMatch | null {
  let best: TechniqueMatch | null = null;
  for (const route of rule.routes) {
    const pivots = route.filter((a) => rule.pivots[a] !== undefined);
    const byPivot = pivots.map((p) => dangerousGrants(rule, p, grants, context));
    const dangerous = byPivot.flat();
    if (dangerous.length === 0) continue;

    // A pivot counts only where it is dangerous; a commodity action anywhere at all.
    const missing = route.filter((a) => {
      const at = pivots.indexOf(a);
      return at === -1
        ? !grants.some((g) => grantsAction(g.action, a))
        : (byPivot[at] ?? []).length === 0;
    });
    const sameTarget =
      !rule.sameResource ||
      byPivot.every((gs) =>
        gs.some((g) =>
          byPivot.every((others) => others.some((o) => overlap(o.resource, g.resource))),
        ),
      );
    const complete = missing.length === 0 && sameTarget;
    if (!best || (complete && !best.complete) || missing.length < best.missing.length) {
      best = { rule, complete, pivots: dangerous, missing };
    }
  }
  return best;
}

function describeResource(resource: string): string {
  return resource === '*' ? 'every resource (*)' : resource;
}

// How far a dangerous grant reaches, in the words of its pivot's scope.
const SCOPE_WORDS: Readonly<Record<PivotScope, string>> = {
  beyond: 'reaches beyond the application',
  'self-or-beyond': 'reaches the role itself or beyond the application',
  broad: 'covers every resource of its kind',
  any: 'is dangerous wherever it points, even inside the application',
};

function techniqueReason(match: TechniqueMatch, grant: PivotGrant, others: string[]): string {
  const description = DESCRIPTIONS.get(match.rule.id) ?? '';
  const where = `${grant.action} on ${describeResource(grant.resource)} ${SCOPE_WORDS[grant.scope]}`;
  const completion = match.complete
    ? 'This patch grants every action the technique needs.'
    : `The technique also needs ${match.missing.join(', ')}, which the role may already have.`;
  const more = others.length > 0 ? ` Also a step of: ${others.join(', ')}.` : '';
  return `${where}. ${description} ${completion}${more}`;
}

const IAM_READ = /^(Get|List|Simulate|Generate)/;

/**
 * Whether an action pattern covers an IAM write: any IAM action but Get/List/Simulate/Generate,
 * which is exactly the reference's Read and List levels (`test/policy/risk.test.ts` checks it
 * against the data, so this stays synchronous).
 */
export function coversIamWrite(pattern: string): boolean {
  if (!wildcardMatches(pattern.split(':')[0] ?? '', 'iam', true)) return false;
  const name = pattern.includes(':') ? pattern.slice(pattern.indexOf(':') + 1) : pattern;
  const literal = name.split(/[*?]/)[0] ?? '';
  // `iam:Get*` stays a read; `iam:*` or `iam:P*` can name a write.
  return !IAM_READ.test(literal) && !(literal === name && IAM_READ.test(name));
}

/** A finding of the scope rules; `crossAccount` ones are kept even beside a technique. */
interface ScopeFinding extends RiskFinding {
  crossAccount: boolean;
}

function scopeFindings(grants: Grant[], context: RiskContext): ScopeFinding[] {
  const findings: ScopeFinding[] = [];
  for (const g of grants) {
    const beyondRoles = !isAppRolePattern(g.resource, context);
    const target = describeResource(g.resource);
    if (beyondRoles && grantsAction(g.action, 'iam:PassRole')) {
      findings.push({
        action: g.action,
        crossAccount: false,
        reason: `${g.action} on ${target} lets the role hand roles other than the application's own (role/${context.appPrefix}/*) to AWS services, which then act with those roles' power.`,
      });
    } else if (beyondRoles && grantsAction(g.action, 'sts:AssumeRole')) {
      findings.push({
        action: g.action,
        crossAccount: false,
        reason: `${g.action} on ${target} lets the role become roles other than the application's own (role/${context.appPrefix}/*).`,
      });
    } else if (beyondRoles && coversIamWrite(g.action)) {
      findings.push({
        action: g.action,
        crossAccount: false,
        reason: `${g.action} is an IAM write on ${target}, outside the application's own roles (role/${context.appPrefix}/*): IAM changes belong to the admin's setup, not to a workload.`,
      });
    }
    const account = resourceAccount(g.resource);
    if (account !== null && account !== context.account) {
      findings.push({
        action: g.action,
        crossAccount: true,
        reason: `${g.action} on ${g.resource} reaches account ${account}, outside the role's account ${context.account}: make sure that account is meant to trust this role.`,
      });
    }
  }
  return findings;
}

/**
 * Checks a policy document against the privilege-escalation catalog and the application's
 * scope. A finding is raised when, with the document, the role could use a catalog technique
 * (as far as the document shows: actions the role may already hold are assumed held), when it
 * grants an IAM write, `iam:PassRole` or `sts:AssumeRole` beyond the application's own roles,
 * or when a resource lies in another account. An empty result means none of these.
 */
export function assessPatch(document: PolicyDocument, context: RiskContext): RiskFinding[] {
  const grants = grantsOf(document);
  const matches = TECHNIQUE_RULES.map((rule) => matchRule(rule, grants, context)).filter(
    (m): m is TechniqueMatch => m !== null,
  );

  // Complete techniques each get a finding; partial ones are folded per action, so that
  // `iam:PassRole` on `*` reads as one finding naming the twenty techniques it opens.
  const findings: RiskFinding[] = [];
  const seen = new Set<string>();
  for (const match of matches.filter((m) => m.complete)) {
    const grant = match.pivots[0] as PivotGrant;
    findings.push({
      action: grant.action,
      reason: techniqueReason(match, grant, []),
      technique: match.rule.id,
    });
    seen.add(grant.action.toLowerCase());
  }
  const partialByAction = new Map<string, TechniqueMatch[]>();
  for (const match of matches.filter((m) => !m.complete)) {
    const key = (match.pivots[0] as PivotGrant).action;
    partialByAction.set(key, [...(partialByAction.get(key) ?? []), match]);
  }
  for (const [action, group] of partialByAction) {
    if (seen.has(action.toLowerCase())) continue;
    const [first, ...rest] = group as [TechniqueMatch, ...TechniqueMatch[]];
    const grant = first.pivots[0] as PivotGrant;
    findings.push({
      action,
      reason: techniqueReason(
        first,
        grant,
        rest.map((m) => m.rule.id),
      ),
      technique: first.rule.id,
    });
    seen.add(action.toLowerCase());
  }

  // The scope rules add what the catalog did not already name, and every other-account resource.
  for (const { crossAccount, ...finding } of scopeFindings(grants, context)) {
    const key = finding.action.toLowerCase();
    if (crossAccount || !seen.has(key)) findings.push(finding);
    if (!crossAccount) seen.add(key);
  }
  return findings;
}
