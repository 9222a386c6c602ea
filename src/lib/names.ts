/**
 * Every name aiproxy gives an AWS resource, and the ARN patterns its policies grant on.
 *
 * The policies scope by name, so the names are built to be disjoint by construction:
 * - global pieces (made by `setup`) live under the stack `<p>-global`, the IAM path
 *   `/<p>-global/` and the SSM path `/<p>-global/`;
 * - delegated pieces (made by `deploy` and the pipelines) live under `<p>-<slug>-<kind>`, the
 *   IAM path `/<p>/` and the SSM/Secrets path `/<p>/<slug>/`, where the slug of a branch never
 *   is `global` nor starts with `global-`.
 * `role/<p>/*` can therefore never match `role/<p>-global/…`: the IAM path separator is part
 * of the pattern. `test/names.test.ts` proves the disjointness.
 *
 * Names that need the account or region come in two forms: with the pseudo parameters
 * `${AWS::Partition}`, `${AWS::AccountId}`, `${AWS::Region}` for templates (use them in
 * `Fn::Sub`; see {@link TEMPLATE_ENV}), and concrete, for tests and API calls.
 */
import { createHash } from 'node:crypto';

import { InputError } from './errors.js';
import { validateBranchName } from './git.js';

/** The application prefix when none is configured. */
export const DEFAULT_PREFIX = 'aiproxy';

/** Where a name lives: a partition, an account and a region, concrete or as placeholders. */
export interface AwsEnv {
  /** `aws`, `aws-cn`, `aws-us-gov`, … or `${AWS::Partition}`. */
  partition: string;
  /** Twelve digits, or `${AWS::AccountId}`. */
  accountId: string;
  /** `us-east-1`, … or `${AWS::Region}`. */
  region: string;
}

/** The pseudo-parameter form: every name and pattern built with it is an `Fn::Sub` string. */
export const TEMPLATE_ENV: AwsEnv = {
  partition: '${AWS::Partition}',
  accountId: '${AWS::AccountId}',
  region: '${AWS::Region}',
};

/**
 * The longest values a placeholder can take: a name or policy that fits with these fits in
 * every account and region. `aws-us-gov` is the longest partition and `us-isof-south-1` the
 * longest region name (15 characters) at the time of writing; a longer one is caught by the
 * concrete checks.
 */
export const LONGEST_ENV: AwsEnv = {
  partition: 'aws-us-gov',
  accountId: '123456789012',
  region: 'us-isof-south-1',
};

const MAX_REGION_LENGTH = LONGEST_ENV.region.length;
const ACCOUNT_ID_LENGTH = 12;

const PREFIX_MIN = 2;
const PREFIX_MAX = 16;
const PREFIX_SHAPE = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;

/** Hex digits of SHA-256 kept when a branch name had to be shortened or changed. */
const HASH_LENGTH = 8;
const HASH_SUFFIX = new RegExp(`-[0-9a-f]{${HASH_LENGTH}}$`);

/** The word that marks global names; no branch slug may be it or start with it. */
const GLOBAL = 'global';

/**
 * Checks an application prefix and returns it. A prefix is 2–16 lowercase letters, digits
 * and single hyphens, starting with a letter: it must fit S3 bucket and ECR repository
 * rules (lowercase only) and leave room for the branch in a 63-character bucket name.
 *
 * @throws InputError when the prefix cannot make valid, disjoint names.
 */
