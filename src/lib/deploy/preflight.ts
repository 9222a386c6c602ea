/**
 * What `deploy` and `destroy` check before they touch a branch's stacks: who the caller is,
 * that the global stack exists and matches this CLI's version, and that the caller may pass
 * the execution role, the one role every delegated stack operation runs as.
 */
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { SimulatePrincipalPolicyCommand } from '@aws-sdk/client-iam';

import type { AwsContext } from '../aws/clients.js';
import { callerIdentity, type CallerIdentity } from '../aws/identity.js';
import { AiproxyError, AwsError, ExitCode } from '../errors.js';
import { globalArns, globalNames } from '../names.js';
import { describeStackState } from '../stacks/state.js';
import {
  compatibility,
  GLOBAL_OUTPUT_KEYS,
  GLOBAL_TEMPLATE_VERSION,
  type CompatibilityResult,
} from '../templates/global.js';

/** What the global stack tells a developer's command. */
export interface GlobalStackInfo {
  stackName: string;
  stackId: string;
  status: string;
  /** The execution role: `RoleARN` of every stack operation on a branch's stacks. */
  executionRoleArn: string;
  pipelineRoleArn: string;
  /** Absent from stacks set up without a connection. */
  connectionArn?: string;
  developerPolicyArn: string;
  /**
   * `stack`: the ARNs come from the stack's outputs. `names`: it reported none (moto does not,
   * for stacks made by change sets) and the ARNs were built from the fixed global names.
   */
  outputsSource: 'stack' | 'names';
  /** The template version the stack records; undefined when neither marker is readable. */
  version: number | undefined;
  /** Where the version came from. */
  versionSource: 'parameter' | 'output' | 'none';
}

/** Whether the caller may pass the execution role, and how that is known. */
export interface PassRoleCheck {
  /** `not-checked`: the simulator could not be asked; CloudFormation will say at the change set. */
  status: 'allowed' | 'denied' | 'not-checked';
  /** One sentence for people. */
  detail: string;
}

/** Everything preflight learned. */
export interface PreflightResult {
  identity: CallerIdentity;
  global: GlobalStackInfo;
  compatibility: CompatibilityResult;
  passRole: PassRoleCheck;
}

/** Options for {@link runPreflight}. */
export interface PreflightOptions {
  prefix: string;
  /** Simulate `iam:PassRole` on the execution role. Default true. */
  checkPassRole?: boolean;
  /**
   * Check the version marker. Default true; `destroy` skips it, as deleting a branch works
   * with any version and a mismatch must not strand its stacks.
   */
  checkVersion?: boolean;
}

/**
 * The exact command an admin runs to create or upgrade the global stack where the developer
 * is working.
 */
export function setupCommand(prefix: string, region: string): string {
  return `aiproxy setup --region ${region} --prefix ${prefix}`;
}

/**
 * Checks the caller, the global stack and its version, and (when permitted) that the caller
 * may pass the execution role.
 *
 * @throws AiproxyError (exit 3) `GLOBAL_STACK_MISSING`, `GLOBAL_STACK_BUSY`,
 *   `GLOBAL_STACK_BROKEN`, `GLOBAL_STACK_OUTDATED`, `CLI_OUTDATED` or `PASS_ROLE_DENIED`,
 *   each naming the command that fixes it; AwsError for credentials and AWS failures.
 */
export async function runPreflight(
  ctx: AwsContext,
  options: PreflightOptions,
): Promise<PreflightResult> {
  const identity = await callerIdentity(ctx);
  const checkVersion = options.checkVersion !== false;
  const global = await readGlobalStack(ctx, options.prefix, identity, { checkVersion });

  const compatible = checkVersion
    ? compatibility(GLOBAL_TEMPLATE_VERSION, global.version)
    : { status: 'ok' as const, message: '' };
  if (compatible.status !== 'ok') throw incompatible(compatible, options.prefix, identity.region);

  const passRole =
    options.checkPassRole === false
      ? { status: 'not-checked' as const, detail: 'not needed to read' }
      : await checkPassRole(ctx, identity, global.executionRoleArn);
  if (passRole.status === 'denied') {
    throw passRoleDenied(identity.arn, global, passRole.detail);
  }
  return { identity, global, compatibility: compatible, passRole };
}

/**
 * Reads the global stack's outputs and version marker.
 *
 * @throws AiproxyError (exit 3) when the stack is missing, busy, broken or lacks an output.
 */
