/**
 * The build half of the pipeline stack: the CodeBuild project, its log group, and its
 * service role under the workload boundary with exactly what a docker build-and-push needs,
 * plus the project config's extra statements.
 */
import type { PolicyDocument, PolicyStatement } from '../doctor/types.js';
import { InputError } from '../errors.js';
import {
  branchArns,
  DEFAULT_PREFIX,
  globalNames,
  resolvePattern,
  type AwsEnv,
  type BranchNames,
} from '../names.js';
import {
  BUILD_IMAGE,
  BUILD_LOG_RETENTION_DAYS,
  DELETE_WITH_STACK,
  importGlobal,
  PIPELINE_LOGICAL_IDS,
  sub,
  subAll,
  type Json,
} from './pipeline-parts.js';

/** What the build half needs to know. */
export interface BuildResourcesOptions {
  prefix: string;
  branch: string;
  names: BranchNames;
  repository: string;
  buildspecPath: string;
  extraStatements: readonly PolicyStatement[];
  tags: Json[];
}

// IAM counts an inline policy's characters without whitespace; a role's inline policies
// share 10,240 (IAM quotas: "Role policy size").
const INLINE_POLICY_LIMIT = 10_240;
// The longest values the placeholders can take (as in names.ts): fits here, fits anywhere.
const WORST_CASE_ENV: AwsEnv = {
  partition: 'aws-us-gov',
  accountId: '123456789012',
  region: 'us-isof-south-1',
};

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

/** The log group, the build role and the CodeBuild project. */
export function buildResources(options: BuildResourcesOptions): Json {
  const { prefix, names, tags: tagList } = options;
  const g = globalNames(prefix);
  const arns = branchArns(options.branch, { prefix });
  const statements = [...buildRoleStatements(options.branch, prefix), ...options.extraStatements];
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
