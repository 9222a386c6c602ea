/**
 * The smallest identity-policy patch per role: allow exactly the denied actions on exactly the
 * denied resources, nothing wider than the message forces, and say what could not be covered.
 *
 * Denials come from log text, which a build can forge. So a resource is used only when it is
 * a well-formed ARN of one of the action's resource types (or a name whose ARN is certain), the
 * document is built as objects (a crafted resource can never become a statement), and every
 * patch goes through the risk check before anyone sees it.
 */
import type { ActionFacts, ActionFactsIndex } from '../policy/actions.js';
import {
  factsFromIndex,
  loadActionFacts,
  matchingResourceType,
  splitAction,
} from '../policy/actions.js';
import { hasNestedArn, isArnSafe, isMaskedAccount, parseArn } from '../policy/arn.js';
import { relatedActions } from '../policy/related-actions.js';
import { assessPatch } from '../policy/risk.js';
import { riskSourceNote } from './provenance.js';
import type {
  Denial,
  LogWriter,
  ParsedDenial,
  PolicyDocument,
  PolicyPatch,
  PolicyStatement,
} from './types.js';

/** Options for {@link buildPatches}. */
export interface BuildPatchesOptions {
  /** The application prefix that scopes the risk check. Default `aiproxy`. */
  appPrefix?: string;
  /**
   * Facts for every action the denials name, from `loadActionFacts(patchActions(denials))`.
   * {@link preparePatches} loads them for you.
   */
  facts?: ActionFactsIndex;
}

type AnyDenial = ParsedDenial | Denial;
type Uncovered = NonNullable<PolicyPatch['uncovered']>[number];

const DEFAULT_APP_PREFIX = 'aiproxy';

/** The action a denial is about: as printed, else the certain inference `enrich` made. */
export function deniedAction(d: AnyDenial): string | null {
  return d.action ?? ('likelyAction' in d ? d.likelyAction : null);
}

/** Whether the principal is a role (or a session of one) that a patch can be keyed by. */
export function isRoleDenial(d: AnyDenial): boolean {
  return (d.principalType === 'role' || d.principalType === 'assumed-role') && d.roleArn !== null;
}

/**
 * Whether adding an Allow to the principal's identity policy can fix the denial: an implicit
 * deny by identity-based policies, or a message that names no policy and no explicit deny
 * (old-style messages without a reason are most often a missing identity permission: inferred).
 * An explicit deny wins over any Allow, and other policy types are not the principal's.
 */
export function isIdentityFixable(d: AnyDenial): boolean {
  return d.deny !== 'explicit' && (d.policyType === 'identity' || d.policyType === null);
}

/** The actions whose facts {@link buildPatches} needs. */
export function patchActions(denials: readonly AnyDenial[]): string[] {
  return [
    ...new Set(
      denials
        .filter((d) => isRoleDenial(d) && isIdentityFixable(d))
        .map(deniedAction)
        .filter((a): a is string => a !== null && splitAction(a) !== null),
    ),
  ];
}

// `role NAME`, `policy NAME`: how IAM prints a resource it looked up by name. IAM is global to
// the caller's account, so with the account and partition known the ARN is certain. The name
// carries no path: roles and policies created without one (the common case) match exactly.
const IAM_NAME_FORM = /^(role|policy|user|group|instance-profile) ([\w+=,.@-]{1,128})$/;

function describeTypes(facts: ActionFacts): string {
  return facts.resourceTypes.map((t) => t.name).join(', ') || 'no resource type';
}

/** The role's partition and account, with a masked account kept as null. */
function roleEnvOf(roleArn: string): { partition: string; account: string | null } {
  const arn = parseArn(roleArn);
  const account = arn && /^\d{12}$/.test(arn.account) ? arn.account : null;
  return { partition: arn?.partition ?? 'aws', account };
}

type Resolution = { resource: string } | { reason: string };

function resolveArn(
  arn: string,
  facts: ActionFacts,
  role: { partition: string; account: string | null },
): Resolution {
  const parsed = parseArn(arn);
  if (!parsed) return { reason: `${arn} is not a well-formed ARN.` };
  if (isMaskedAccount(parsed.account)) {
    return {
      reason:
        'The account id in the resource ARN is masked (***) in the log, so aiproxy cannot write the ARN: write it by hand with the real account id.',
    };
  }
  if (hasNestedArn(arn)) {
    return {
      reason:
        'The resource ARN holds another ARN, as when a full ARN is passed where a name was expected: fix the value the caller sends rather than the policy.',
    };
  }
  if (parsed.partition !== role.partition) {
    return {
      reason: `The resource is in the ${parsed.partition} partition but the role is in ${role.partition}: a policy cannot grant across partitions, so the caller most likely built the ARN with the wrong partition.`,
    };
  }
  if (role.account === null) {
    return {
      reason:
        "The role's account id is masked in the log, so aiproxy cannot check the resource against it: write the statement by hand.",
    };
  }
  if (!matchingResourceType(facts, arn)) {
    return {
      reason: `The resource does not match any ARN format of ${facts.action} (${describeTypes(facts)}).`,
    };
  }
  return { resource: arn };
}

