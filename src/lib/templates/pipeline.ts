/**
 * The per-branch pipeline stack `<p>-<slug>-cicd`, deployed by `aiproxy deploy` and executed by
 * CloudFormation as the global execution role: artifact bucket, ECR repository, CodeBuild
 * project with its own role (under the workload boundary), and a CodePipeline V2 run by the
 * global pipeline role that builds the image and deploys the application stack
 * `<p>-<slug>-app` with the execution role.
 *
 * Account and region appear only as pseudo parameters and the global roles only as
 * `Fn::ImportValue` of the global stack's exports, so the template is built without
 * credentials (`deploy --dry-run`).
 */
import { stringify } from 'yaml';

import type { PolicyDocument, PolicyStatement } from '../doctor/types.js';
import { InputError, RefusedError } from '../errors.js';
import {
  branchArns,
  branchNames,
  DEFAULT_PREFIX,
  globalNames,
  resolvePattern,
  type AwsEnv,
  type BranchNames,
} from '../names.js';
import { GLOBAL_TEMPLATE_VERSION, globalTemplatePolicies } from './global.js';
import { validateExtraStatements } from './pipeline-statements.js';
import { REPOSITORY_PATTERN, SOURCE_PATH_PATTERN } from '../config/rules.js';

/** Options for {@link buildPipelineTemplate}. */
export interface PipelineTemplateOptions {
  /** Application prefix; default `aiproxy`. */
  prefix?: string;
  /** The git branch, as pushed (`feature/Login_Fix-2`). */
  branch: string;
  /** `owner/name` of the repository the connection reads. */
  repository: string;
  /** Default: the global stack's `ConnectionArn` export. */
  connectionArn?: string;
  /** Path of the application template in the repository. */
  appTemplatePath: string;
  /** Path of the buildspec in the repository. */
  buildspecPath: string;
  /** Extra Allow statements for the build role, already accepted by `validateExtraStatements`. */
  extraStatements?: readonly PolicyStatement[];
}

/** Logical ids of the template's resources, for change-set rendering and tests. */
export const PIPELINE_LOGICAL_IDS = {
  artifactBucket: 'ArtifactBucket',
  artifactBucketPolicy: 'ArtifactBucketPolicy',
  repository: 'Repository',
  buildLogGroup: 'BuildLogGroup',
  buildRole: 'BuildRole',
  buildProject: 'BuildProject',
  pipeline: 'Pipeline',
} as const;

/** The build image: Ubuntu 22.04 with Docker, the AWS CLI v2 and current runtimes. */
export const BUILD_IMAGE = 'aws/codebuild/standard:7.0';

/** The namespace of the build action's exported variables. */
export const BUILD_VARIABLES_NAMESPACE = 'BuildVariables';

/** The variable the buildspec exports with the pushed image's URI. */
export const IMAGE_URI_VARIABLE = 'IMAGE_URI';

/**
 * Parameters the pipeline passes to the application template; it must declare all three
 * (CloudFormation refuses overrides of undeclared parameters).
 */
export const APP_TEMPLATE_PARAMETERS = ['ImageUri', 'Prefix', 'BranchSlug'] as const;

/** Days CloudWatch keeps build logs, and S3 keeps pipeline artifacts. */
export const BUILD_LOG_RETENTION_DAYS = 30;
export const ARTIFACT_EXPIRATION_DAYS = 30;

/** Images the repository keeps: every commit is a tag, so older ones go by count. */
export const KEPT_IMAGES = 50;

// IAM counts an inline policy's characters without whitespace; a role's inline policies
// share 10,240 (IAM quotas: "Role policy size").
const INLINE_POLICY_LIMIT = 10_240;
const WORST_CASE_ENV: AwsEnv = {
  partition: 'aws-us-gov',
  accountId: '123456789012',
  region: 'us-isof-south-1',
};

const SOURCE_ARTIFACT = 'SourceOutput';
const BUILD_ARTIFACT = 'BuildOutput';
const SOURCE_VARIABLES_NAMESPACE = 'SourceVariables';

