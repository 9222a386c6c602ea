/**
 * Deploys a branch's pipeline stack with the shared change-set flow (`stacks/deployStack`):
 * always as the execution role, always declaring the template's resource types, and never
 * retrying with the caller's own rights when CloudFormation refuses the role.
 */
import type { AwsContext } from '../aws/clients.js';
import { AiproxyError, ExitCode, InputError } from '../errors.js';
import {
  deployStack,
  type DeployProgress,
  type DeployStackOptions,
  type DeployStackResult,
} from '../stacks/deploy.js';
import type { PollingOptions } from '../stacks/types.js';
import { pipelineConsoleUrl } from '../templates/pipeline.js';
import { explainStackFailure, type FailureExplanation } from './explain-failure.js';
import { passRoleDenied, setupCommand, type PreflightResult } from './preflight.js';
import type { PipelineTemplatePlan } from './template.js';

/** Options for {@link deployPipeline}. */
export interface DeployPipelineOptions {
  ctx: AwsContext;
  prefix: string;
  preflight: PreflightResult;
  plan: PipelineTemplatePlan;
  /** Asks before executing (and before recreating a ROLLBACK_COMPLETE stack). */
  confirm: DeployStackOptions['confirm'];
  /** Shows the change set before the question. */
  show?: DeployStackOptions['show'];
  onProgress?: (event: DeployProgress) => void;
  /** Wait for an operation already running on the stack instead of stopping. */
  waitIfBusy?: boolean;
  signal?: AbortSignal;
  polling?: PollingOptions;
}

/** Where the branch's pipeline lives: what the summary prints. */
export interface PipelineLinks {
  pipelineName: string;
  consoleUrl: string;
  pipelineStackName: string;
  /** Deployed by the pipeline itself on its first successful run, not by `deploy`. */
  appStackName: string;
  region: string;
}

/** How a pipeline deploy ended. */
export interface DeployPipelineResult {
  stack: DeployStackResult;
  links: PipelineLinks;
  /** For a failed operation whose first failed event is an access denial: the doctor's report. */
  explanation: FailureExplanation | null;
}

/** The template names its build role (`RoleName`), which needs the NAMED form. */
const CAPABILITIES: DeployStackOptions['capabilities'] = ['CAPABILITY_NAMED_IAM'];

/**
 * Creates or updates `<p>-<slug>-cicd` through a reviewed change set, as the execution role.
 *
 * @throws AiproxyError `PASS_ROLE_DENIED` or `EXECUTION_ROLE_UNUSABLE` (exit 3) when
 *   CloudFormation refuses the role; `NEEDS_YES`/`DECLINED` (exit 4) from `confirm`; AwsError
 *   for other AWS failures.
 */
export async function deployPipeline(
  options: DeployPipelineOptions,
): Promise<DeployPipelineResult> {
  const { preflight, plan } = options;
  const links = pipelineLinks(plan, preflight);
  checkConnection(plan, preflight, options.prefix);

  let stack: DeployStackResult;
  try {
    stack = await deployStack({
      cloudformation: options.ctx.cloudformation,
      stackName: plan.names.pipelineStackName,
      templateBody: plan.templateBody,
      capabilities: CAPABILITIES,
      // Both always: the developer policy denies change sets without them, and without the
      // role CloudFormation would act with the developer's own rights.
      roleArn: preflight.global.executionRoleArn,
      resourceTypes: plan.resourceTypes,
      confirm: options.confirm,
      ...(options.show === undefined ? {} : { show: options.show }),
      ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
      ...(options.waitIfBusy === undefined ? {} : { waitIfBusy: options.waitIfBusy }),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
      ...(options.polling === undefined ? {} : { polling: options.polling }),
    });
  } catch (error) {
    throw roleRefusal(error, preflight, options.prefix) ?? error;
  }

  const explanation =
    stack.kind === 'failed'
      ? await explainStackFailure(stack.stackName, stack.failure, options.prefix)
      : null;
  return { stack, links, explanation };
}

/** The pipeline's name, console link and stacks, from the plan (the stack's outputs agree). */
export function pipelineLinks(
  plan: PipelineTemplatePlan,
  preflight: Pick<PreflightResult, 'identity'>,
): PipelineLinks {
  const { region, partition } = preflight.identity;
  return {
    pipelineName: plan.names.pipelineName,
    consoleUrl: pipelineConsoleUrl(plan.names.pipelineName, region, partition),
    pipelineStackName: plan.names.pipelineStackName,
    appStackName: plan.names.appStackName,
    region,
  };
}

/**
 * CloudFormation's two ways of refusing the execution role, as clear errors:
 * - the caller may not pass it: `… is not authorized to perform: iam:PassRole …`;
 * - CloudFormation cannot assume it: `Role arn:… is invalid or cannot be assumed`.
 */
export function roleRefusal(
  error: unknown,
  preflight: PreflightResult,
  prefix: string,
): AiproxyError | undefined {
  if (!(error instanceof AiproxyError)) return undefined;
  const text = `${error.message} ${causeMessage(error)}`;
  if (/iam:PassRole/i.test(text)) {
    return passRoleDenied(
      preflight.identity.arn,
      preflight.global,
      'CloudFormation says you are not authorized to perform iam:PassRole on it',
      error,
    );
  }
  if (/is invalid or cannot be assumed/i.test(text)) {
    return new AiproxyError(
      'EXECUTION_ROLE_UNUSABLE',
      `CloudFormation cannot act as the execution role ${preflight.global.executionRoleArn}: it is missing or does not trust cloudformation.amazonaws.com. Nothing was changed, and aiproxy does not fall back to your own rights.`,
      {
        exitCode: ExitCode.Aws,
        suggestions: [
          `Ask an admin to run \`${setupCommand(prefix, preflight.identity.region)}\` to repair the global stack.`,
        ],
        cause: error,
      },
    );
  }
  return undefined;
}

/**
 * The pipeline's source needs a connection: the project's, or the global stack's export.
 * Without either, the change set would fail on an import that does not exist; say it first.
 */
function checkConnection(plan: PipelineTemplatePlan, preflight: PreflightResult, prefix: string) {
  const { global } = preflight;
  if (plan.connectionArn !== null || global.connectionArn !== undefined) return;
  // Without outputs to read, the import is CloudFormation's to resolve (or to refuse, naming it).
  if (global.outputsSource === 'names') return;
  throw new InputError(
    'NO_SOURCE_CONNECTION',
    `No source connection: the project config names none and the global stack ${preflight.global.stackName} has no ConnectionArn output.`,
    {
      suggestions: [
        'Pass `--connection-arn ARN` (or set "connectionArn" in aiproxy.config.json).',
        `Or ask an admin to run \`${setupCommand(prefix, preflight.identity.region)} --create-connection github\`.`,
      ],
    },
  );
}

function causeMessage(error: Error): string {
  return error.cause instanceof Error ? error.cause.message : '';
}