/** The resource to grant `facts.action` on, or why there is none. */
function resolveResource(
  resource: string | null,
  facts: ActionFacts,
  role: { partition: string; account: string | null },
): Resolution {
  // An action that supports only `*` can be granted no other way.
  if (facts.wildcardOnly) return { resource: '*' };

  if (resource === null) {
    return {
      reason: `The message names no resource, and ${facts.action} is granted per resource (${describeTypes(facts)}): find the resource in CloudTrail.`,
    };
  }
  if (resource === '*') {
    return {
      reason: `The message names the resource *, but ${facts.action} is granted per resource (${describeTypes(facts)}): aiproxy does not widen it to every resource.`,
    };
  }

  const named = IAM_NAME_FORM.exec(resource);
  if (named && (facts.service === 'iam' || facts.action === 'sts:AssumeRole')) {
    if (role.account === null) {
      return {
        reason: "The role's account id is masked in the log, so the ARN cannot be written.",
      };
    }
    return resolveArn(
      `arn:${role.partition}:iam::${role.account}:${named[1]}/${named[2]}`,
      facts,
      role,
    );
  }
  if (!isArnSafe(resource)) {
    return { reason: 'The resource holds characters that cannot appear in an ARN.' };
  }
  if (/^aws(-[a-z]+)*:/.test(resource)) {
    return {
      reason:
        'The resource lacks the `arn:` prefix: the caller passed a malformed ARN, so fix the value it sends rather than the policy.',
    };
  }
  if (!resource.startsWith('arn:')) {
    return {
      reason:
        facts.service === 'secretsmanager'
          ? 'The message names the secret, not its ARN, which adds the region and a random suffix: find it with `aws secretsmanager describe-secret --secret-id NAME`.'
          : `The message names the resource without an ARN, and its ARN cannot be told for certain.`,
    };
  }
  return resolveArn(resource, facts, role);
}

function pascal(text: string): string {
  return text
    .split(/[^A-Za-z0-9]+/)
    .filter((w) => w !== '')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');
}

function single<T>(values: T[]): T | T[] {
  return values.length === 1 ? (values[0] as T) : values;
}

// IAM accepts long Sids, but people read them: past this, name the count instead.
const MAX_SID_LENGTH = 64;

function sidFor(actions: string[]): string {
  const [first] = actions as [string, ...string[]];
  const service = pascal(first.split(':')[0] ?? '');
  const names = actions.map((a) => a.split(':')[1] ?? '');
  const joined = `Allow${service}${names.join('And')}`;
  if (joined.length <= MAX_SID_LENGTH) return joined;
  return `Allow${service}${names[0] ?? ''}And${actions.length - 1}More`.slice(0, MAX_SID_LENGTH);
}

/**
 * Statements for a set of (action, resource) grants: actions of one service that are granted
 * on exactly the same resources share a statement, so the document allows exactly the pairs
 * given, and the same input always gives the same document.
 */
export function statementsFor(grants: ReadonlyMap<string, ReadonlySet<string>>): PolicyStatement[] {
  const groups = new Map<string, { actions: string[]; resources: string[] }>();
  for (const [action, resources] of grants) {
    const sorted = [...resources].sort();
    const key = `${action.split(':')[0] ?? ''}\n${sorted.join('\n')}`;
    const group = groups.get(key) ?? { actions: [], resources: sorted };
    group.actions.push(action);
    groups.set(key, group);
  }

  const ordered = [...groups.values()]
    .map((g) => ({ ...g, actions: g.actions.sort() }))
    .sort(
      (a, b) =>
        (a.actions[0] ?? '').localeCompare(b.actions[0] ?? '') ||
        a.resources.join().localeCompare(b.resources.join()),
    );

  const used = new Set<string>();
  return ordered.map((g) => {
    const base = sidFor(g.actions);
    let sid = base;
    for (let n = 2; used.has(sid); n += 1) sid = `${base}${n}`;
    used.add(sid);
    return { Sid: sid, Effect: 'Allow', Action: single(g.actions), Resource: single(g.resources) };
  });
}

interface RoleWork {
  roleArn: string;
  roleName: string | null;
  grants: Map<string, Set<string>>;
  uncovered: Uncovered[];
  denied: Set<string>;
  /** Who wrote the denials behind each granted action, and behind the whole patch. */
  writers: Map<string, Set<LogWriter>>;
  allWriters: Set<LogWriter>;
}

function roleNameFrom(roleArn: string): string | null {
  const resource = parseArn(roleArn)?.resource ?? '';
  const name = resource.slice(resource.lastIndexOf('/') + 1);
  return name === '' ? null : name;
}