export function validatePrefix(prefix: string = DEFAULT_PREFIX): string {
  const fix = ['Pass a prefix such as `aiproxy` or `team-app` (lowercase, 2–16 characters).'];
  if (prefix.length < PREFIX_MIN || prefix.length > PREFIX_MAX) {
    throw new InputError(
      'INVALID_PREFIX',
      `The prefix "${prefix}" must be ${PREFIX_MIN}–${PREFIX_MAX} characters long.`,
      { suggestions: fix },
    );
  }
  if (!PREFIX_SHAPE.test(prefix)) {
    throw new InputError(
      'INVALID_PREFIX',
      `The prefix "${prefix}" must be lowercase letters, digits and single hyphens, starting with a letter.`,
      { suggestions: fix },
    );
  }
  // A prefix `x-global` would own the IAM path `/x-global/`, which is the global path of
  // the prefix `x`: one application's execution role could then create another's roles.
  if (prefix === GLOBAL || prefix.endsWith(`-${GLOBAL}`)) {
    throw new InputError('INVALID_PREFIX', `The prefix "${prefix}" must not end with "global".`, {
      suggestions: fix,
    });
  }
  // `/aws…/` IAM paths and `aws…` names are reserved or confusing next to AWS's own roles.
  if (prefix === 'aws' || prefix.startsWith('aws-') || prefix.startsWith('amzn')) {
    throw new InputError('INVALID_PREFIX', `The prefix "${prefix}" is reserved by AWS.`, {
      suggestions: fix,
    });
  }
  return prefix;
}

/**
 * Longest slug a prefix leaves room for: the artifact bucket `<p>-<slug>-<account>-<region>`
 * is the tightest name (63 characters). It depends on the prefix only, so a branch has the
 * same slug in every region.
 */
export function slugBudget(prefix: string): number {
  return 63 - prefix.length - 1 - 1 - ACCOUNT_ID_LENGTH - 1 - MAX_REGION_LENGTH;
}

