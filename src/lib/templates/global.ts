/**
 * The global stack `<p>-global` that an admin deploys once per account and region with
 * `aiproxy setup`: the workload boundary, the CloudFormation execution role, the pipeline role,
 * the developer policy, optionally the source connection, and the version marker.
 *
 * The template uses pseudo parameters only (no looked-up values), so `setup --dry-run` can
 * print it without credentials. Its IAM documents come from `global-policies.ts`; the tests
 * simulate those same documents.
 */
import { stringify } from 'yaml';

import { InputError } from '../errors.js';
import {
  globalNames,
  LONGEST_ENV,
  resolvePattern,
  TEMPLATE_ENV,
  validatePrefix,
} from '../names.js';
import {
  INLINE_POLICIES_MAX_SIZE,
  MANAGED_POLICY_MAX_SIZE,
  policySize,
  toCfn,
  type PolicyDocument,
} from './cfn.js';
import { buildGlobalPolicies, type GlobalPolicies } from './global-policies.js';

/**
 * The version of the global template. Bump it when `deploy` starts to need something the
 * global stack did not provide before (an output, a permission): the version marker then
 * tells an older stack from a newer CLI, and the reverse.
 */
export const GLOBAL_TEMPLATE_VERSION = 1;

/** The providers `setup --create-connection` can create a connection for. */
export type ConnectionProvider = 'GitHub' | 'GitLab' | 'Bitbucket';

/** Options for {@link buildGlobalTemplate}. */
export interface GlobalTemplateOptions {
  /** The application prefix (default `aiproxy`). */
  prefix?: string;
  /** The template version recorded in the marker; normally {@link GLOBAL_TEMPLATE_VERSION}. */
  version: number;
  /** An existing CodeStar / CodeConnections connection, under either service prefix. */
  connectionArn?: string;
  /** Create a connection for this provider instead (it starts PENDING until an admin accepts). */
  createConnection?: ConnectionProvider;
}

/** The logical ids of the template, for the commands that read its events and outputs. */
export const GLOBAL_LOGICAL_IDS = {
  boundary: 'WorkloadBoundary',
  executionRole: 'ExecutionRole',
  executionServicesPolicy: 'ExecutionServicesPolicy',
  executionGuardPolicy: 'ExecutionGuardPolicy',
  pipelineRole: 'PipelineRole',
  developerPolicy: 'DeveloperPolicy',
  connection: 'SourceConnection',
  versionParameter: 'VersionParameter',
} as const;

/** The output keys `deploy` reads (each also exported; see `globalNames().exports`). */
export const GLOBAL_OUTPUT_KEYS = {
  executionRoleArn: 'ExecutionRoleArn',
  pipelineRoleArn: 'PipelineRoleArn',
  boundaryPolicyArn: 'BoundaryPolicyArn',
  developerPolicyArn: 'DeveloperPolicyArn',
  connectionArn: 'ConnectionArn',
  version: 'Version',
} as const;

const CONNECTION_ARN =
  /^arn:(aws|aws-cn|aws-us-gov):(codestar-connections|codeconnections):([a-z0-9-]+):(\d{12}):connection\/([0-9a-f-]{36})$/;

/**
 * The same connection under both service prefixes: CodeStar Connections was renamed
 * CodeConnections in 2024, and IAM evaluates `UseConnection` under the prefix of the ARN the
 * pipeline holds, which may be either.
 */
function bothConnectionArns(arn: string): string[] {
  const match = CONNECTION_ARN.exec(arn);
  if (match === null) {
    throw new InputError('INVALID_CONNECTION_ARN', `"${arn}" is not a connection ARN.`, {
      suggestions: [
        'Pass `--connection-arn arn:aws:codeconnections:REGION:ACCOUNT:connection/ID`, or `--create-connection github`.',
      ],
    });
  }
  const [, partition, , region, account, id] = match;
  return ['codestar-connections', 'codeconnections'].map(
    (service) => `arn:${partition}:${service}:${region}:${account}:connection/${id}`,
  );
}

/** The connection ARNs of a connection this template creates, as `Fn::Sub` strings. */
const CREATED_CONNECTION_ARNS = ['codestar-connections', 'codeconnections'].map(
  (service) =>
    `arn:\${AWS::Partition}:${service}:\${AWS::Region}:\${AWS::AccountId}:connection/\${ConnectionId}`,
);

function checkOptions(options: GlobalTemplateOptions): string {
  const prefix = validatePrefix(options.prefix);
  if (!Number.isInteger(options.version) || options.version < 1) {
    throw new InputError('INVALID_VERSION', `The template version must be a positive integer.`);
  }
  if (options.connectionArn !== undefined && options.createConnection !== undefined) {
    throw new InputError(
      'CONFLICTING_CONNECTION',
      'Give either an existing connection or a provider to create one, not both.',
      { suggestions: ['Drop `--create-connection`, or drop `--connection-arn`.'] },
    );
  }
  return prefix;
}

