/**
 * One short paragraph per denial, in plain words: who was denied what on which resource, which
 * kind of policy said no, and what to do. It says so when a patch to the principal cannot
 * help, and names who usually owns the policy that must change instead.
 */
import { isMaskedAccount, parseArn } from '../policy/arn.js';
import { stripControl, toSingleLine } from '../text.js';
import { isIdentityFixable, isRoleDenial } from './patch.js';
import { grantCaveat } from './provenance.js';
import type { ParsedDenial } from './types.js';

/** What enrichment learned about a denial beyond its text. */
export interface ExplainFacts {
  /** The IAM action inferred from the operation name, when certain. */
  likelyAction?: string | null;
}

// Log text may carry escapes and newlines; every value is folded to one clean line.
function clean(value: string): string {
  return toSingleLine(value);
}

function roleName(d: ParsedDenial): string | null {
  return d.roleName ?? (d.roleArn ? (d.roleArn.split('/').pop() ?? null) : null);
}

function isMasked(d: ParsedDenial): boolean {
  const arn = d.principal ? parseArn(d.principal) : null;
  return arn !== null && isMaskedAccount(arn.account);
}

function who(d: ParsedDenial): string {
  const masked = isMasked(d) ? ' (its account id is masked as *** in the log)' : '';
  const name = roleName(d);
  switch (d.principalType) {
    case 'assumed-role':
    case 'role':
      return `The role ${clean(name ?? d.principal ?? 'named in the message')}${masked}`;
    case 'user':
      return `The IAM user ${clean(d.principal ?? '')}${masked}`;
    case 'root':
      return `The root user of account ${clean(d.account ?? 'unknown')}`;
    case 'federated-user':
      return `The federated user ${clean(d.principal ?? '')}`;
    case 'service':
      return `The service ${clean(d.principal ?? '')}`;
    case 'anonymous':
      return 'An unsigned (anonymous) request';
    default:
      return d.principal ? `The caller ${clean(d.principal)}${masked}` : 'The caller';
  }
}

function what(d: ParsedDenial, facts: ExplainFacts): string {
  if (d.action) return clean(d.action);
  if (facts.likelyAction) {
    return `${clean(facts.likelyAction)} (inferred from the ${clean(d.operation ?? '')} operation)`;
  }
  if (d.operation) return `the ${clean(d.operation)} operation`;
  return 'an action the message does not name';
}

function where(d: ParsedDenial): string {
  if (d.resource === null) return '';
  return d.resource === '*' ? ' on any resource (*)' : ` on ${clean(d.resource)}`;
}

function policyRef(d: ParsedDenial): string {
  return d.policyArn ? ` (${clean(d.policyArn)})` : '';
}

// The resource-based policy a service keeps, by the resource ARN's service.
const RESOURCE_POLICY: Readonly<Record<string, string>> = {
  s3: 'bucket policy',
  kms: 'key policy',
  ecr: 'repository policy',
  secretsmanager: "secret's resource policy",
  lambda: "function's resource policy",
  sqs: 'queue policy',
  sns: 'topic policy',
  'execute-api': "API's resource policy",
  iam: "role's trust policy",
  logs: 'resource policy of CloudWatch Logs',
  codeartifact: 'domain or repository policy',
};

function resourcePolicyName(d: ParsedDenial): string {
  const service =
    (d.resource ? parseArn(d.resource)?.service : undefined) ?? d.action?.split(':')[0] ?? '';
  return RESOURCE_POLICY[service] ?? 'resource-based policy';
}

/** The account of the resource when it differs from the caller's, both printed in clear. */
function otherAccount(d: ParsedDenial): string | null {
  const arn = d.resource ? parseArn(d.resource) : null;
  if (!arn || !d.account || !/^\d{12}$/.test(arn.account)) return null;
  return arn.account !== d.account ? arn.account : null;
}

function principalPartition(d: ParsedDenial): string | null {
  return d.principal ? (parseArn(d.principal)?.partition ?? null) : null;
}

/** Why no patch is proposed for the principal, when it is not a role with a known ARN. */
function notARole(d: ParsedDenial): string {
  switch (d.principalType) {
    case 'assumed-role':
    case 'role':
      // A role whose ARN the log does not give in full (a masked account): no patch can be
      // keyed to it, but the fix is the same.
      return "aiproxy cannot write a patch without the role's full ARN: add the Allow to the role's policy by hand.";
    case 'user':
      return "aiproxy proposes patches for roles only: add the permission to this user's policy or group, or better, run the job as a role.";
    case 'root':
      return 'The root user needs no policy in its own account, so the denial comes from another account, an organization policy, or an API that refuses root credentials: use a role.';
    case 'anonymous':
      return 'Only a resource-based policy can allow an unsigned request; if the caller meant to sign it, check that credentials are configured.';
    case 'federated-user':
      return "A federated user's permissions are the issuing user's policies cut down by the session policy its broker passed to GetFederationToken; aiproxy proposes no patch for it.";
    default:
      return d.principal === null
        ? 'The message does not name the caller, so aiproxy proposes no patch: run `aws sts get-caller-identity` with the same credentials to find it.'
        : 'aiproxy proposes patches for roles only.';
  }
}