function hintsFor(work: RoleWork): string[] {
  const hints = new Set<string>();
  for (const action of work.denied) {
    for (const related of relatedActions(action)?.actions ?? []) hints.add(related);
  }
  const granted = new Set([...work.grants.keys(), ...work.denied].map((a) => a.toLowerCase()));
  return [...hints].filter((h) => !granted.has(h.toLowerCase())).sort();
}

function addUncovered(work: RoleWork, entry: Uncovered): void {
  const same = work.uncovered.some(
    (u) => u.action === entry.action && u.resource === entry.resource && u.reason === entry.reason,
  );
  if (!same) work.uncovered.push(entry);
}

/**
 * One patch per role (keyed by the role's ARN, never by session: every CodeBuild build has its
 * own session) for the denials an identity-policy Allow can fix. Users, root, anonymous and
 * federated callers get none; their denials' explanations say why.
 *
 * @throws AiproxyError `ACTION_FACTS_NOT_LOADED` when `options.facts` lacks a denied action.
 */
export function buildPatches(
  denials: readonly AnyDenial[],
  options: BuildPatchesOptions = {},
): PolicyPatch[] {
  const facts = options.facts ?? new Map<string, ActionFacts | null>();
  const appPrefix = options.appPrefix ?? DEFAULT_APP_PREFIX;
  const roles = new Map<string, RoleWork>();

  for (const d of denials) {
    if (!isRoleDenial(d) || !isIdentityFixable(d) || d.roleArn === null) continue;
    const work = roles.get(d.roleArn) ?? {
      roleArn: d.roleArn,
      roleName: d.roleName ?? roleNameFrom(d.roleArn),
      grants: new Map<string, Set<string>>(),
      uncovered: [],
      denied: new Set<string>(),
      writers: new Map<string, Set<LogWriter>>(),
      allWriters: new Set<LogWriter>(),
    };
    roles.set(d.roleArn, work);
    work.allWriters.add(d.source.writer);

    const action = deniedAction(d);
    if (action === null || splitAction(action) === null) {
      addUncovered(work, {
        action,
        resource: d.resource,
        reason:
          action === null
            ? `The message names no IAM action${d.operation ? ` (only the operation ${d.operation}, which does not tell the action for certain)` : ''}.`
            : `${action} is not an IAM action name.`,
      });
      continue;
    }
    const actionFacts = factsFromIndex(facts, action);
    if (actionFacts === null) {
      addUncovered(work, {
        action,
        resource: d.resource,
        reason: `${action} is not in the IAM reference data, so aiproxy cannot check its resources.`,
      });
      continue;
    }

    work.denied.add(actionFacts.action);
    const resolution = resolveResource(d.resource, actionFacts, roleEnvOf(d.roleArn));
    if ('reason' in resolution) {
      addUncovered(work, {
        action: actionFacts.action,
        resource: d.resource,
        reason: resolution.reason,
      });
      continue;
    }
    const resources = work.grants.get(actionFacts.action) ?? new Set<string>();
    resources.add(resolution.resource);
    work.grants.set(actionFacts.action, resources);
    const key = actionFacts.action.toLowerCase();
    work.writers.set(key, (work.writers.get(key) ?? new Set<LogWriter>()).add(d.source.writer));
  }

  return [...roles.values()]
    .sort((a, b) => a.roleArn.localeCompare(b.roleArn))
    .map((work) => toPatch(work, appPrefix));
}

function toPatch(work: RoleWork, appPrefix: string): PolicyPatch {
  const document: PolicyDocument = { Version: '2012-10-17', Statement: statementsFor(work.grants) };
  const account = roleEnvOf(work.roleArn).account ?? '';
  // Log text is untrusted whoever seems to have printed it: a pull request can print any
  // denial, in the build's words or in AWS's. Each finding says where the denials behind its
  // action were read from, in the words the header uses for them.
  const risky = assessPatch(document, { roleArn: work.roleArn, account, appPrefix }).map((r) => ({
    ...r,
    reason: `${r.reason} ${riskSourceNote(work.writers.get(r.action.toLowerCase()) ?? work.allWriters)}`,
  }));

  const patch: PolicyPatch = { roleArn: work.roleArn, roleName: work.roleName, document, risky };
  if (work.uncovered.length > 0) patch.uncovered = work.uncovered;
  const hints = hintsFor(work);
  if (hints.length > 0) patch.hints = hints;
  return patch;
}

/** Loads the facts the denials need, then {@link buildPatches}. */
export async function preparePatches(
  denials: readonly AnyDenial[],
  options: Omit<BuildPatchesOptions, 'facts'> = {},
): Promise<PolicyPatch[]> {
  const facts = await loadActionFacts(patchActions(denials));
  return buildPatches(denials, { ...options, facts });
}