type Json = Record<string, unknown>;

// Stated, not defaulted: a branch's stack leaves nothing behind when it is destroyed.
const DELETE_WITH_STACK = { DeletionPolicy: 'Delete', UpdateReplacePolicy: 'Delete' } as const;

/** A name or pattern holding `${AWS::…}` placeholders becomes `Fn::Sub`; others stay strings. */
function sub(value: string): unknown {
  if (!/\$\{AWS::[A-Za-z]+\}/.test(value)) return value;
  // Anything else in `${…}` (an IAM policy variable) must reach IAM literally: `${!…}`.
  return { 'Fn::Sub': value.replace(/\$\{(?!AWS::[A-Za-z]+\})/g, '${!') };
}

function subAll(value: string | readonly string[]): unknown {
  return typeof value === 'string' ? sub(value) : value.map(sub);
}

function importGlobal(exportName: string): Json {
  return { 'Fn::ImportValue': exportName };
}

/** Tag values allow letters, digits, spaces and `_.:/=+-@`, up to 256 characters. */
function branchTagValue(names: BranchNames): string {
  return /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{0,256}$/u.test(names.branch) ? names.branch : names.slug;
}

function tags(prefix: string, names: BranchNames): { Key: string; Value: string }[] {
  return [
    { Key: 'aiproxy:prefix', Value: prefix },
    { Key: 'aiproxy:branch', Value: branchTagValue(names) },
    { Key: 'aiproxy:branch-slug', Value: names.slug },
  ];
}

function checkOptions(options: PipelineTemplateOptions): void {
  if (!REPOSITORY_PATTERN.test(options.repository)) {
    throw new InputError(
      'INVALID_REPOSITORY',
      `"${options.repository}" is not a repository as owner/name.`,
      {
        suggestions: ['Pass `--repository owner/name` or set "repository" in aiproxy.config.json.'],
      },
    );
  }
  for (const [flag, path] of [
    ['--app-template', options.appTemplatePath],
    ['--buildspec', options.buildspecPath],
  ] as const) {
    if (!SOURCE_PATH_PATTERN.test(path)) {
      throw new InputError(
        'INVALID_SOURCE_PATH',
        `"${path}" is not a relative path inside the repository.`,
        {
          suggestions: [
            `Pass \`${flag} PATH\` relative to the repository root, without "./" or "..".`,
          ],
        },
      );
    }
  }
}

/** The build role's own permissions: exactly what a docker build-and-push needs, nothing more. */
export function buildRoleStatements(
  branch: string,
  prefix: string = DEFAULT_PREFIX,
): PolicyStatement[] {
  const arns = branchArns(branch, { prefix });
  return [
    {
      Sid: 'OwnLogGroup',
      Effect: 'Allow',
      Action: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'],
      Resource: [arns.buildLogGroup, arns.buildLogStreams],
    },
    {
      // GetAuthorizationToken supports no resource-level scoping: `*` is the only form that
      // works. Its absence is what failed the seed build in PRE_BUILD.
      Sid: 'EcrLogin',
      Effect: 'Allow',
      Action: 'ecr:GetAuthorizationToken',
      Resource: '*',
    },
    {
      Sid: 'PushPullOwnRepository',
      Effect: 'Allow',
      Action: [
        'ecr:BatchCheckLayerAvailability',
        'ecr:BatchGetImage',
        'ecr:GetDownloadUrlForLayer',
        'ecr:InitiateLayerUpload',
        'ecr:UploadLayerPart',
        'ecr:CompleteLayerUpload',
        'ecr:PutImage',
      ],
      Resource: arns.repository,
    },
    {
      Sid: 'ArtifactObjects',
      Effect: 'Allow',
      Action: ['s3:GetObject', 's3:GetObjectVersion', 's3:PutObject'],
      Resource: arns.artifactObjects,
    },
    {
      Sid: 'ArtifactBucket',
      Effect: 'Allow',
      Action: ['s3:GetBucketAcl', 's3:GetBucketLocation'],
      Resource: arns.artifactBucket,
    },
  ];
}