/** What to do, by the kind of policy that denied the request. */
function remedy(d: ParsedDenial): string {
  const explicit = d.deny === 'explicit';
  switch (d.policyType) {
    case 'identity':
      if (explicit) {
        return `A Deny statement in an identity-based policy${policyRef(d)} matched, and no Allow can override it: find that Deny and narrow or remove it.`;
      }
      return isRoleDenial(d)
        ? "No identity-based policy of the role allows it: add an Allow to the role's policy (see the proposed patch)."
        : `No identity-based policy allows it. ${notARole(d)}`;
    case 'scp':
      return `A service control policy of the AWS Organization${policyRef(d)} ${explicit ? 'denies it' : 'does not allow it'}: only the organization's administrators can change it, and a patch to the principal cannot help.`;
    case 'rcp':
      return `A resource control policy of the AWS Organization${policyRef(d)} ${explicit ? 'denies it' : 'does not allow it'}: only the organization's administrators can change it, and a patch to the principal cannot help.`;
    case 'boundary':
      return `The permissions boundary on the principal${policyRef(d)} ${explicit ? 'denies it' : 'does not allow it'}, whatever its own policies allow: the boundary's owner must change it. For aiproxy roles that is the workload boundary made by \`aiproxy setup\`; ask an admin.`;
    case 'session':
      return `The session policy passed when this session was created${policyRef(d)} ${explicit ? 'denies it' : 'does not allow it'}: whoever assumes the role, or the federation broker that issues the credentials, must pass a wider one. A patch to the role cannot help.`;
    case 'vpc-endpoint':
      return `The policy of the VPC endpoint the request went through${policyRef(d)} ${explicit ? 'denies it' : 'does not allow it'}: the network team that owns the endpoint must allow it. A patch to the principal cannot help.`;
    case 'resource': {
      const owner = `the ${resourcePolicyName(d)}${policyRef(d)}`;
      if (explicit) {
        return `A Deny statement in ${owner} matched: the resource's owner must change it, and no identity policy can override it.`;
      }
      return `No statement in ${owner} allows it: the resource's owner must add one naming this principal.${otherAccount(d) ? '' : ' Within one account an identity-policy Allow is often enough, except for KMS keys whose key policy does not delegate to IAM.'}`;
    }
    default:
      if (explicit) {
        return `An explicit Deny${policyRef(d)} matched (an identity policy, boundary, SCP or resource policy): no Allow can help; find that Deny.`;
      }
      return isRoleDenial(d)
        ? "The message does not say which policy denied it; most often it is a missing identity permission (inferred), so an Allow is proposed for the role. If the denial persists, look at boundaries, SCPs and the resource's policy."
        : `The message does not say which policy denied it. ${notARole(d)}`;
  }
}

/** Extra facts that change what must be done, in the order a person would check them. */
function notes(d: ParsedDenial): string[] {
  const out: string[] = [];
  const resourceArn = d.resource ? parseArn(d.resource) : null;
  const partition = principalPartition(d);
  if (resourceArn && partition && resourceArn.partition !== partition) {
    out.push(
      `The resource is in the ${clean(resourceArn.partition)} partition but the caller is in ${clean(partition)}: ARNs do not cross partitions, so the ARN the caller uses is most likely wrong.`,
    );
  }
  if (d.resource && /^aws(-[a-z]+)*:/.test(d.resource)) {
    out.push('The resource lacks the `arn:` prefix: the caller passed a malformed ARN.');
  }
  const other = otherAccount(d);
  if (other) {
    out.push(
      d.action === 'sts:AssumeRole'
        ? `The role is in account ${other}: its trust policy there must also allow this caller.`
        : `The resource is in account ${other}: that account's resource policy must also allow this caller.`,
    );
  }
  if (d.encoded) {
    out.push(
      'The message carries an encoded authorization message: `aws sts decode-authorization-message --encoded-message <message>` decodes it and names the policy (the caller needs sts:DecodeAuthorizationMessage).',
    );
  }
  if (isMasked(d)) {
    out.push('CI masked the account id, so aiproxy cannot write full ARNs for it.');
  }
  // Whenever a patch is proposed: even a line in AWS's own format may have been printed by
  // the build, so no writer makes a denial safe to grant unchecked.
  if (isRoleDenial(d) && isIdentityFixable(d)) out.push(grantCaveat(d.source.writer));
  return out;
}

/** A denial with nothing to go on: no principal, no action, no policy. */
function isBare(d: ParsedDenial, facts: ExplainFacts): boolean {
  return d.principal === null && d.action === null && !facts.likelyAction && d.policyType === null;
}

function bare(d: ParsedDenial): string {
  const op = d.operation ? ` for the ${clean(d.operation)} operation` : '';
  const encoded = d.encoded
    ? ' Decode the encoded message with `aws sts decode-authorization-message --encoded-message <message>` (the caller needs sts:DecodeAuthorizationMessage).'
    : '';
  return stripControl(
    `AWS returned a bare access denial${op}, naming no principal, action or policy.${encoded} Run \`aws sts get-caller-identity\` with the same credentials to see who the caller is, and find the event in CloudTrail (errorCode AccessDenied) to see the action and resource.`,
  );
}

/**
 * Explains one denial in a short paragraph. `facts.likelyAction` is the action inferred from
 * the operation name, when certain. Everything taken from the log is cleaned of terminal
 * escapes and folded to one line.
 */
export function explainDenial(d: ParsedDenial, facts: ExplainFacts = {}): string {
  if (isBare(d, facts)) return bare(d);

  const head = `${who(d)} was denied ${what(d, facts)}${where(d)}.`;
  return stripControl([head, remedy(d), ...notes(d)].join(' '));
}
