/**
 * Step 1 of `setup`: who is calling, where, and whether they can create what the global
 * stack holds. CloudFormation runs `setup` with the caller's own permissions (no service
 * role), so a caller without `iam:CreateRole` would only find out minutes later, from a
 * rolled-back stack. The policy simulator answers in a second instead.
 * https://docs.aws.amazon.com/IAM/latest/APIReference/API_SimulatePrincipalPolicy.html
 */
import {
  GetRoleCommand,
  SimulatePrincipalPolicyCommand,
  type EvaluationResult,
} from '@aws-sdk/client-iam';

import { callAws } from '../aws/call.js';
import type { AwsContext } from '../aws/clients.js';
import { callerIdentity, type CallerIdentity } from '../aws/identity.js';
import { AwsError } from '../errors.js';
import { globalArns, type AwsEnv } from '../names.js';
import type { ConnectionChoice } from './template.js';

/** What kind of principal the caller is, from its ARN. */
export type CallerKind = 'user' | 'role' | 'root' | 'other';

/** One permission `setup` needs, and on what. */
export interface RequiredPermission {
  action: string;
  resource: string;
}

/** The answer of the permission check. */
export type PermissionCheck =
  | { status: 'allowed'; checked: RequiredPermission[] }
  | { status: 'missing'; missing: RequiredPermission[]; checked: RequiredPermission[] }
  /** The check could not be made; `setup` goes on and CloudFormation will tell. */
  | { status: 'unchecked'; reason: string };

/** Who is calling, and whether they can run `setup`. */
export interface CallerCheck {
  identity: CallerIdentity;
  kind: CallerKind;
  /** The IAM principal the simulator evaluated (a role's ARN with its path), when known. */
  principalArn?: string;
  permissions: PermissionCheck;
}

/** Options for {@link checkCaller}. */
export interface CheckCallerOptions {
  prefix: string;
  connection: ConnectionChoice;
}

/** The identity's account, region and partition as a concrete {@link AwsEnv}. */
export function envOf(identity: CallerIdentity): AwsEnv {
  return { partition: identity.partition, accountId: identity.account, region: identity.region };
}

/**
 * The permissions creating the global stack takes, each on the resource it acts on: the
 * stack operations, the roles and managed policies, the version parameter and, when the
 * stack creates it, the source connection.
 */
export function requiredPermissions(
  identity: CallerIdentity,
  options: CheckCallerOptions,
): RequiredPermission[] {
  const arns = globalArns(options.prefix, envOf(identity));
  const { partition, region, account } = identity;
  const stack = arns.stack.replace(/\*$/, 'id');
  const permissions: RequiredPermission[] = [
    { action: 'cloudformation:CreateChangeSet', resource: stack },
    { action: 'cloudformation:ExecuteChangeSet', resource: stack },
    { action: 'iam:CreateRole', resource: arns.executionRole },
    { action: 'iam:PutRolePolicy', resource: arns.pipelineRole },
    { action: 'iam:CreatePolicy', resource: arns.boundaryPolicy },
    { action: 'iam:AttachRolePolicy', resource: arns.executionRole },
    { action: 'ssm:PutParameter', resource: arns.versionParameter },
  ];
  if (options.connection.kind === 'create') {
    permissions.push({
      action: 'codestar-connections:CreateConnection',
      resource: `arn:${partition}:codestar-connections:${region}:${account}:connection/*`,
    });
  }
  return permissions;
}