/** A statement's strings as the template writes them (`Fn::Sub` where placeholders appear). */
function templateStatement(statement: PolicyStatement): Json {
  const out: Json = {};
  if (statement.Sid !== undefined) out.Sid = statement.Sid;
  out.Effect = statement.Effect;
  out.Action = statement.Action;
  out.Resource = subAll(statement.Resource);
  if (statement.Condition !== undefined) {
    out.Condition = Object.fromEntries(
      Object.entries(statement.Condition).map(([op, keys]) => [
        op,
        Object.fromEntries(Object.entries(keys).map(([k, v]) => [k, subAll(v)])),
      ]),
    );
  }
  return out;
}

function checkPolicySize(document: PolicyDocument): void {
  const worst = resolvePattern(JSON.stringify(document), WORST_CASE_ENV).replace(/\s/g, '');
  if (worst.length > INLINE_POLICY_LIMIT) {
    throw new InputError(
      'BUILD_POLICY_TOO_LARGE',
      `The build role's policy would be ${worst.length} characters; IAM allows ${INLINE_POLICY_LIMIT} inline.`,
      {
        suggestions: [
          'Merge or shorten `build.extraStatements` in aiproxy.config.json (wildcards such as "s3:Get*" help).',
        ],
      },
    );
  }
}

/** The artifact bucket: private, encrypted, TLS-only, emptied of old artifacts by lifecycle. */
function artifactResources(names: BranchNames, tagList: Json[]): Json {
  const bucketArn = { 'Fn::GetAtt': [PIPELINE_LOGICAL_IDS.artifactBucket, 'Arn'] };
  return {
    [PIPELINE_LOGICAL_IDS.artifactBucket]: {
      Type: 'AWS::S3::Bucket',
      // The branch's artifacts go with its stack. S3 refuses to delete a bucket with objects in it,
      // so whoever deletes the stack (`destroy`) must empty the bucket first.
      ...DELETE_WITH_STACK,
      Properties: {
        BucketName: sub(names.artifactBucketName),
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [
            // SSE-S3: CodePipeline and CodeBuild need no KMS grants for it.
            { ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' }, BucketKeyEnabled: true },
          ],
        },
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
        LifecycleConfiguration: {
          Rules: [
            {
              Id: 'ExpireOldArtifacts',
              Status: 'Enabled',
              ExpirationInDays: ARTIFACT_EXPIRATION_DAYS,
              AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
            },
          ],
        },
        Tags: tagList,
      },
    },
    [PIPELINE_LOGICAL_IDS.artifactBucketPolicy]: {
      Type: 'AWS::S3::BucketPolicy',
      Properties: {
        Bucket: { Ref: PIPELINE_LOGICAL_IDS.artifactBucket },
        PolicyDocument: {
          Version: '2012-10-17',
          Statement: [
            {
              Sid: 'DenyInsecureTransport',
              Effect: 'Deny',
              Principal: '*',
              Action: 's3:*',
              Resource: [
                bucketArn,
                { 'Fn::Sub': `\${${PIPELINE_LOGICAL_IDS.artifactBucket}.Arn}/*` },
              ],
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            },
          ],
        },
      },
    },
  };
}

function repositoryResource(names: BranchNames, tagList: Json[]): Json {
  const lifecycle = {
    rules: [
      {
        rulePriority: 1,
        description: 'Untagged images are leftovers of interrupted pushes.',
        selection: {
          tagStatus: 'untagged',
          countType: 'sinceImagePushed',
          countUnit: 'days',
          countNumber: 1,
        },
        action: { type: 'expire' },
      },
      {
        rulePriority: 2,
        description: `Keep the last ${KEPT_IMAGES} commits.`,
        selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: KEPT_IMAGES },
        action: { type: 'expire' },
      },
    ],
  };
  return {
    Type: 'AWS::ECR::Repository',
    ...DELETE_WITH_STACK,
    Properties: {
      RepositoryName: names.repositoryName,
      ImageScanningConfiguration: { ScanOnPush: true },
      // Images are tagged by commit, so a tag always names the code it was built from.
      ImageTagMutability: 'IMMUTABLE',
      EncryptionConfiguration: { EncryptionType: 'AES256' },
      LifecyclePolicy: { LifecyclePolicyText: JSON.stringify(lifecycle) },
      // Without it a stack delete fails on the first pushed image.
      EmptyOnDelete: true,
      Tags: tagList,
    },
  };
}

