/**
 * Step 7 of `setup`: what developers need once the global stack is up: the developer
 * policy's ARN, how an admin attaches it, and the command developers run next.
 */
import {
  AttachGroupPolicyCommand,
  AttachRolePolicyCommand,
  type IAMClient,
} from '@aws-sdk/client-iam';

import { callAws } from '../aws/call.js';
import { AiproxyError, RefusedError } from '../errors.js';
import { DEFAULT_PREFIX, globalArns, globalNames, type AwsEnv } from '../names.js';
import { GLOBAL_OUTPUT_KEYS } from '../templates/global.js';
import type { ConnectionChoice } from './template.js';

/** The global stack's outputs, by meaning. */
export interface SetupOutputs {
  executionRoleArn: string;
  pipelineRoleArn: string;
  boundaryPolicyArn: string;
  developerPolicyArn: string;
  /** Absent until a connection is given or created. */
  connectionArn?: string;
  version: string;
}

/** A pending connection an admin must accept in the console. */
export interface PendingConnection {
  /** Unknown when the stack did not report it. */
  connectionArn?: string;
  /** Where the admin completes the handshake with the provider. */
  consoleUrl: string;
}

/** Everything printed for the developers. */
export interface DeveloperHandoff {
  outputs: SetupOutputs;
  /** The developer policy's name and IAM path (an SSO permission set references both). */
  developerPolicy: { name: string; path: string };
  /** AWS CLI commands that attach the developer policy (group, role). */
  attachCommands: string[];
  /** The command a developer runs next. */
  nextCommand: string;
  pendingConnection?: PendingConnection;
}

/**
 * The outputs, each read from the stack and, when the stack did not report it, from the
 * names every global piece has by construction (they are fixed per prefix, account and
 * region): some emulators do not report the outputs of stacks made by change sets.
 */
export function setupOutputs(
  outputs: Record<string, string>,
  options: { prefix: string; env: AwsEnv; version: number },
): SetupOutputs {
  const arns = globalArns(options.prefix, options.env);
  const keys = GLOBAL_OUTPUT_KEYS;
  const connectionArn = outputs[keys.connectionArn];
  return {
    executionRoleArn: outputs[keys.executionRoleArn] ?? arns.executionRole,
    pipelineRoleArn: outputs[keys.pipelineRoleArn] ?? arns.pipelineRole,
    boundaryPolicyArn: outputs[keys.boundaryPolicyArn] ?? arns.boundaryPolicy,
    developerPolicyArn: outputs[keys.developerPolicyArn] ?? arns.developerPolicy,
    ...(connectionArn === undefined || connectionArn === '' ? {} : { connectionArn }),
    version: outputs[keys.version] ?? String(options.version),
  };
}

/** Builds the hand-off from the outputs and the settings `setup` ran with. */
export function developerHandoff(
  outputs: SetupOutputs,
  options: { prefix: string; env: AwsEnv; connection: ConnectionChoice },
): DeveloperHandoff {
  const names = globalNames(options.prefix, options.env);
  const arn = outputs.developerPolicyArn;
  const prefixFlag = options.prefix === DEFAULT_PREFIX ? '' : ` --prefix ${options.prefix}`;
  const handoff: DeveloperHandoff = {
    outputs,
    developerPolicy: { name: names.developerPolicyName, path: names.iamPath },
    attachCommands: [
      `aws iam attach-group-policy --group-name GROUP --policy-arn ${arn}`,
      `aws iam attach-role-policy --role-name ROLE --policy-arn ${arn}`,
    ],
    nextCommand: `aiproxy deploy --branch BRANCH --region ${options.env.region}${prefixFlag}`,
  };
  if (options.connection.kind === 'create') {
    handoff.pendingConnection = {
      ...(outputs.connectionArn === undefined ? {} : { connectionArn: outputs.connectionArn }),
      consoleUrl: connectionConsoleUrl(options.env, outputs.connectionArn),
    };
  }
  return handoff;
}

const CONSOLE_HOSTS: Record<string, string> = {
  aws: 'console.aws.amazon.com',
  'aws-cn': 'console.amazonaws.cn',
  'aws-us-gov': 'console.amazonaws-us-gov.com',
};

/**
 * The console page where a PENDING connection is completed ("Update pending connection"):
 * the API can create a connection but only a person in the console can authorise the
 * provider's app. https://docs.aws.amazon.com/dtconsole/latest/userguide/connections-update.html
 */
export function connectionConsoleUrl(env: AwsEnv, connectionArn?: string): string {
  const host = CONSOLE_HOSTS[env.partition] ?? CONSOLE_HOSTS.aws;
  const id = connectionArn?.split('/').pop();
  if (id === undefined || id === '') {
    return `https://${host}/codesuite/settings/connections?region=${env.region}`;
  }
  return `https://${host}/codesuite/settings/${env.accountId}/${env.region}/connections/${id}?region=${env.region}`;
}

/** Where `--attach-to-group` / `--attach-to-role` attach the developer policy. */
export interface AttachTarget {
  kind: 'group' | 'role';
  name: string;
}

/** How one attachment went. */
export type Attachment = AttachTarget &
  (
    | { status: 'attached' }
    | { status: 'declined'; reason: string }
    | { status: 'failed'; error: AiproxyError }
  );

/**
 * Attaches the developer policy to each target after asking. Attaching an attached policy
 * is a no-op in IAM, so a rerun is safe. A failure or a refusal is recorded, not thrown:
 * the stack is up by then, and its hand-off must still be shown.
 */
export async function attachDeveloperPolicy(
  iam: IAMClient,
  options: {
    policyArn: string;
    targets: AttachTarget[];
    confirm: (message: string) => Promise<boolean>;
  },
): Promise<Attachment[]> {
  const attachments: Attachment[] = [];
  for (const target of options.targets) {
    const message = `Attach ${options.policyArn} to the IAM ${target.kind} ${target.name}?`;
    try {
      if (!(await options.confirm(message))) {
        attachments.push({ ...target, status: 'declined', reason: 'answered no' });
        continue;
      }
      await attach(iam, target, options.policyArn);
      attachments.push({ ...target, status: 'attached' });
    } catch (error) {
      if (error instanceof RefusedError) {
        attachments.push({ ...target, status: 'declined', reason: error.message });
      } else if (error instanceof AiproxyError) {
        attachments.push({ ...target, status: 'failed', error });
      } else {
        throw error;
      }
    }
  }
  return attachments;
}

function attach(iam: IAMClient, target: AttachTarget, policyArn: string): Promise<unknown> {
  if (target.kind === 'group') {
    return callAws({ service: 'iam', operation: 'AttachGroupPolicy' }, () =>
      iam.send(new AttachGroupPolicyCommand({ GroupName: target.name, PolicyArn: policyArn })),
    );
  }
  return callAws({ service: 'iam', operation: 'AttachRolePolicy' }, () =>
    iam.send(new AttachRolePolicyCommand({ RoleName: target.name, PolicyArn: policyArn })),
  );
}