/** Lowercase, every run of other characters folded into one hyphen, no hyphen at either end. */
function sanitize(branch: string): string {
  return branch
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

function shortHash(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex').slice(0, HASH_LENGTH);
}

// Not only `global-…`: an admin's own SCP may well protect `<p>-global*`.
function isReserved(slug: string): boolean {
  return slug.startsWith(GLOBAL);
}

/**
 * The stable, unique name fragment of a branch. A branch that already is a clean slug
 * (lowercase letters, digits and single hyphens, short enough, not starting with `global`, not ending in
 * something that looks like our hash) is kept as it is. Any other branch becomes its
 * sanitised, shortened form plus `-` and 8 hex digits of the SHA-256 of the full name.
 *
 * Why that is injective: kept slugs never end in `-<8 hex>` and changed ones always do, so the
 * two sets cannot meet; kept slugs are the branch itself; changed slugs differ by their hash.
 *
 * @throws InputError `INVALID_BRANCH` for a name git would refuse as a branch (see
 *   `validateBranchName` in `git.ts`), empty included.
 */
export function branchSlug(branch: string, prefix: string = DEFAULT_PREFIX): string {
  validatePrefix(prefix);
  // Here, so that every way a branch comes in (flags, git, a stack's tag) meets git's rules.
  validateBranchName(branch);
  const budget = slugBudget(prefix);
  const clean = sanitize(branch);
  if (
    clean === branch &&
    clean.length <= budget &&
    !isReserved(clean) &&
    !HASH_SUFFIX.test(clean)
  ) {
    return clean;
  }

  // `b-` keeps a branch called `global…` out of the global namespace `<p>-global…`.
  let readable = clean === '' ? 'branch' : clean;
  if (isReserved(readable)) readable = `b-${readable}`;
  readable = readable.slice(0, budget - HASH_LENGTH - 1).replace(/-+$/, '');
  return `${readable}-${shortHash(branch)}`;
}

/** Replaces the pseudo-parameter placeholders of a template name or pattern with `env`. */
export function resolvePattern(template: string, env: AwsEnv): string {
  return template
    .replaceAll(TEMPLATE_ENV.partition, env.partition)
    .replaceAll(TEMPLATE_ENV.accountId, env.accountId)
    .replaceAll(TEMPLATE_ENV.region, env.region);
}

// ---------------------------------------------------------------------------------------
// AWS name rules
// ---------------------------------------------------------------------------------------

/** The kinds of name aiproxy generates, each with its AWS rule. */
export type NameKind =
  | 'stack'
  | 'iam-role'
  | 'iam-policy'
  | 'iam-path'
  | 's3-bucket'
  | 'ecr-repository'
  | 'codebuild-project'
  | 'log-group'
  | 'codepipeline'
  | 'ssm-parameter'
  | 'secret'
  | 'ecs-cluster'
  | 'connection'
  | 'export';

interface NameRule {
  max: number;
  shape: RegExp;
  /** What the AWS documentation says, for the error message. */
  says: string;
}

// Sources: CloudFormation CreateStack `StackName`; IAM `CreateRole`/`CreatePolicy` `RoleName`,
// `PolicyName`, `Path`; S3 "General purpose bucket naming rules"; ECR `CreateRepository`;
// CodeBuild `CreateProject`; CloudWatch Logs `CreateLogGroup`; CodePipeline `PipelineDeclaration`;
// SSM `PutParameter` (1011 for the full name); Secrets Manager `CreateSecret` (512);
// ECS `CreateCluster`; CodeConnections `CreateConnection` (32); CloudFormation export names.
const NAME_RULES: Record<NameKind, NameRule> = {
  stack: { max: 128, shape: /^[A-Za-z][A-Za-z0-9-]*$/, says: 'letters, digits, hyphens' },
  'iam-role': { max: 64, shape: /^[\w+=,.@-]+$/, says: 'letters, digits and +=,.@_-' },
  'iam-policy': { max: 128, shape: /^[\w+=,.@-]+$/, says: 'letters, digits and +=,.@_-' },
  'iam-path': { max: 512, shape: /^\/(?:[\x21-\x2e\x30-\x7e]+\/)*$/, says: '/…/' },
  's3-bucket': {
    max: 63,
    shape: /^(?!xn--|sthree-|amzn-s3-demo-)[a-z0-9][a-z0-9-]*[a-z0-9]$/,
    says: 'lowercase letters, digits, hyphens; not xn--/sthree-/amzn-s3-demo-',
  },
  'ecr-repository': {
    max: 256,
    shape: /^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/,
    says: 'lowercase components separated by /',
  },
  'codebuild-project': { max: 255, shape: /^[A-Za-z0-9][A-Za-z0-9_-]+$/, says: 'A-Za-z0-9_-' },
  'log-group': { max: 512, shape: /^[.\-_/#A-Za-z0-9]+$/, says: 'A-Za-z0-9 and ._-/#' },
  codepipeline: { max: 100, shape: /^[A-Za-z0-9.@_-]+$/, says: 'A-Za-z0-9 and .@_-' },
  'ssm-parameter': { max: 1011, shape: /^\/[A-Za-z0-9_.\-/]+$/, says: '/a/b/c' },
  secret: { max: 512, shape: /^[A-Za-z0-9/_+=.@-]+$/, says: 'A-Za-z0-9 and /_+=.@-' },
  'ecs-cluster': { max: 255, shape: /^[A-Za-z0-9_-]+$/, says: 'A-Za-z0-9_-' },
  connection: { max: 32, shape: /^[\w-]+$/, says: 'letters, digits, _ and -' },
  export: { max: 255, shape: /^[A-Za-z0-9:-]+$/, says: 'letters, digits, : and -' },
};

/**
 * Checks a generated name against the AWS rule for its kind, placeholders replaced by their
 * longest values, and returns it unchanged.
 *
 * @throws InputError naming the kind, the limit and the name.
 */
export function checkName(kind: NameKind, name: string): string {
  const rule = NAME_RULES[kind];
  const concrete = resolvePattern(name, LONGEST_ENV);
  const fix = ['Use a shorter `--prefix`; branch names are shortened automatically.'];
  if (concrete.length > rule.max) {
    throw new InputError(
      'NAME_TOO_LONG',
      `The ${kind} name "${concrete}" is ${concrete.length} characters; AWS allows ${rule.max}.`,
      { suggestions: fix },
    );
  }
  if (
    !rule.shape.test(concrete) ||
    (kind === 's3-bucket' && /\.\.|^\d+\.\d+\.\d+\.\d+$/.test(concrete))
  ) {
    throw new InputError(
      'INVALID_NAME',
      `The ${kind} name "${concrete}" breaks the AWS naming rule (${rule.says}).`,
      { suggestions: fix },
    );
  }
  return name;
}

function checkEnv(env: AwsEnv): void {
  if (env === TEMPLATE_ENV) return;
  if (!/^\d{12}$/.test(env.accountId) && env.accountId !== TEMPLATE_ENV.accountId) {
    throw new InputError('INVALID_ACCOUNT', `"${env.accountId}" is not a 12-digit account id.`);
  }
  if (!/^[a-z]{2}(?:-[a-z]+)+-\d$/.test(env.region) && env.region !== TEMPLATE_ENV.region) {
    throw new InputError('INVALID_REGION', `"${env.region}" is not an AWS region name.`, {
      suggestions: ['Pass `--region us-east-1` or set AWS_REGION.'],
    });
  }
}

// ---------------------------------------------------------------------------------------
// Global names
// ---------------------------------------------------------------------------------------

/** Names of the pieces the global stack makes. */
export interface GlobalNames {
  prefix: string;
  /** `<p>-global`. */
  stackName: string;
  /** `/<p>-global/`: the IAM path of every global role and policy. */
  iamPath: string;
  /** Role names are account-wide while the stack is regional: each carries the region. */
  executionRoleName: string;
  pipelineRoleName: string;
  boundaryPolicyName: string;
  developerPolicyName: string;
  /** `/<p>-global/version`: the SSM parameter `deploy` checks. */
  versionParameterName: string;
  /** The CodeConnections connection `setup --create-connection` makes (32 characters max). */
  connectionName: string;
  /** The stack's export names, which `deploy` reads. */
  exports: {
    executionRoleArn: string;
    pipelineRoleArn: string;
    boundaryPolicyArn: string;
    developerPolicyArn: string;
    connectionArn: string;
    version: string;
  };
}

/**
 * The global names of a prefix, in `env` (placeholders by default).
 *
 * @throws InputError for an invalid prefix or a name over an AWS limit.
 */
export function globalNames(
  prefix: string = DEFAULT_PREFIX,
  env: AwsEnv = TEMPLATE_ENV,
): GlobalNames {
  validatePrefix(prefix);
  checkEnv(env);
  const g = `${prefix}-${GLOBAL}`;
  const exportName = (what: string): string => checkName('export', `${g}-${what}`);
  return {
    prefix,
    stackName: checkName('stack', g),
    iamPath: checkName('iam-path', `/${g}/`),
    executionRoleName: checkName('iam-role', `${g}-cfn-exec-${env.region}`),
    pipelineRoleName: checkName('iam-role', `${g}-pipeline-${env.region}`),
    boundaryPolicyName: checkName('iam-policy', `${g}-workload-boundary-${env.region}`),
    developerPolicyName: checkName('iam-policy', `${g}-developer-${env.region}`),
    versionParameterName: checkName('ssm-parameter', `/${g}/version`),
    connectionName: checkName('connection', g),
    exports: {
      executionRoleArn: exportName('ExecutionRoleArn'),
      pipelineRoleArn: exportName('PipelineRoleArn'),
      boundaryPolicyArn: exportName('BoundaryPolicyArn'),
      developerPolicyArn: exportName('DeveloperPolicyArn'),
      connectionArn: exportName('ConnectionArn'),
      version: exportName('Version'),
    },
  };
}

/** ARNs of the global pieces, and the patterns that cover all of them. */
export interface GlobalArns {
  /** `stack/<p>-global/*`. */
  stack: string;
  executionRole: string;
  pipelineRole: string;
  boundaryPolicy: string;
  developerPolicy: string;
  versionParameter: string;
  /** `role/<p>-global/*`: every global role. */
  roles: string;
  /** `policy/<p>-global/*`: every global managed policy. */
  policies: string;
  /** `instance-profile/<p>-global/*`: none exist; denied so none can. */
  instanceProfiles: string;
  /** `parameter/<p>-global/*`. */
  parameters: string;
  /** Every pattern above, for the explicit Denies that back each delegated grant. */
  all: string[];
}

/** The global ARNs of a prefix in `env` (placeholders by default). */
export function globalArns(
  prefix: string = DEFAULT_PREFIX,
  env: AwsEnv = TEMPLATE_ENV,
): GlobalArns {
  const n = globalNames(prefix, env);
  const { partition: P, accountId: A, region: R } = env;
  const iam = `arn:${P}:iam::${A}`;
  const arns = {
    stack: `arn:${P}:cloudformation:${R}:${A}:stack/${n.stackName}/*`,
    executionRole: `${iam}:role${n.iamPath}${n.executionRoleName}`,
    pipelineRole: `${iam}:role${n.iamPath}${n.pipelineRoleName}`,
    boundaryPolicy: `${iam}:policy${n.iamPath}${n.boundaryPolicyName}`,
    developerPolicy: `${iam}:policy${n.iamPath}${n.developerPolicyName}`,
    versionParameter: `arn:${P}:ssm:${R}:${A}:parameter${n.versionParameterName}`,
    roles: `${iam}:role${n.iamPath}*`,
    policies: `${iam}:policy${n.iamPath}*`,
    instanceProfiles: `${iam}:instance-profile${n.iamPath}*`,
    parameters: `arn:${P}:ssm:${R}:${A}:parameter${n.iamPath}*`,
  };
  return {
    ...arns,
    all: [arns.stack, arns.roles, arns.policies, arns.instanceProfiles, arns.parameters],
  };
}

// ---------------------------------------------------------------------------------------
// Delegated names: per branch, and the patterns covering every branch
// ---------------------------------------------------------------------------------------

/** Options for {@link branchNames} and {@link branchArns}. */
export interface BranchNameOptions {
  /** Default `aiproxy`. */
  prefix?: string;
  /** Default {@link TEMPLATE_ENV}. */
  env?: AwsEnv;
}

/** Names of one branch's pieces. Each ends in its own kind, so no two kinds can coincide. */
export interface BranchNames {
  branch: string;
  slug: string;
  /** `<p>-<slug>-cicd`: deployed by `deploy`. */
  pipelineStackName: string;
  /** `<p>-<slug>-app`: deployed by the pipeline. */
  appStackName: string;
  /** `/<p>/`: the IAM path of every role these stacks create. */
  iamPath: string;
  /** `<p>-<slug>-build-<region>`: the CodeBuild service role (role names are account-wide). */
  buildRoleName: string;
  /** `<p>-<slug>-<account>-<region>`: bucket names are global across all accounts. */
  artifactBucketName: string;
  /** `<p>/<slug>`. */
  repositoryName: string;
  /** `<p>-<slug>-build`. */
  buildProjectName: string;
  /** `/aws/codebuild/<p>-<slug>-build`: CodeBuild's default group for the project. */
  buildLogGroupName: string;
  /** `<p>-<slug>-pipeline`. */
  pipelineName: string;
  /** `<p>-<slug>-cluster`: the ECS cluster of the application stack. */
  clusterName: string;
  /** `/<p>/<slug>/`: log groups of the application stack start with it. */
  appLogGroupPrefix: string;
  /** `/<p>/<slug>/`: SSM parameters of this branch. */
  parameterPath: string;
  /** `/<p>/<slug>/`: Secrets Manager names of this branch. */
  secretPath: string;
}

/**
 * The names of a branch's pieces.
 *
 * @throws InputError for a branch name git would refuse, an invalid prefix or a name over an
 *   AWS limit.
 */
export function branchNames(branch: string, options: BranchNameOptions = {}): BranchNames {
  const prefix = validatePrefix(options.prefix ?? DEFAULT_PREFIX);
  const env = options.env ?? TEMPLATE_ENV;
  checkEnv(env);
  const slug = branchSlug(branch, prefix);
  const base = `${prefix}-${slug}`;
  const path = `/${prefix}/${slug}/`;
  return {
    branch,
    slug,
    pipelineStackName: checkName('stack', `${base}-cicd`),
    appStackName: checkName('stack', `${base}-app`),
    iamPath: checkName('iam-path', `/${prefix}/`),
    buildRoleName: checkName('iam-role', `${base}-build-${env.region}`),
    artifactBucketName: checkName('s3-bucket', `${base}-${env.accountId}-${env.region}`),
    repositoryName: checkName('ecr-repository', `${prefix}/${slug}`),
    buildProjectName: checkName('codebuild-project', `${base}-build`),
    buildLogGroupName: checkName('log-group', `/aws/codebuild/${base}-build`),
    pipelineName: checkName('codepipeline', `${base}-pipeline`),
    clusterName: checkName('ecs-cluster', `${base}-cluster`),
    appLogGroupPrefix: checkName('log-group', path),
    parameterPath: checkName('ssm-parameter', path),
    secretPath: checkName('secret', path),
  };
}

/** ARNs of one branch's pieces. */
export interface BranchArns {
  pipelineStack: string;
  appStack: string;
  buildRole: string;
  artifactBucket: string;
  artifactObjects: string;
  repository: string;
  buildProject: string;
  /** The log group, as `logs:CreateLogGroup` sees it. */
  buildLogGroup: string;
  /** Its streams, as `logs:CreateLogStream`/`PutLogEvents` see them. */
  buildLogStreams: string;
  pipeline: string;
  cluster: string;
  parameters: string;
  secrets: string;
}

/** The ARNs of a branch's pieces (stacks as `stack/<name>/*`). */
export function branchArns(branch: string, options: BranchNameOptions = {}): BranchArns {
  const env = options.env ?? TEMPLATE_ENV;
  const n = branchNames(branch, options);
  const { partition: P, accountId: A, region: R } = env;
  const logGroup = `arn:${P}:logs:${R}:${A}:log-group:${n.buildLogGroupName}`;
  return {
    pipelineStack: `arn:${P}:cloudformation:${R}:${A}:stack/${n.pipelineStackName}/*`,
    appStack: `arn:${P}:cloudformation:${R}:${A}:stack/${n.appStackName}/*`,
    buildRole: `arn:${P}:iam::${A}:role${n.iamPath}${n.buildRoleName}`,
    artifactBucket: `arn:${P}:s3:::${n.artifactBucketName}`,
    artifactObjects: `arn:${P}:s3:::${n.artifactBucketName}/*`,
    repository: `arn:${P}:ecr:${R}:${A}:repository/${n.repositoryName}`,
    buildProject: `arn:${P}:codebuild:${R}:${A}:project/${n.buildProjectName}`,
    buildLogGroup: `${logGroup}`,
    buildLogStreams: `${logGroup}:log-stream:*`,
    pipeline: `arn:${P}:codepipeline:${R}:${A}:${n.pipelineName}`,
    cluster: `arn:${P}:ecs:${R}:${A}:cluster/${n.clusterName}`,
    parameters: `arn:${P}:ssm:${R}:${A}:parameter${n.parameterPath}*`,
    secrets: `arn:${P}:secretsmanager:${R}:${A}:secret:${n.secretPath}*`,
  };
}

/** Patterns covering the pieces of every branch: what delegated grants are scoped to. */
export interface DelegatedPatterns {
  /** `stack/<p>-*-cicd/*`. */
  pipelineStacks: string;
  /** `stack/<p>-*-app/*`. */
  appStacks: string;
  /** `role/<p>/*`: never matches `role/<p>-global/…`. */
  roles: string;
  policies: string;
  instanceProfiles: string;
  /** `<p>-*-<account>-<region>`. */
  buckets: string;
  bucketObjects: string;
  /** `repository/<p>/*`. */
  repositories: string;
  /** `project/<p>-*-build`. */
  buildProjects: string;
  /** CodeBuild report groups are named `<project>-<name>`. */
  reportGroups: string;
  /** `log-group:/aws/codebuild/<p>-*` and its streams. */
  buildLogGroups: string;
  /** `log-group:/<p>/*` and its streams: the application's logs. */
  appLogGroups: string;
  /** `log-group:/aws/lambda/<p>-*`: Lambda's default group for the application's functions. */
  lambdaLogGroups: string;
  /**
   * `function:<p>-*`. CloudFormation names an unnamed function `<stack>-<logical id>-<random>`,
   * so the application's functions match whether or not its template names them.
   */
  functions: string;
  /** `alarm:<p>-*`: named like functions when CloudFormation names them. */
  alarms: string;
  /** `<p>-*-pipeline`. */
  pipelines: string;
  /** `cluster/<p>-*`. */
  clusters: string;
  /** `service/<p>-*`: ECS service ARNs carry the cluster name. */
  services: string;
  /** `task/<p>-*`. */
  tasks: string;
  /** `task-definition/<p>-*`: the family is the application's to name. */
  taskDefinitions: string;
  /** `parameter/<p>/*`. */
  parameters: string;
  /** `secret:/<p>/*`. */
  secrets: string;
}

/** The delegated patterns of a prefix in `env` (placeholders by default). */
export function delegatedPatterns(
  prefix: string = DEFAULT_PREFIX,
  env: AwsEnv = TEMPLATE_ENV,
): DelegatedPatterns {
  validatePrefix(prefix);
  checkEnv(env);
  const { partition: P, accountId: A, region: R } = env;
  const arn = (service: string, resource: string): string =>
    `arn:${P}:${service}:${R}:${A}:${resource}`;
  const p = prefix;
  return {
    pipelineStacks: arn('cloudformation', `stack/${p}-*-cicd/*`),
    appStacks: arn('cloudformation', `stack/${p}-*-app/*`),
    roles: `arn:${P}:iam::${A}:role/${p}/*`,
    policies: `arn:${P}:iam::${A}:policy/${p}/*`,
    instanceProfiles: `arn:${P}:iam::${A}:instance-profile/${p}/*`,
    buckets: `arn:${P}:s3:::${p}-*-${A}-${R}`,
    bucketObjects: `arn:${P}:s3:::${p}-*-${A}-${R}/*`,
    repositories: arn('ecr', `repository/${p}/*`),
    buildProjects: arn('codebuild', `project/${p}-*-build`),
    reportGroups: arn('codebuild', `report-group/${p}-*-build-*`),
    buildLogGroups: arn('logs', `log-group:/aws/codebuild/${p}-*`),
    appLogGroups: arn('logs', `log-group:/${p}/*`),
    lambdaLogGroups: arn('logs', `log-group:/aws/lambda/${p}-*`),
    functions: arn('lambda', `function:${p}-*`),
    alarms: arn('cloudwatch', `alarm:${p}-*`),
    pipelines: arn('codepipeline', `${p}-*-pipeline`),
    clusters: arn('ecs', `cluster/${p}-*`),
    services: arn('ecs', `service/${p}-*`),
    tasks: arn('ecs', `task/${p}-*`),
    taskDefinitions: arn('ecs', `task-definition/${p}-*`),
    parameters: arn('ssm', `parameter/${p}/*`),
    secrets: arn('secretsmanager', `secret:/${p}/*`),
  };
}