function buildResources(
  options: PipelineTemplateOptions,
  prefix: string,
  names: BranchNames,
  tagList: Json[],
): Json {
  const g = globalNames(prefix);
  const arns = branchArns(options.branch, { prefix });
  const statements = [
    ...buildRoleStatements(options.branch, prefix),
    ...(options.extraStatements ?? []),
  ];
  const document: PolicyDocument = { Version: '2012-10-17', Statement: statements };
  checkPolicySize(document);

  return {
    [PIPELINE_LOGICAL_IDS.buildLogGroup]: {
      Type: 'AWS::Logs::LogGroup',
      ...DELETE_WITH_STACK,
      Properties: {
        LogGroupName: names.buildLogGroupName,
        RetentionInDays: BUILD_LOG_RETENTION_DAYS,
        Tags: tagList,
      },
    },
    [PIPELINE_LOGICAL_IDS.buildRole]: {
      Type: 'AWS::IAM::Role',
      Properties: {
        RoleName: sub(names.buildRoleName),
        // `/<p>/` and the boundary are what the execution role requires to create a role at
        // all; every committer runs code as this role, so it gets nothing beyond the build.
        Path: names.iamPath,
        PermissionsBoundary: importGlobal(g.exports.boundaryPolicyArn),
        AssumeRolePolicyDocument: {
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { Service: 'codebuild.amazonaws.com' },
              Action: 'sts:AssumeRole',
              // Confused-deputy guard: only this account's project of this name.
              Condition: {
                StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
                ArnLike: { 'aws:SourceArn': sub(arns.buildProject) },
              },
            },
          ],
        },
        Policies: [
          {
            PolicyName: 'build',
            PolicyDocument: { Version: '2012-10-17', Statement: statements.map(templateStatement) },
          },
        ],
        Tags: tagList,
      },
    },
    [PIPELINE_LOGICAL_IDS.buildProject]: {
      Type: 'AWS::CodeBuild::Project',
      Properties: {
        Name: names.buildProjectName,
        Description: `Builds and pushes the image of ${options.repository}@${names.slug}.`,
        ServiceRole: { 'Fn::GetAtt': [PIPELINE_LOGICAL_IDS.buildRole, 'Arn'] },
        Source: { Type: 'CODEPIPELINE', BuildSpec: options.buildspecPath },
        Artifacts: { Type: 'CODEPIPELINE' },
        Environment: {
          Type: 'LINUX_CONTAINER',
          ComputeType: 'BUILD_GENERAL1_SMALL',
          Image: BUILD_IMAGE,
          ImagePullCredentialsType: 'CODEBUILD',
          // The Docker daemon inside the build container needs it.
          PrivilegedMode: true,
          EnvironmentVariables: [
            // CodeBuild sets AWS_REGION and AWS_DEFAULT_REGION itself, to this same value. It is
            // set here too because the buildspec's `docker login` depends on it: the contract
            // is then visible in the template and holds in local builds (codebuild agent).
            // AWS_DEFAULT_REGION is left to CodeBuild.
            { Name: 'AWS_REGION', Type: 'PLAINTEXT', Value: { Ref: 'AWS::Region' } },
            {
              Name: 'ECR_REGISTRY',
              Type: 'PLAINTEXT',
              Value: { 'Fn::Sub': '${AWS::AccountId}.dkr.ecr.${AWS::Region}.${AWS::URLSuffix}' },
            },
            {
              Name: 'IMAGE_REPO_URI',
              Type: 'PLAINTEXT',
              Value: { 'Fn::GetAtt': [PIPELINE_LOGICAL_IDS.repository, 'RepositoryUri'] },
            },
          ],
        },
        LogsConfig: {
          CloudWatchLogs: {
            Status: 'ENABLED',
            GroupName: { Ref: PIPELINE_LOGICAL_IDS.buildLogGroup },
          },
        },
        TimeoutInMinutes: 30,
        QueuedTimeoutInMinutes: 60,
        Tags: tagList,
      },
    },
  };
}