/** The caller's kind, from the ARN STS returned. */
export function callerKind(arn: string): CallerKind {
  if (/^arn:[\w-]+:iam::\d{12}:root$/.test(arn)) return 'root';
  if (/^arn:[\w-]+:iam::\d{12}:user\//.test(arn)) return 'user';
  if (/^arn:[\w-]+:sts::\d{12}:assumed-role\//.test(arn)) return 'role';
  return 'other';
}

/**
 * Calls STS, then simulates the caller's policies for {@link requiredPermissions}. Never
 * blocks on its own failure: a caller the simulator cannot evaluate (no
 * `iam:SimulatePrincipalPolicy`, a federated user, an emulator without the API) is reported
 * as `unchecked`.
 */
export async function checkCaller(
  ctx: AwsContext,
  options: CheckCallerOptions,
): Promise<CallerCheck> {
  const identity = await callerIdentity(ctx);
  const kind = callerKind(identity.arn);
  if (kind === 'root') {
    // The simulator does not take the root user, which may do everything anyway.
    return { identity, kind, permissions: { status: 'allowed', checked: [] } };
  }
  if (kind === 'other') {
    return {
      identity,
      kind,
      permissions: { status: 'unchecked', reason: 'the policy simulator takes users and roles' },
    };
  }

  let principalArn: string;
  try {
    principalArn = kind === 'user' ? identity.arn : await roleArnOf(ctx, identity.arn);
  } catch (error) {
    return { identity, kind, permissions: unchecked(error) };
  }
  const required = requiredPermissions(identity, options);
  try {
    const results = await simulate(ctx, principalArn, required);
    return { identity, kind, principalArn, permissions: results };
  } catch (error) {
    return { identity, kind, principalArn, permissions: unchecked(error) };
  }
}

/**
 * The error for a caller that lacks a permission `setup` needs (exit 3: it is the
 * credentials that must change, not the command).
 */
export function missingPermissionsError(check: CallerCheck): AwsError | undefined {
  if (check.permissions.status !== 'missing') return undefined;
  const list = check.permissions.missing.map((p) => `${p.action} on ${p.resource}`).join(', ');
  return new AwsError(
    'SETUP_MISSING_PERMISSIONS',
    `${check.identity.arn} cannot create the global stack: it lacks ${list}.`,
    {
      suggestions: [
        'Run `aiproxy setup` with administrator credentials (for example --profile admin).',
        'Or grant the caller the actions named above on those resources.',
      ],
    },
  );
}

/**
 * A session `arn:…:sts::A:assumed-role/NAME/SESSION` hides the role's path (SSO roles live
 * under `/aws-reserved/sso.amazonaws.com/…`); the simulator needs the role's own ARN.
 */
async function roleArnOf(ctx: AwsContext, sessionArn: string): Promise<string> {
  const roleName = sessionArn.split('/')[1] ?? '';
  const output = await callAws({ service: 'iam', operation: 'GetRole' }, () =>
    ctx.iam.send(new GetRoleCommand({ RoleName: roleName })),
  );
  return output.Role?.Arn ?? sessionArn;
}

async function simulate(
  ctx: AwsContext,
  principalArn: string,
  required: RequiredPermission[],
): Promise<PermissionCheck> {
  const missing: RequiredPermission[] = [];
  let uncertain = 0;
  // One call per action: with several resources in one call, the overall decision of an
  // action mixes them and no longer says which resource was denied.
  for (const permission of required) {
    const output = await callAws({ service: 'iam', operation: 'SimulatePrincipalPolicy' }, () =>
      ctx.iam.send(
        new SimulatePrincipalPolicyCommand({
          PolicySourceArn: principalArn,
          ActionNames: [permission.action],
          ResourceArns: [permission.resource],
        }),
      ),
    );
    const verdict = decisionOf(output.EvaluationResults ?? []);
    if (verdict === 'denied') missing.push(permission);
    if (verdict === 'uncertain') uncertain += 1;
  }
  if (missing.length > 0) return { status: 'missing', missing, checked: required };
  if (uncertain > 0) {
    return {
      status: 'unchecked',
      reason: `${uncertain} permission(s) depend on condition keys the simulator was not given`,
    };
  }
  return { status: 'allowed', checked: required };
}

/**
 * An implicit deny that names missing context values is a policy with a condition the
 * simulator could not evaluate (MFA, source IP): it says nothing either way.
 */
function decisionOf(results: EvaluationResult[]): 'allowed' | 'denied' | 'uncertain' {
  const result = results[0];
  if (result === undefined) return 'uncertain';
  if (result.EvalDecision === 'allowed') return 'allowed';
  if (result.EvalDecision === 'implicitDeny' && (result.MissingContextValues ?? []).length > 0) {
    return 'uncertain';
  }
  return 'denied';
}

function unchecked(error: unknown): PermissionCheck {
  const message = error instanceof Error ? error.message : String(error);
  return { status: 'unchecked', reason: message.split('\n')[0] ?? message };
}
