/**
 * The whole `setup` flow as one library call: check the caller, read the existing stack
 * and its version, look for squatters, then deploy through the shared stack workflow and
 * hand off to developers. Nothing here prints or prompts: progress goes to `report`, the
 * change set to `show`, and every question to `confirm`.
 */
import type { AwsContext } from '../aws/clients.js';
import type { CallerIdentity } from '../aws/identity.js';
import { globalArns, globalNames } from '../names.js';
import {
  deployStack,
  type ChangeSetReview,
  type ConfirmQuestion,
  type DeployProgress,
  type GuardRefusal,
  type PollingOptions,
  type StackChange,
  waitForStack,
} from '../stacks/index.js';
import { GLOBAL_TEMPLATE_VERSION } from '../templates/global.js';
import { checkCaller, envOf, missingPermissionsError, type CallerCheck } from './caller.js';
import { deleteGlobalStack, type DeleteGlobalResult } from './delete.js';
import {
  inspectGlobalStack,
  type ExistingGlobalStack,
  type VersionPlan,
} from './existing-stack.js';
import { explainFailure, type ExplainedFailure } from './failure.js';
import { setupGuard } from './guard.js';
import {
  attachDeveloperPolicy,
  developerHandoff,
  setupOutputs,
  type AttachTarget,
  type Attachment,
  type DeveloperHandoff,
} from './handoff.js';
import { findSquatters, type Squatter } from './squatters.js';
import { buildSetupTemplate, type ConnectionChoice } from './template.js';

/** A question `setup` asks: the stack workflow's, or whether to attach the policy. */
export type SetupQuestion = ConfirmQuestion | { kind: 'attach'; message: string };

/** Progress of `setup`, for the command to render as it happens. */
export type SetupEvent =
  | { type: 'caller'; check: CallerCheck }
  | {
      type: 'existing';
      existing: ExistingGlobalStack;
      /** True when the stack's connection is kept because no connection flag was given. */
      connectionKept: boolean;
    }
  | { type: 'deploy'; progress: DeployProgress };

/** Options for {@link runSetup}. */
export interface RunSetupOptions {
  ctx: AwsContext;
  prefix: string;
  /** The connection from the flags; `none` keeps the stack's current one. */
  connection: ConnectionChoice;
  /** `--attach-to-group` / `--attach-to-role`. */
  attachTo: AttachTarget[];
  /** Answers a question; false declines. May throw (no terminal, Ctrl-C). */
  confirm: (question: SetupQuestion) => Promise<boolean>;
  /** Shows the change set before the question (omitted under `--json`). */
  show?: (review: ChangeSetReview) => void | Promise<void>;
  report?: (event: SetupEvent) => void;
  /** Wait for an operation already running on the stack (else stop with STACK_BUSY). */
  waitIfBusy: boolean;
  /** Aborting it stops waiting; the CloudFormation operation goes on. Default: Ctrl-C. */
  signal?: AbortSignal;
  polling?: PollingOptions;
}

interface Known {
  stackName: string;
  caller: CallerIdentity;
  version: VersionPlan;
}

/** How `setup` ended. Errors (credentials, missing permissions, a stuck stack) are thrown. */
export type SetupResult =
  | (Known & {
      kind: 'deployed' | 'no-changes';
      operation?: 'create' | 'update';
      changes: StackChange[];
      handoff: DeveloperHandoff;
      attachments: Attachment[];
    })
  | (Known & { kind: 'squatters'; squatters: Squatter[]; path: string })
  | (Known & { kind: 'cli-too-old' })
  | (Known & { kind: 'refused'; refusal: GuardRefusal })
  | (Known & {
      kind: 'declined';
      stage: 'recreate' | 'execute';
      /** A declined first create: its empty REVIEW_IN_PROGRESS stack was deleted. */
      firstCreate: boolean;
    })
  | (Known & {
      kind: 'failed';
      operation: 'create' | 'update' | 'delete';
      status: string;
      statusReason?: string;
      failure: ExplainedFailure;
    })
  | (Known & { kind: 'interrupted'; status: string; followCommand: string });

/**
 * Runs `setup` against the account and region of `ctx`.
 *
 * @throws AwsError when the caller lacks a permission the stack needs, on credential
 * errors, and for stack states only a person can resolve (UPDATE_ROLLBACK_FAILED, …).
 */