function pipelineResource(
  options: PipelineTemplateOptions,
  prefix: string,
  names: BranchNames,
  tagList: Json[],
): Json {
  const g = globalNames(prefix);
  const parameterOverrides: Record<(typeof APP_TEMPLATE_PARAMETERS)[number], string> = {
    ImageUri: `#{${BUILD_VARIABLES_NAMESPACE}.${IMAGE_URI_VARIABLE}}`,
    Prefix: prefix,
    BranchSlug: names.slug,
  };
  return {
    Type: 'AWS::CodePipeline::Pipeline',
    Properties: {
      Name: names.pipelineName,
      // The one CodePipeline service role, made by `setup`: only it may pass the execution role.
      RoleArn: importGlobal(g.exports.pipelineRoleArn),
      PipelineType: 'V2',
      // QUEUED, not SUPERSEDED: every commit gets its own build, image and deploy, in order, so
      // each failure `doctor` reads belongs to exactly one commit and none is skipped unseen.
      ExecutionMode: 'QUEUED',
      RestartExecutionOnUpdate: false,
      ArtifactStore: { Type: 'S3', Location: { Ref: PIPELINE_LOGICAL_IDS.artifactBucket } },
      Stages: [
        {
          Name: 'Source',
          Actions: [
            {
              Name: 'Source',
              ActionTypeId: {
                Category: 'Source',
                Owner: 'AWS',
                Provider: 'CodeStarSourceConnection',
                Version: '1',
              },
              Namespace: SOURCE_VARIABLES_NAMESPACE,
              Configuration: {
                ConnectionArn: options.connectionArn ?? importGlobal(g.exports.connectionArn),
                FullRepositoryId: options.repository,
                BranchName: options.branch,
                DetectChanges: true,
                OutputArtifactFormat: 'CODE_ZIP',
              },
              OutputArtifacts: [{ Name: SOURCE_ARTIFACT }],
              RunOrder: 1,
            },
          ],
        },
        {
          Name: 'Build',
          Actions: [
            {
              Name: 'Build',
              ActionTypeId: {
                Category: 'Build',
                Owner: 'AWS',
                Provider: 'CodeBuild',
                Version: '1',
              },
              // The buildspec exports IMAGE_URI; the deploy stage reads it from this namespace.
              Namespace: BUILD_VARIABLES_NAMESPACE,
              Configuration: { ProjectName: { Ref: PIPELINE_LOGICAL_IDS.buildProject } },
              InputArtifacts: [{ Name: SOURCE_ARTIFACT }],
              OutputArtifacts: [{ Name: BUILD_ARTIFACT }],
              RunOrder: 1,
            },
          ],
        },
        {
          Name: 'Deploy',
          Actions: [
            {
              Name: 'Deploy',
              ActionTypeId: {
                Category: 'Deploy',
                Owner: 'AWS',
                Provider: 'CloudFormation',
                Version: '1',
              },
              Configuration: {
                ActionMode: 'CREATE_UPDATE',
                StackName: names.appStackName,
                TemplatePath: `${SOURCE_ARTIFACT}::${options.appTemplatePath}`,
                RoleArn: importGlobal(g.exports.executionRoleArn),
                Capabilities: 'CAPABILITY_NAMED_IAM',
                ParameterOverrides: JSON.stringify(parameterOverrides),
              },
              InputArtifacts: [{ Name: SOURCE_ARTIFACT }],
              RunOrder: 1,
            },
          ],
        },
      ],
      Tags: tagList,
    },
  };
}

