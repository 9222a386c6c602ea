/**
 * What `setup` learns from a global stack that already exists: the version its marker
 * records (what an update will do, or whether this CLI is too old to touch it), and the
 * connection it was set up with, so a plain `aiproxy setup` keeps it rather than removing it.
 */
import { GetTemplateCommand, type CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { GetParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';

import { callAws } from '../aws/call.js';
import { describeStackState, parseTemplate, type StackState } from '../stacks/index.js';
import {
  compatibility,
  GLOBAL_LOGICAL_IDS,
  GLOBAL_OUTPUT_KEYS,
  type ConnectionProvider,
} from '../templates/global.js';
import type { ConnectionChoice } from './template.js';

/** What running `setup` will do to the stack's version. */
export type VersionPlan =
  /** No stack yet (or one that must be recreated): it gets this CLI's version. */
  | { kind: 'new'; cliVersion: number }
  | { kind: 'same'; cliVersion: number; stackVersion: number }
  /** The stack is older (or has no readable marker): the update brings it to this version. */
  | { kind: 'upgrade'; cliVersion: number; stackVersion?: number }
  /** The stack is newer: this CLI would take away what a newer one added. */
  | { kind: 'cli-too-old'; cliVersion: number; stackVersion: number; message: string };

/** The stack as found before the change set. */
export interface ExistingGlobalStack {
  state: StackState;
  version: VersionPlan;
  /** The connection the stack has now; `none` for a new stack. */
  connection: ConnectionChoice;
}

/** Options for {@link inspectGlobalStack}. */
export interface InspectGlobalStackOptions {
  cloudformation: CloudFormationClient;
  ssm: SSMClient;
  stackName: string;
  versionParameterName: string;
  cliVersion: number;
}

/** Reads the stack's state, its version marker and its connection. */
export async function inspectGlobalStack(
  options: InspectGlobalStackOptions,
): Promise<ExistingGlobalStack> {
  const state = await describeStackState(options.cloudformation, options.stackName);
  // Only a stack that can be updated has a version worth comparing: any other state ends in
  // a recreate (a fresh stack) or an error before a change set.
  if (state.kind !== 'stable') {
    return {
      state,
      version: { kind: 'new', cliVersion: options.cliVersion },
      connection: { kind: 'none' },
    };
  }
  const stackVersion = await readVersion(options, state.outputs);
  return {
    state,
    version: planVersion(options.cliVersion, stackVersion),
    connection: await currentConnection(options.cloudformation, state.stackId, state.outputs),
  };
}

/** Compares versions with the templates' own {@link compatibility} rule. */
export function planVersion(cliVersion: number, stackVersion: number | undefined): VersionPlan {
  const verdict = compatibility(cliVersion, stackVersion);
  if (verdict.status === 'ok') return { kind: 'same', cliVersion, stackVersion: cliVersion };
  if (verdict.status === 'cli-too-old' && stackVersion !== undefined) {
    return { kind: 'cli-too-old', cliVersion, stackVersion, message: verdict.message };
  }
  return { kind: 'upgrade', cliVersion, ...(stackVersion === undefined ? {} : { stackVersion }) };
}

/** The `Version` output, else the SSM marker; undefined when neither reads as an integer. */
async function readVersion(
  options: InspectGlobalStackOptions,
  outputs: Record<string, string>,
): Promise<number | undefined> {
  const fromOutput = asVersion(outputs[GLOBAL_OUTPUT_KEYS.version]);
  if (fromOutput !== undefined) return fromOutput;
  try {
    const output = await options.ssm.send(
      new GetParameterCommand({ Name: options.versionParameterName }),
    );
    return asVersion(output.Parameter?.Value);
  } catch {
    // A missing or unreadable marker means "older than any versioned template": upgrade.
    return undefined;
  }
}

function asVersion(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d+$/.test(value.trim())) return undefined;
  return Number(value.trim());
}

/**
 * The stack's connection: one it created (a `SourceConnection` resource, whose provider is
 * kept) or one it was given (only the `ConnectionArn` output).
 */
async function currentConnection(
  cf: CloudFormationClient,
  stackId: string,
  outputs: Record<string, string>,
): Promise<ConnectionChoice> {
  const connectionArn = outputs[GLOBAL_OUTPUT_KEYS.connectionArn];
  if (connectionArn === undefined || connectionArn === '') return { kind: 'none' };
  const template = await callAws({ service: 'cloudformation', operation: 'GetTemplate' }, () =>
    cf.send(new GetTemplateCommand({ StackName: stackId, TemplateStage: 'Original' })),
  );
  const resources = parseTemplate(template.TemplateBody).Resources as
    Record<string, { Properties?: { ProviderType?: ConnectionProvider } }> | undefined;
  const provider = resources?.[GLOBAL_LOGICAL_IDS.connection]?.Properties?.ProviderType;
  return provider === undefined
    ? { kind: 'existing', connectionArn }
    : { kind: 'create', provider };
}
