/**
 * Checks a patch with `iam:SimulatePrincipalPolicy`: the role's own policies, plus the patch
 * passed as an extra policy, evaluated for each denied action and resource. The simulator
 * includes the role's permissions boundary; it does not evaluate SCPs, session policies, VPC
 * endpoint policies or resource policies that are not supplied, and the report says so. A
 * check that did not run (no permission, an error) is reported as "not checked", never as a
 * pass.
 * https://docs.aws.amazon.com/IAM/latest/APIReference/API_SimulatePrincipalPolicy.html
 */
import { SimulatePrincipalPolicyCommand, type EvaluationResult } from '@aws-sdk/client-iam';

import { actionFor } from '../../aws/errors.js';
import { AiproxyError } from '../../errors.js';
import type { PolicyPatch, PolicyStatement } from '../types.js';
import { isAccessDenied, read, type LiveReader } from './reads.js';
import type { SimulationResult, Verification } from './types.js';

/** What the simulator never sees, whatever the answer. */
export const NOT_EVALUATED = [
  'service control policies (SCPs) and resource control policies (RCPs)',
  'session policies',
  'VPC endpoint policies',
  'resource-based policies (none supplied)',
];

function asList(value: string | string[]): string[] {
  return typeof value === 'string' ? [value] : value;
}

function notChecked(roleArn: string, reason: string): Verification {
  return {
    roleArn,
    status: 'not-checked',
    summary: `not checked: ${reason}`,
    evaluated: [],
    notEvaluated: [],
    results: [],
  };
}

function deniedBy(result: EvaluationResult): string | null {
  if (result.EvalDecision === 'allowed') return null;
  if (result.EvalDecision === 'explicitDeny') {
    const ids = (result.MatchedStatements ?? [])
      .map((s) => s.SourcePolicyId)
      .filter((id): id is string => id !== undefined);
    return ids.length > 0
      ? `an explicit Deny in ${[...new Set(ids)].join(', ')}`
      : 'an explicit Deny';
  }
  if (result.PermissionsBoundaryDecisionDetail?.AllowedByPermissionsBoundary === false) {
    return 'the permissions boundary';
  }
  if (result.OrganizationsDecisionDetail?.AllowedByOrganizations === false) {
    return 'an organization policy (SCP)';
  }
  return 'an implicit deny (no evaluated policy allows it)';
}

async function simulateStatement(
  reader: LiveReader,
  sourceArn: string,
  document: string,
  statement: PolicyStatement,
): Promise<SimulationResult[]> {
  const output = await read({ service: 'iam', operation: 'SimulatePrincipalPolicy' }, () =>
    reader.ctx.iam.send(
      new SimulatePrincipalPolicyCommand({
        PolicySourceArn: sourceArn,
        PolicyInputList: [document],
        ActionNames: asList(statement.Action),
        ResourceArns: asList(statement.Resource),
      }),
    ),
  );
  const results: SimulationResult[] = [];
  for (const result of output.EvaluationResults ?? []) {
    // The simulator answers per resource when given several: keep each pair.
    const perResource = result.ResourceSpecificResults ?? [];
    if (perResource.length === 0) {
      results.push({
        action: result.EvalActionName ?? '',
        resource: result.EvalResourceName ?? '*',
        decision: result.EvalDecision ?? 'implicitDeny',
        deniedBy: deniedBy(result),
        missingContext: result.MissingContextValues ?? [],
      });
      continue;
    }
    for (const specific of perResource) {
      const decision = specific.EvalResourceDecision ?? 'implicitDeny';
      results.push({
        action: result.EvalActionName ?? '',
        resource: specific.EvalResourceName ?? '*',
        decision,
        deniedBy: deniedBy({
          ...result,
          EvalDecision: decision,
          MatchedStatements: specific.MatchedStatements ?? [],
          ...(specific.PermissionsBoundaryDecisionDetail === undefined
            ? {}
            : { PermissionsBoundaryDecisionDetail: specific.PermissionsBoundaryDecisionDetail }),
        }),
        missingContext: specific.MissingContextValues ?? [],
      });
    }
  }
  return results;
}

/**
 * Simulates the role with the patch added, one call per statement (a statement's actions share
 * its resources, so no action is evaluated against another's resource).
 *
 * @param sourceArn the role's ARN with its path, as IAM knows it.
 */
export async function verifyPatch(
  reader: LiveReader,
  patch: PolicyPatch,
  sourceArn: string,
  boundaryArn: string | null,
): Promise<Verification> {
  if (patch.document.Statement.length === 0) {
    return notChecked(patch.roleArn, 'the patch has no statement to check.');
  }
  const document = JSON.stringify(patch.document);
  const results: SimulationResult[] = [];
  try {
    for (const statement of patch.document.Statement) {
      results.push(...(await simulateStatement(reader, sourceArn, document, statement)));
    }
  } catch (error) {
    if (isAccessDenied(error)) {
      return notChecked(
        patch.roleArn,
        `the caller may not call ${actionFor('iam', 'SimulatePrincipalPolicy')} on this role.`,
      );
    }
    if (error instanceof AiproxyError && error.code === 'AWS_CREDENTIALS') throw error;
    const message = error instanceof Error ? error.message : String(error);
    return notChecked(patch.roleArn, `the simulator did not answer (${message}).`);
  }
  if (results.length === 0) return notChecked(patch.roleArn, 'the simulator returned no result.');

  const evaluated = [
    'the role’s identity policies (inline and attached)',
    boundaryArn === null
      ? 'no permissions boundary (the role has none)'
      : `its permissions boundary ${boundaryArn}`,
    'the proposed patch',
  ];
  const denied = results.filter((r) => r.decision !== 'allowed');
  const missing = [...new Set(results.flatMap((r) => r.missingContext))];
  const notEvaluated = [
    ...NOT_EVALUATED,
    ...(missing.length > 0 ? [`conditions on ${missing.join(', ')} (no value supplied)`] : []),
  ];
  if (denied.length === 0) {
    return {
      roleArn: patch.roleArn,
      status: 'allowed',
      summary: 'allowed by the evaluated policies',
      evaluated,
      notEvaluated,
      results,
    };
  }
  const byReason = new Map<string, string[]>();
  for (const r of denied) {
    const key = r.deniedBy ?? 'a policy';
    byReason.set(key, [...(byReason.get(key) ?? []), `${r.action} on ${r.resource}`]);
  }
  const reasons = [...byReason].map(([why, pairs]) => `${why} (${pairs.join(', ')})`);
  return {
    roleArn: patch.roleArn,
    status: 'still-denied',
    summary: `still denied by ${reasons.join('; ')}`,
    evaluated,
    notEvaluated,
    results,
  };
}

/** The verification of a patch that was not simulated, with the reason. */
export function notVerified(roleArn: string, reason: string): Verification {
  return notChecked(roleArn, reason);
}
