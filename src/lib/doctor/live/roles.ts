/**
 * After the denials are found: resolve each denied role, place it, read its policies so an
 * action it already has is explained rather than patched again, and check each remaining patch
 * with the policy simulator.
 */
import { statementsFor } from '../patch.js';
import type { Denial, DoctorReport, PolicyPatch } from '../types.js';
import { placeRole, type PlacementContext } from './placement.js';
import { evaluateGrant, readRolePolicies } from './policies.js';
import type { LiveReader } from './reads.js';
import { notVerified, verifyPatch } from './simulate.js';
import type { Placement, PolicyFinding, Verification } from './types.js';

/** The placement of every denied role, the patches that still make sense, and their checks. */
export interface RoleResolution {
  report: DoctorReport;
  placement: Placement[];
  verification: Verification[];
}

function asList(value: string | string[]): string[] {
  return typeof value === 'string' ? [value] : value;
}

/** The (action, resource) pairs a patch grants. */
function grantsOf(patch: PolicyPatch): [string, string][] {
  return patch.document.Statement.flatMap((s) =>
    asList(s.Action).flatMap((a) => asList(s.Resource).map((r) => [a, r] as [string, string])),
  );
}

/**
 * The patch without the grants the role's policies already decide (allowed, explicitly denied,
 * blocked by the boundary): a patch cannot help there, and each finding says why.
 */
function withoutDecided(patch: PolicyPatch, findings: PolicyFinding[]): PolicyPatch {
  const decided = findings.filter((f) => f.verdict !== 'not-allowed' && f.verdict !== 'unknown');
  if (decided.length === 0) return patch;
  const key = (a: string, r: string): string => `${a.toLowerCase()} ${r}`;
  const drop = new Set(decided.map((f) => key(f.action, f.resource)));

  const grants = new Map<string, Set<string>>();
  for (const [action, resource] of grantsOf(patch)) {
    if (drop.has(key(action, resource))) continue;
    grants.set(action, (grants.get(action) ?? new Set<string>()).add(resource));
  }
  const kept = new Set([...grants.keys()].map((a) => a.toLowerCase()));
  const uncovered = [
    ...(patch.uncovered ?? []),
    ...decided.map((f) => ({ action: f.action, resource: f.resource, reason: f.explanation })),
  ];
  return {
    ...patch,
    document: { Version: '2012-10-17', Statement: statementsFor(grants) },
    // A risk found on a grant that is gone no longer applies.
    risky: patch.risky.filter((r) => kept.has(r.action.toLowerCase())),
    uncovered,
  };
}

/** Adds what the role's policies say to the explanation of each denial they decide. */
function explainDecided(denials: Denial[], placement: Placement[]): Denial[] {
  return denials.map((denial) => {
    const findings = placement.find((p) => p.roleArn === denial.roleArn)?.policies?.findings ?? [];
    const action = (denial.action ?? denial.likelyAction ?? '').toLowerCase();
    const finding = findings.find(
      (f) => f.action.toLowerCase() === action && f.verdict !== 'not-allowed',
    );
    return finding === undefined
      ? denial
      : {
          ...denial,
          explanation: `${denial.explanation} Checked against the role now: ${finding.explanation}`,
        };
  });
}

/** Places every role a denial names, checks its patch, and adjusts the report. */
export async function resolveRoles(
  reader: LiveReader,
  report: DoctorReport,
  context: PlacementContext,
): Promise<RoleResolution> {
  const roles = new Map<string, string | null>();
  for (const patch of report.patches) roles.set(patch.roleArn, patch.roleName);
  for (const denial of report.denials) {
    if (denial.roleArn !== null && !roles.has(denial.roleArn)) {
      roles.set(denial.roleArn, denial.roleName);
    }
  }

  const placement: Placement[] = [];
  for (const [roleArn, roleName] of roles) {
    placement.push(await placeRole(reader, roleArn, roleName, context));
  }

  const patches: PolicyPatch[] = [];
  for (const patch of report.patches) {
    const place = placement.find((p) => p.roleArn === patch.roleArn);
    // Only the application's roles are read: a foreign role is its owner's business.
    if (place === undefined || place.kind === 'foreign' || place.path === null) {
      patches.push(patch);
      continue;
    }
    const policies = await readRolePolicies(reader, place.roleName ?? '', place.boundaryArn);
    place.policies = policies.summary;
    if (!policies.summary.read) {
      patches.push(patch);
      continue;
    }
    const identityDenied = report.denials.some(
      (d) => d.roleArn === patch.roleArn && d.policyType === 'identity',
    );
    policies.summary.findings = grantsOf(patch).map(([action, resource]) =>
      evaluateGrant(policies, action, resource, identityDenied),
    );
    patches.push(withoutDecided(patch, policies.summary.findings));
  }

  const verification: Verification[] = [];
  for (const patch of patches) {
    const place = placement.find((p) => p.roleArn === patch.roleArn);
    if (place === undefined || place.kind === 'foreign') {
      verification.push(
        notVerified(
          patch.roleArn,
          'the role is not one of this application’s, so it is not simulated.',
        ),
      );
      continue;
    }
    verification.push(
      await verifyPatch(reader, patch, place.resolvedArn ?? patch.roleArn, place.boundaryArn),
    );
  }

  return {
    report: { denials: explainDecided(report.denials, placement), patches },
    placement,
    verification,
  };
}