export async function readGlobalStack(
  ctx: AwsContext,
  prefix: string,
  identity: CallerIdentity,
  options: { checkVersion?: boolean } = {},
): Promise<GlobalStackInfo> {
  const { region } = identity;
  const env = { partition: identity.partition, accountId: identity.account, region };
  const names = globalNames(prefix, env);
  const setup = setupCommand(prefix, region);
  const state = await describeStackState(ctx.cloudformation, names.stackName).catch(
    (error: unknown) => {
      throw withDeveloperPolicyHint(error, names.stackName);
    },
  );

  if (state.kind === 'absent' || state.kind === 'review') {
    throw new AiproxyError(
      'GLOBAL_STACK_MISSING',
      `The global stack ${names.stackName} does not exist in ${region}: aiproxy is not set up in this account and region.`,
      {
        exitCode: ExitCode.Aws,
        suggestions: [
          `Ask an admin to run \`${setup}\`, then run this command again.`,
          'If aiproxy is set up in another region, pass --region (or --profile for another account).',
        ],
      },
    );
  }
  if (state.kind === 'in-progress') {
    throw new AiproxyError(
      'GLOBAL_STACK_BUSY',
      `The global stack ${names.stackName} is ${state.status}: an admin is changing it.`,
      {
        exitCode: ExitCode.Aws,
        suggestions: ['Wait for it to finish, then run this command again.'],
      },
    );
  }
  if (state.kind !== 'stable') {
    throw new AiproxyError(
      'GLOBAL_STACK_BROKEN',
      `The global stack ${names.stackName} is ${state.status}${state.statusReason === undefined ? '' : ` (${state.statusReason})`}.`,
      { exitCode: ExitCode.Aws, suggestions: [`Ask an admin to run \`${setup}\`.`] },
    );
  }

  const out = state.outputs;
  // The role names are fixed by construction (`names.ts`), so a stack whose outputs cannot be
  // read (moto reports none for stacks made by change sets) still names its roles exactly;
  // the version marker below is what tells a stack of another shape.
  const arns = globalArns(prefix, env);
  const executionRoleArn = out[GLOBAL_OUTPUT_KEYS.executionRoleArn] || arns.executionRole;
  const pipelineRoleArn = out[GLOBAL_OUTPUT_KEYS.pipelineRoleArn] || arns.pipelineRole;
  const developerPolicyArn = out[GLOBAL_OUTPUT_KEYS.developerPolicyArn] || arns.developerPolicy;

  const marker =
    options.checkVersion === false
      ? { version: parseVersion(out[GLOBAL_OUTPUT_KEYS.version]), source: 'output' as const }
      : await readVersion(ctx, names.versionParameterName, out);
  const connectionArn = out[GLOBAL_OUTPUT_KEYS.connectionArn];
  return {
    stackName: names.stackName,
    stackId: state.stackId,
    status: state.status,
    executionRoleArn,
    pipelineRoleArn,
    ...(connectionArn ? { connectionArn } : {}),
    developerPolicyArn,
    outputsSource: Object.keys(out).length === 0 ? 'names' : 'stack',
    version: marker.version,
    versionSource: marker.source,
  };
}

/**
 * The version marker: the SSM parameter first (it is what `setup` documents), the stack's
 * `Version` output when the parameter cannot be read. Either is written by the same stack.
 */
async function readVersion(
  ctx: AwsContext,
  parameterName: string,
  outputs: Record<string, string>,
): Promise<{ version: number | undefined; source: GlobalStackInfo['versionSource'] }> {
  try {
    const output = await ctx.ssm.send(new GetParameterCommand({ Name: parameterName }));
    const value = parseVersion(output.Parameter?.Value);
    if (value !== undefined) return { version: value, source: 'parameter' };
  } catch {
    // A missing parameter or a denied read: the output says the same thing.
  }
  const fromOutput = parseVersion(outputs[GLOBAL_OUTPUT_KEYS.version]);
  return fromOutput === undefined
    ? { version: undefined, source: 'none' }
    : { version: fromOutput, source: 'output' };
}

function parseVersion(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d+$/.test(value.trim())) return undefined;
  return Number(value.trim());
}

function incompatible(result: CompatibilityResult, prefix: string, region: string): AiproxyError {
  const stackOld = result.status === 'setup-too-old';
  return new AiproxyError(stackOld ? 'GLOBAL_STACK_OUTDATED' : 'CLI_OUTDATED', result.message, {
    exitCode: ExitCode.Aws,
    suggestions: stackOld
      ? [`Ask an admin to run \`${setupCommand(prefix, region)}\` with this version of aiproxy.`]
      : ['Upgrade aiproxy: `npm install -g aiproxy@latest`, then run this command again.'],
  });
}