/** IAM's limits: 6,144 characters per managed policy, 10,240 for a role's inline policies. */
function checkPolicySizes(policies: GlobalPolicies): void {
  const limits: [keyof GlobalPolicies, number][] = [
    ['boundary', MANAGED_POLICY_MAX_SIZE],
    ['executionServices', MANAGED_POLICY_MAX_SIZE],
    ['executionGuard', MANAGED_POLICY_MAX_SIZE],
    ['developer', MANAGED_POLICY_MAX_SIZE],
    ['pipeline', INLINE_POLICIES_MAX_SIZE],
  ];
  for (const [name, limit] of limits) {
    const resolved = JSON.parse(
      resolvePattern(JSON.stringify(policies[name]), LONGEST_ENV),
    ) as PolicyDocument;
    const size = policySize(resolved);
    if (size > limit) {
      throw new InputError(
        'POLICY_TOO_LARGE',
        `The ${name} policy would be ${size} characters; IAM allows ${limit}.`,
        { suggestions: ['Use a shorter `--prefix`.'] },
      );
    }
  }
}

/**
 * The global stack's IAM documents in template form (placeholders for the account, region
 * and partition, `${ConnectionId}` for a connection the template creates).
 */
export function globalTemplatePolicies(options: GlobalTemplateOptions): GlobalPolicies {
  const prefix = checkOptions(options);
  const connectionArns =
    options.connectionArn !== undefined
      ? bothConnectionArns(options.connectionArn)
      : options.createConnection !== undefined
        ? CREATED_CONNECTION_ARNS
        : [];
  const policies = buildGlobalPolicies({ prefix, env: TEMPLATE_ENV, connectionArns });
  checkPolicySizes(policies);
  return policies;
}

/**
 * Builds the global stack's template as a plain object (CloudFormation JSON shape).
 *
 * @throws InputError for an invalid prefix, version or connection.
 */
export function buildGlobalTemplate(options: GlobalTemplateOptions): Record<string, unknown> {
  const prefix = checkOptions(options);
  const names = globalNames(prefix);
  const policies = globalTemplatePolicies(options);
  const ids = GLOBAL_LOGICAL_IDS;
  const creates = options.createConnection !== undefined;

  // `Fn::Sub` cannot split an ARN, so the created connection's id comes in as a variable.
  const connectionIdVariable = {
    ConnectionId: {
      'Fn::Select': [1, { 'Fn::Split': ['connection/', { Ref: ids.connection }] }],
    },
  };
  const cfn = (value: unknown): unknown => toCfn(value, creates ? connectionIdVariable : {});
  const tags = [
    { Key: 'aiproxy:prefix', Value: prefix },
    { Key: 'aiproxy:stack', Value: 'global' },
  ];

  const resources: Record<string, unknown> = {
    [ids.boundary]: {
      Type: 'AWS::IAM::ManagedPolicy',
      // Replacing the boundary would strand every role that carries it.
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: {
        ManagedPolicyName: cfn(names.boundaryPolicyName),
        Path: names.iamPath,
        Description: `aiproxy workload boundary: every role under /${prefix}/ must carry it.`,
        PolicyDocument: cfn(policies.boundary),
      },
    },
    [ids.executionRole]: {
      Type: 'AWS::IAM::Role',
      Properties: {
        RoleName: cfn(names.executionRoleName),
        Path: names.iamPath,
        Description: `aiproxy CloudFormation execution role for ${prefix}-*-cicd and ${prefix}-*-app stacks.`,
        AssumeRolePolicyDocument: cfn(policies.executionTrust),
        MaxSessionDuration: 3600,
        Tags: tags,
      },
    },
    [ids.executionServicesPolicy]: {
      Type: 'AWS::IAM::ManagedPolicy',
      Properties: {
        Path: names.iamPath,
        Description: "aiproxy execution role: the application's resources.",
        Roles: [{ Ref: ids.executionRole }],
        PolicyDocument: cfn(policies.executionServices),
      },
    },
    [ids.executionGuardPolicy]: {
      Type: 'AWS::IAM::ManagedPolicy',
      Properties: {
        Path: names.iamPath,
        Description: 'aiproxy execution role: IAM under the boundary, and the denies.',
        Roles: [{ Ref: ids.executionRole }],
        PolicyDocument: cfn(policies.executionGuard),
      },
    },
    [ids.pipelineRole]: {
      Type: 'AWS::IAM::Role',
      Properties: {
        RoleName: cfn(names.pipelineRoleName),
        Path: names.iamPath,
        Description: `aiproxy CodePipeline service role for ${prefix}-*-pipeline.`,
        AssumeRolePolicyDocument: cfn(policies.pipelineTrust),
        Policies: [{ PolicyName: 'pipeline', PolicyDocument: cfn(policies.pipeline) }],
        Tags: tags,
      },
    },
    [ids.developerPolicy]: {
      Type: 'AWS::IAM::ManagedPolicy',
      Properties: {
        ManagedPolicyName: cfn(names.developerPolicyName),
        Path: names.iamPath,
        Description: 'aiproxy developers: deploy, destroy, list and doctor; no IAM writes.',
        PolicyDocument: cfn(policies.developer),
      },
    },
    [ids.versionParameter]: {
      Type: 'AWS::SSM::Parameter',
      Properties: {
        Name: names.versionParameterName,
        Type: 'String',
        Value: String(options.version),
        Description: 'aiproxy global template version, checked by `aiproxy deploy`.',
      },
    },
  };

  if (options.createConnection !== undefined) {
    resources[ids.connection] = {
      Type: 'AWS::CodeStarConnections::Connection',
      Properties: {
        ConnectionName: names.connectionName,
        ProviderType: options.createConnection,
        Tags: tags,
      },
    };
  }

  const output = (key: string, value: unknown, exportName: string, description: string) => ({
    [key]: { Description: description, Value: value, Export: { Name: exportName } },
  });
  const connectionValue = options.connectionArn ?? (creates ? { Ref: ids.connection } : undefined);
  const keys = GLOBAL_OUTPUT_KEYS;

  return {
    AWSTemplateFormatVersion: '2010-09-09',
    Description: `aiproxy global stack (${prefix}), template version ${options.version}: boundary, execution and pipeline roles, developer policy.`,
    Metadata: { 'aiproxy:templateVersion': options.version, 'aiproxy:prefix': prefix },
    Resources: resources,
    Outputs: {
      ...output(
        keys.executionRoleArn,
        { 'Fn::GetAtt': [ids.executionRole, 'Arn'] },
        names.exports.executionRoleArn,
        'Pass it as RoleARN on every change to a delegated stack.',
      ),
      ...output(
        keys.pipelineRoleArn,
        { 'Fn::GetAtt': [ids.pipelineRole, 'Arn'] },
        names.exports.pipelineRoleArn,
        'The service role of every branch pipeline.',
      ),
      ...output(
        keys.boundaryPolicyArn,
        { Ref: ids.boundary },
        names.exports.boundaryPolicyArn,
        'Every role under the application path must carry it.',
      ),
      ...output(
        keys.developerPolicyArn,
        { Ref: ids.developerPolicy },
        names.exports.developerPolicyArn,
        "Attach it to the developers' group, role or permission set.",
      ),
      ...(connectionValue === undefined
        ? {}
        : output(
            keys.connectionArn,
            connectionValue,
            names.exports.connectionArn,
            'The source connection of the branch pipelines.',
          )),
      ...output(
        keys.version,
        String(options.version),
        names.exports.version,
        'The global template version.',
      ),
    },
  };
}