export async function runSetup(options: RunSetupOptions): Promise<SetupResult> {
  const { ctx, prefix } = options;

  const check = await checkCaller(ctx, { prefix, connection: options.connection });
  options.report?.({ type: 'caller', check });
  const missing = missingPermissionsError(check);
  if (missing !== undefined) throw missing;
  const env = envOf(check.identity);
  const names = globalNames(prefix, env);

  const inspect = () =>
    inspectGlobalStack({
      cloudformation: ctx.cloudformation,
      ssm: ctx.ssm,
      stackName: names.stackName,
      versionParameterName: names.versionParameterName,
      cliVersion: GLOBAL_TEMPLATE_VERSION,
    });
  let existing = await inspect();
  if (existing.state.kind === 'in-progress' && options.waitIfBusy) {
    // Wait here rather than in deployStack: the version and connection can only be read
    // once the running operation (perhaps a newer CLI's update) has ended.
    const waited = await waitOut(options, existing.state);
    if (waited !== undefined) {
      return {
        stackName: names.stackName,
        caller: check.identity,
        version: existing.version,
        ...waited,
      };
    }
    existing = await inspect();
  }
  // A plain rerun must not remove the connection every pipeline pulls through.
  const connectionKept = options.connection.kind === 'none' && existing.connection.kind !== 'none';
  const connection = connectionKept ? existing.connection : options.connection;
  options.report?.({ type: 'existing', existing, connectionKept });
  const known: Known = {
    stackName: names.stackName,
    caller: check.identity,
    version: existing.version,
  };
  if (existing.version.kind === 'cli-too-old') return { ...known, kind: 'cli-too-old' };

  const template = buildSetupTemplate({ prefix, connection });
  const squatters = await findSquatters(ctx.iam, { prefix, env });
  if (squatters.length > 0) return { ...known, kind: 'squatters', squatters, path: `/${prefix}/` };

  const deployed = await deployStack({
    cloudformation: ctx.cloudformation,
    stackName: names.stackName,
    templateBody: template.body,
    // Named roles and policies: the global names are fixed so that policies can refer to them.
    capabilities: ['CAPABILITY_NAMED_IAM'],
    guard: setupGuard(),
    confirm: options.confirm,
    ...(options.show === undefined ? {} : { show: options.show }),
    onProgress: (progress) => options.report?.({ type: 'deploy', progress }),
    waitIfBusy: options.waitIfBusy,
    ...(options.signal === undefined ? {} : { signal: options.signal }),
    ...(options.polling === undefined ? {} : { polling: options.polling }),
  });

  switch (deployed.kind) {
    case 'deployed':
    case 'no-changes': {
      const outputs = setupOutputs(deployed.outputs, { prefix, env, version: template.version });
      const handoff = developerHandoff(outputs, { prefix, env, connection });
      const attachments = await attachDeveloperPolicy(ctx.iam, {
        policyArn: outputs.developerPolicyArn,
        targets: options.attachTo,
        confirm: (message) => options.confirm({ kind: 'attach', message }),
      });
      return {
        ...known,
        kind: deployed.kind,
        ...(deployed.kind === 'deployed' ? { operation: deployed.operation } : {}),
        changes: deployed.kind === 'deployed' ? deployed.changes : [],
        handoff,
        attachments,
      };
    }
    case 'refused':
      return { ...known, kind: 'refused', refusal: deployed.refusal };
    case 'declined':
      return {
        ...known,
        kind: 'declined',
        stage: deployed.stage,
        firstCreate: existing.state.kind !== 'stable',
      };
    case 'failed':
      return {
        ...known,
        kind: 'failed',
        operation: deployed.operation,
        status: deployed.status,
        ...(deployed.statusReason === undefined ? {} : { statusReason: deployed.statusReason }),
        failure: await explainFailure(deployed.failure, { prefix }),
      };
    case 'interrupted':
      return {
        ...known,
        kind: 'interrupted',
        status: deployed.status,
        followCommand: deployed.followCommand,
      };
  }
}

/** Waits for the stack's running operation; returns the interruption if Ctrl-C came first. */
async function waitOut(
  options: RunSetupOptions,
  state: { stackName: string; stackId: string; status: string },
): Promise<{ kind: 'interrupted'; status: string; followCommand: string } | undefined> {
  const report = options.report;
  report?.({
    type: 'deploy',
    progress: { type: 'waiting', stackName: state.stackName, status: state.status },
  });
  const waited = await waitForStack(options.ctx.cloudformation, {
    stackId: state.stackId,
    stackName: state.stackName,
    ...(report === undefined
      ? {}
      : {
          onActivity: (activity) =>
            report({ type: 'deploy', progress: { type: 'activity', activity } }),
        }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
    ...(options.polling === undefined ? {} : { polling: options.polling }),
  });
  if (waited.kind !== 'interrupted') return undefined;
  return { kind: 'interrupted', status: waited.status, followCommand: waited.followCommand };
}

/** Options for {@link runSetupDelete}. */
export interface RunSetupDeleteOptions {
  ctx: AwsContext;
  prefix: string;
  confirm: (question: { message: string }) => Promise<boolean>;
  report?: (event: SetupEvent) => void;
  waitIfBusy: boolean;
  signal?: AbortSignal;
  polling?: PollingOptions;
}

/** `setup --delete`: who is calling, then the guarded delete. */
export async function runSetupDelete(
  options: RunSetupDeleteOptions,
): Promise<DeleteGlobalResult & { caller: CallerIdentity }> {
  const check = await checkCaller(options.ctx, {
    prefix: options.prefix,
    connection: { kind: 'none' },
  });
  options.report?.({ type: 'caller', check });
  const env = envOf(check.identity);
  const names = globalNames(options.prefix, env);
  const report = options.report;
  const result = await deleteGlobalStack({
    cloudformation: options.ctx.cloudformation,
    stackName: names.stackName,
    prefix: options.prefix,
    boundaryPolicyArn: globalArns(options.prefix, env).boundaryPolicy,
    confirm: options.confirm,
    waitIfBusy: options.waitIfBusy,
    ...(report === undefined
      ? {}
      : {
          onActivity: (activity) =>
            report({ type: 'deploy', progress: { type: 'activity', activity } }),
        }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
    ...(options.polling === undefined ? {} : { polling: options.polling }),
  });
  return { ...result, caller: check.identity };
}