/**
 * The caller as `iam:SimulatePrincipalPolicy` takes it: a user's ARN as is, an assumed role's
 * session as its role. A session ARN drops the role's IAM path, so a role with a path may not
 * resolve; the check then reports `not-checked` rather than guessing.
 */
export function simulationPrincipal(callerArn: string): string | undefined {
  const match = /^arn:([^:]+):(iam|sts)::(\d{12}):(.+)$/.exec(callerArn);
  if (match === null) return undefined;
  const [, partition, service, account, resource] = match;
  if (service === 'iam' && resource?.startsWith('user/')) return callerArn;
  const role = /^assumed-role\/([^/]+)\//.exec(resource ?? '')?.[1];
  return role === undefined ? undefined : `arn:${partition}:iam::${account}:role/${role}`;
}

/**
 * Asks IAM's policy simulator whether the caller may pass `roleArn` to CloudFormation. The
 * developer policy does not grant the simulator on the developer's own principal, so this is
 * usually `not-checked`, and CloudFormation's answer at the change set is the real check.
 * https://docs.aws.amazon.com/IAM/latest/APIReference/API_SimulatePrincipalPolicy.html
 */
export async function checkPassRole(
  ctx: AwsContext,
  identity: CallerIdentity,
  roleArn: string,
): Promise<PassRoleCheck> {
  if (/:root$/.test(identity.arn)) {
    return { status: 'allowed', detail: 'the account root may pass any role' };
  }
  const principal = simulationPrincipal(identity.arn);
  if (principal === undefined) {
    return { status: 'not-checked', detail: `${identity.arn} cannot be simulated` };
  }
  try {
    const output = await ctx.iam.send(
      new SimulatePrincipalPolicyCommand({
        PolicySourceArn: principal,
        ActionNames: ['iam:PassRole'],
        ResourceArns: [roleArn],
        ContextEntries: [
          {
            ContextKeyName: 'iam:PassedToService',
            ContextKeyType: 'string',
            ContextKeyValues: ['cloudformation.amazonaws.com'],
          },
        ],
      }),
    );
    const decision = output.EvaluationResults?.[0]?.EvalDecision;
    if (decision === 'allowed') {
      return { status: 'allowed', detail: 'iam:PassRole allowed (policy simulator)' };
    }
    if (decision === undefined) {
      return { status: 'not-checked', detail: 'the policy simulator gave no decision' };
    }
    return { status: 'denied', detail: `the policy simulator says ${decision}` };
  } catch (error) {
    const name = error instanceof Error ? error.name : 'Error';
    const why = /AccessDenied/.test(name)
      ? 'no iam:SimulatePrincipalPolicy on your own principal'
      : `the simulator answered ${name}`;
    return { status: 'not-checked', detail: `not checked (${why}); CloudFormation will say` };
  }
}

/**
 * The error for a caller who may not pass the execution role. Never a fallback: without the
 * role, the stack would run with the caller's own rights, which is what the design forbids.
 */
export function passRoleDenied(
  callerArn: string,
  global: Pick<GlobalStackInfo, 'executionRoleArn' | 'developerPolicyArn'>,
  why: string,
  cause?: unknown,
): AiproxyError {
  const policy = global.developerPolicyArn ?? 'the aiproxy developer policy';
  return new AiproxyError(
    'PASS_ROLE_DENIED',
    `You may not pass the execution role ${global.executionRoleArn} to CloudFormation (${why}). ` +
      'aiproxy runs every stack operation as that role and never falls back to your own rights, so nothing was changed.',
    {
      exitCode: ExitCode.Aws,
      suggestions: [
        `Ask an admin to attach ${policy} to your user, group, role or permission set (it grants iam:PassRole on that role to CloudFormation only).`,
        `Check the identity in use: ${callerArn} (--profile picks another).`,
      ],
      ...(cause === undefined ? {} : { cause }),
    },
  );
}

/** Adds the developer-policy hint to a denied read of the global stack. */
function withDeveloperPolicyHint(error: unknown, stackName: string): unknown {
  if (!(error instanceof AiproxyError) || error.code !== 'AWS_ACCESS_DENIED') return error;
  return new AwsError('AWS_ACCESS_DENIED', error.message, {
    suggestions: [
      `Developers read ${stackName} through the aiproxy developer policy: ask an admin to attach it.`,
      ...error.suggestions,
    ],
    cause: error.cause,
  });
}