/**
 * The global template as YAML (long-form intrinsics, `Fn::Sub:`), as `setup --dry-run` and
 * `--output` print it.
 */
export function globalTemplateYaml(options: GlobalTemplateOptions): string {
  // YAML 1.1 quotes `2012-10-17`, `yes`, `on`…, which CloudFormation's parser would otherwise retype.
  return stringify(buildGlobalTemplate(options), {
    version: '1.1',
    lineWidth: 0,
    aliasDuplicateObjects: false,
  });
}

/** How a CLI and a global stack relate. */
export type CompatibilityStatus = 'ok' | 'setup-too-old' | 'cli-too-old';

/** The answer of {@link compatibility}. */
export interface CompatibilityResult {
  status: CompatibilityStatus;
  /** What to tell the user, naming the command that fixes it; empty when `ok`. */
  message: string;
}

/**
 * Compares the template version a CLI was built with to the version recorded by the global
 * stack (`undefined` when the marker is missing or unreadable as an integer). A stack older
 * than the CLI lacks something the CLI relies on: an admin must run `aiproxy setup`. A stack
 * newer than the CLI may have dropped or renamed what an older CLI expects: upgrade the CLI.
 * Versions are only bumped for such changes, so equality is the one safe state.
 */
export function compatibility(
  cliVersion: number,
  stackVersion: number | undefined,
): CompatibilityResult {
  if (stackVersion === undefined || !Number.isInteger(stackVersion) || stackVersion < cliVersion) {
    const found = stackVersion === undefined ? 'no version' : `version ${stackVersion}`;
    return {
      status: 'setup-too-old',
      message: `The global aiproxy stack has ${found}; this CLI needs version ${cliVersion}. Ask an admin to run \`aiproxy setup\`.`,
    };
  }
  if (stackVersion > cliVersion) {
    return {
      status: 'cli-too-old',
      message: `The global aiproxy stack is version ${stackVersion}; this CLI knows version ${cliVersion}. Upgrade aiproxy (npm install -g aiproxy@latest).`,
    };
  }
  return { status: 'ok', message: '' };
}
