/**
 * The role's current policies (inline, attached, boundary), read when the caller may, and a
 * plain evaluation of one (action, resource) against them. The point is not to replace IAM's
 * evaluation (the simulator does that, see `simulate.ts`) but to stop proposing a patch for an
 * action the role already has: such a denial comes from somewhere else (the boundary, an SCP,
 * a session policy, a resource policy), and the report must say so.
 *
 * IAM returns policy documents URL-encoded (RFC 3986).
 * https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetRolePolicy.html
 */
import {
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetRolePolicyCommand,
  ListAttachedRolePoliciesCommand,
  ListRolePoliciesCommand,
} from '@aws-sdk/client-iam';

import { wildcardMatches } from '../../policy/arn.js';
import { readIfPermitted, type LiveReader } from './reads.js';
import type { CurrentPolicies, PolicyFinding } from './types.js';

/** A statement as found in a real policy: any of the element forms IAM accepts. */
interface AnyStatement {
  Sid?: string;
  Effect?: string;
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Condition?: unknown;
}

/** One policy document and its name. */
export interface NamedPolicy {
  name: string;
  statements: AnyStatement[];
}

/** The role's policies as read, split by the part they play in evaluation. */
export interface RolePolicies {
  identity: NamedPolicy[];
  boundary: NamedPolicy | null;
  summary: CurrentPolicies;
}

// Managed policies read at most: a role may have 20 attached (the default quota).
const MAX_ATTACHED = 20;

function parseDocument(name: string, encoded: string | undefined): NamedPolicy {
  let statements: AnyStatement[] = [];
  try {
    const document = JSON.parse(decodeURIComponent(encoded ?? '')) as { Statement?: unknown };
    const raw = document.Statement;
    statements = (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]) as AnyStatement[];
  } catch {
    // An unreadable document evaluates as empty; the simulator still sees the real one.
  }
  return { name, statements };
}

async function managedPolicy(reader: LiveReader, arn: string): Promise<NamedPolicy | undefined> {
  const policy = await readIfPermitted(
    reader,
    { service: 'iam', operation: 'GetPolicy', what: `read managed policy ${arn}` },
    () => reader.ctx.iam.send(new GetPolicyCommand({ PolicyArn: arn })),
  );
  const versionId = policy?.Policy?.DefaultVersionId;
  if (versionId === undefined) return undefined;
  const version = await readIfPermitted(
    reader,
    { service: 'iam', operation: 'GetPolicyVersion', what: `read managed policy ${arn}` },
    () =>
      reader.ctx.iam.send(new GetPolicyVersionCommand({ PolicyArn: arn, VersionId: versionId })),
  );
  if (version === undefined) return undefined;
  return parseDocument(arn, version.PolicyVersion?.Document);
}

/**
 * Reads the role's inline and attached policies and its boundary. Any read the caller may not
 * make leaves `summary.read` false with the reason; findings are then not made.
 */
export async function readRolePolicies(
  reader: LiveReader,
  roleName: string,
  boundaryArn: string | null,
): Promise<RolePolicies> {
  const notesBefore = reader.notes.length;
  const summary: CurrentPolicies = {
    read: false,
    inline: [],
    attached: [],
    boundary: boundaryArn,
    reason: null,
    findings: [],
  };
  const identity: NamedPolicy[] = [];
  const incomplete = (): RolePolicies => {
    summary.reason = reader.notes.slice(notesBefore).join(' ') || 'not all of them could be read';
    return { identity, boundary: null, summary };
  };

  const inline = await readIfPermitted(
    reader,
    {
      service: 'iam',
      operation: 'ListRolePolicies',
      what: `list the inline policies of ${roleName}`,
    },
    () => reader.ctx.iam.send(new ListRolePoliciesCommand({ RoleName: roleName })),
  );
  if (inline === undefined) return incomplete();
  for (const name of inline.PolicyNames ?? []) {
    const output = await readIfPermitted(
      reader,
      { service: 'iam', operation: 'GetRolePolicy', what: `read inline policy ${name}` },
      () => reader.ctx.iam.send(new GetRolePolicyCommand({ RoleName: roleName, PolicyName: name })),
    );
    if (output === undefined) return incomplete();
    summary.inline.push(name);
    identity.push(parseDocument(`inline policy ${name}`, output.PolicyDocument));
  }

  const attached = await readIfPermitted(
    reader,
    {
      service: 'iam',
      operation: 'ListAttachedRolePolicies',
      what: `list the managed policies of ${roleName}`,
    },
    () => reader.ctx.iam.send(new ListAttachedRolePoliciesCommand({ RoleName: roleName })),
  );
  if (attached === undefined) return incomplete();
  for (const policy of (attached.AttachedPolicies ?? []).slice(0, MAX_ATTACHED)) {
    const arn = policy.PolicyArn ?? '';
    const document = await managedPolicy(reader, arn);
    if (document === undefined) return incomplete();
    summary.attached.push(arn);
    identity.push(document);
  }

  let boundary: NamedPolicy | null = null;
  if (boundaryArn !== null) {
    const document = await managedPolicy(reader, boundaryArn);
    if (document === undefined) return incomplete();
    boundary = { ...document, name: `permissions boundary ${boundaryArn}` };
  }
  summary.read = true;
  return { identity, boundary, summary };
}