/**
 * The pipeline stack's template as an object.
 *
 * @throws InputError for a bad branch, prefix, repository or path, or a build policy over
 *   IAM's size limit.
 * @throws RefusedError when an extra statement breaks a rule or the workload boundary would
 *   deny it (call `validateExtraStatements` first to report and drop those instead).
 */
export function buildPipelineTemplate(options: PipelineTemplateOptions): Json {
  const prefix = options.prefix ?? DEFAULT_PREFIX;
  const names = branchNames(options.branch, { prefix });
  checkOptions(options);

  // Defence in depth: whatever the caller did, no refused statement reaches the role.
  const gate = validateExtraStatements(
    options.extraStatements ?? [],
    globalTemplatePolicies({ prefix, version: GLOBAL_TEMPLATE_VERSION }).boundary,
    {
      prefix,
    },
  );
  const [refusal] = gate.refused;
  if (refusal) {
    throw new RefusedError('EXTRA_STATEMENT_REFUSED', refusal.message, {
      suggestions: [refusal.fix],
    });
  }

  const tagList = tags(prefix, names);
  return {
    AWSTemplateFormatVersion: '2010-09-09',
    Description: `aiproxy pipeline for branch ${names.slug} of ${options.repository} (${names.pipelineStackName}).`,
    Resources: {
      ...artifactResources(names, tagList),
      [PIPELINE_LOGICAL_IDS.repository]: repositoryResource(names, tagList),
      ...buildResources(options, prefix, names, tagList),
      [PIPELINE_LOGICAL_IDS.pipeline]: pipelineResource(options, prefix, names, tagList),
    },
    Outputs: {
      PipelineName: {
        Description: 'The CodePipeline pipeline.',
        Value: { Ref: PIPELINE_LOGICAL_IDS.pipeline },
      },
      PipelineRegion: {
        Description: 'With the name, what the console link needs.',
        Value: { Ref: 'AWS::Region' },
      },
      RepositoryUri: {
        Description: 'Where the build pushes images, tagged by commit.',
        Value: { 'Fn::GetAtt': [PIPELINE_LOGICAL_IDS.repository, 'RepositoryUri'] },
      },
      ArtifactBucketName: {
        Description: 'Pipeline artifacts.',
        Value: { Ref: PIPELINE_LOGICAL_IDS.artifactBucket },
      },
      BuildProjectName: {
        Description: 'The CodeBuild project.',
        Value: { Ref: PIPELINE_LOGICAL_IDS.buildProject },
      },
      BuildRoleArn: {
        Description: 'The build role `doctor` patches through aiproxy.config.json.',
        Value: { 'Fn::GetAtt': [PIPELINE_LOGICAL_IDS.buildRole, 'Arn'] },
      },
      AppStackName: { Description: 'The stack the pipeline deploys.', Value: names.appStackName },
    },
  };
}

/** The pipeline template as YAML, for the change set and `deploy --dry-run`. */
export function pipelineTemplateYaml(options: PipelineTemplateOptions): string {
  // No line folding (long `Fn::Sub` strings stay on one line) and no anchors/aliases, which
  // the shared tag lists would otherwise become.
  return stringify(buildPipelineTemplate(options), {
    lineWidth: 0,
    aliasDuplicateObjects: false,
    // YAML 1.1 readers (CloudFormation's among them) take 2010-09-09 for a date: quote such strings.
    version: '1.1',
  });
}

/** The console address of a pipeline (the console's domain differs by partition). */
export function pipelineConsoleUrl(
  pipelineName: string,
  region: string,
  partition = 'aws',
): string {
  const domain =
    partition === 'aws-cn'
      ? 'console.amazonaws.cn'
      : partition === 'aws-us-gov'
        ? 'console.amazonaws-us-gov.com'
        : 'console.aws.amazon.com';
  return `https://${region}.${domain}/codesuite/codepipeline/pipelines/${encodeURIComponent(pipelineName)}/view?region=${region}`;
}