function list(value: string | string[] | undefined): string[] | undefined {
  return value === undefined ? undefined : typeof value === 'string' ? [value] : value;
}

type Match = 'yes' | 'no' | 'conditional';

/** Whether a statement applies to (action, resource); `conditional` when a Condition decides. */
function matches(statement: AnyStatement, action: string, resource: string): Match {
  const actions = list(statement.Action);
  const notActions = list(statement.NotAction);
  const actionHit =
    actions !== undefined
      ? actions.some((p) => wildcardMatches(p, action, true))
      : notActions !== undefined && !notActions.some((p) => wildcardMatches(p, action, true));
  if (!actionHit) return 'no';

  const resources = list(statement.Resource);
  const notResources = list(statement.NotResource);
  // A statement for every resource covers a patch's `*`; a specific one does not.
  const resourceHit =
    resources !== undefined
      ? resources.some((p) => (p.includes('${') ? false : wildcardMatches(p, resource)))
      : notResources !== undefined && !notResources.some((p) => wildcardMatches(p, resource));
  if (!resourceHit) return 'no';
  return statement.Condition === undefined ? 'yes' : 'conditional';
}

interface Decision {
  allow: NamedPolicy[];
  deny: NamedPolicy[];
  conditional: NamedPolicy[];
}

function decide(policies: NamedPolicy[], action: string, resource: string): Decision {
  const decision: Decision = { allow: [], deny: [], conditional: [] };
  for (const policy of policies) {
    for (const statement of policy.statements) {
      const hit = matches(statement, action, resource);
      if (hit === 'no') continue;
      const bucket =
        hit === 'conditional'
          ? decision.conditional
          : statement.Effect === 'Deny'
            ? decision.deny
            : decision.allow;
      if (!bucket.includes(policy)) bucket.push(policy);
    }
  }
  return decision;
}

const ELSEWHERE =
  'so the denial came from a policy outside the role: a service control policy (SCP), a session policy, a VPC endpoint policy or the resource’s own policy. Patching the role cannot help; ask whoever owns that policy.';

/**
 * What the role's policies say about one denied (action, resource). `deniedByIdentity` is true
 * when AWS's message said that no identity-based policy allowed it: a role that allows it now
 * was changed since the run.
 */
export function evaluateGrant(
  policies: RolePolicies,
  action: string,
  resource: string,
  deniedByIdentity: boolean,
): PolicyFinding {
  const names = (list: NamedPolicy[]): string[] => list.map((p) => p.name);
  const identity = decide(policies.identity, action, resource);
  const finding = (
    verdict: PolicyFinding['verdict'],
    decided: NamedPolicy[],
    explanation: string,
  ) => ({
    action,
    resource,
    verdict,
    policies: names(decided),
    explanation,
  });

  const boundary = policies.boundary;
  const bounded = boundary === null ? null : decide([boundary], action, resource);
  const boundaryBlocks =
    bounded !== null &&
    (bounded.deny.length > 0 || (bounded.allow.length === 0 && bounded.conditional.length === 0));

  if (identity.deny.length > 0) {
    return finding(
      'explicit-deny',
      identity.deny,
      `An explicit Deny in the role’s ${names(identity.deny).join(', ')} matches ${action}: an Allow cannot override it; change or remove that Deny instead.`,
    );
  }
  if (boundaryBlocks && boundary !== null) {
    const allowed =
      identity.allow.length > 0
        ? `The role’s ${names(identity.allow).join(', ')} already ${agree(identity.allow, 'allow')} ${action}, but`
        : 'Even with the patch,';
    return finding(
      'boundary-blocks',
      [boundary],
      `${allowed} its ${boundary.name} does not allow ${action} on ${resource}: only the boundary’s owner (the admin, through \`aiproxy setup\`) can change that, and patching the role cannot help.`,
    );
  }
  if (identity.allow.length === 0) {
    if (identity.conditional.length > 0) {
      return finding(
        'conditional',
        identity.conditional,
        `The role’s ${names(identity.conditional).join(', ')} ${agree(identity.conditional, 'allow')} ${action} only under a condition that was not met, or was not checked here.`,
      );
    }
    return finding(
      'not-allowed',
      [],
      `None of the role’s policies allows ${action} on ${resource}: the patch adds it.`,
    );
  }
  if (deniedByIdentity) {
    return finding(
      'allowed',
      identity.allow,
      `The role’s ${names(identity.allow).join(', ')} ${agree(identity.allow, 'allow')} ${action} now, although AWS said no identity-based policy did: the role changed since the run. Run the pipeline again.`,
    );
  }
  return finding(
    'allowed',
    identity.allow,
    `The role’s ${names(identity.allow).join(', ')} already ${agree(identity.allow, 'allow')} ${action}${policies.boundary === null ? '' : ' and its boundary permits it'}, ${ELSEWHERE}`,
  );
}

/** The verb as its subject needs it: one policy allows, two policies allow. */
function agree(subjects: readonly unknown[], verb: string): string {
  return subjects.length === 1 ? `${verb}s` : verb;
}
