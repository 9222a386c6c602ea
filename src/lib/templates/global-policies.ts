/**
 * The IAM documents of the global stack: the workload boundary, the CloudFormation execution
 * role, the pipeline role and the developer policy, with the trust policies of the two roles.
 *
 * Reasons, statement by statement, are in `SECURITY-DESIGN.md` (ids B1–B11 below refer to its
 * table); `test/security/escalation.test.ts` proves each technique of the catalog closed.
 *
 * Two IAM facts shape the wording throughout:
 * - Next to an allow-all, a rule must be a Deny with a negated operator: an Allow with
 *   `StringEquals` enforces nothing (the CDK `--example-permissions-boundary` mistake).
 * - `iam:PermissionsBoundary` is not sent for `UpdateAssumeRolePolicy`, `UpdateRole`,
 *   `TagRole` or `DeleteRole` (SECURITY-DESIGN §2), and a negated operator on a missing key is
 *   true, so those actions are scoped by ARN path and never by the boundary key.
 */
import {
  delegatedPatterns,
  globalArns,
  globalNames,
  type AwsEnv,
  type DelegatedPatterns,
  type GlobalArns,
  type GlobalNames,
} from '../names.js';
import { policy, type PolicyDocument, type PolicyStatement } from './cfn.js';
import { developerStatements } from './developer-calls.js';

/** What the documents are built from. */
export interface GlobalPolicyOptions {
  prefix: string;
  /** Placeholders for the template, concrete values for tests. */
  env: AwsEnv;
  /**
   * The source connection ARN(s) the pipeline may use: the same connection under both the
   * `codestar-connections` and the `codeconnections` service prefix. Empty: no connection yet.
   */
  connectionArns: string[];
}

/** Every IAM document of the global stack. */
export interface GlobalPolicies {
  boundary: PolicyDocument;
  executionTrust: PolicyDocument;
  /** Split in two managed policies: one holds at most 6,144 characters. */
  executionServices: PolicyDocument;
  executionGuard: PolicyDocument;
  pipelineTrust: PolicyDocument;
  pipeline: PolicyDocument;
  developer: PolicyDocument;
}

/**
 * IAM write actions, as verb wildcards (every IAM action that is not a read or list; the
 * template test checks this list against the IAM action catalogue). `iam:PassRole` is left
 * out on purpose: it gets rules of its own.
 */
export const IAM_WRITE_ACTIONS = [
  'iam:Accept*',
  'iam:Add*',
  'iam:Associate*',
  'iam:Attach*',
  'iam:Change*',
  'iam:Create*',
  'iam:Deactivate*',
  'iam:Delete*',
  'iam:Detach*',
  'iam:Disable*',
  'iam:Enable*',
  'iam:Put*',
  'iam:Reject*',
  'iam:Remove*',
  'iam:Reset*',
  'iam:Resync*',
  'iam:Send*',
  'iam:Set*',
  'iam:Tag*',
  'iam:Untag*',
  'iam:Update*',
  'iam:Upload*',
];

/** B10: organization, account, identity-centre and audit tooling: never the application's. */
const GUARDRAIL_ACTIONS = [
  'organizations:*',
  'account:*',
  'sso:*',
  'identitystore:*',
  'cloudtrail:Delete*',
  'cloudtrail:Stop*',
  'cloudtrail:Update*',
  'cloudtrail:Put*',
  'guardduty:Delete*',
  'guardduty:Disassociate*',
  'guardduty:Update*',
  'securityhub:Delete*',
  'securityhub:Disable*',
  'securityhub:BatchUpdate*',
  'config:Delete*',
  'config:Stop*',
  'config:Put*',
  'access-analyzer:Delete*',
  'access-analyzer:Update*',
];

/**
 * B9: compute an ECS application never drives itself, each of which can run code as a role
 * (an instance profile, a notebook, a job, a session, a command). Denied outright for bounded
 * roles; the execution role creates the application's own compute through CloudFormation.
 */
const FOREIGN_COMPUTE_ACTIONS = [
  'ec2:RunInstances',
  'ec2:StartInstances',
  'ec2:StopInstances',
  'ec2:RequestSpot*',
  'ec2:ModifyInstanceAttribute',
  'ec2:*IamInstanceProfile*',
  'ec2:*LaunchTemplate*',
  'ec2-instance-connect:*',
  'autoscaling:Create*',
  'autoscaling:Update*',
  'ssm:SendCommand',
  'ssm:StartSession',
  'ssm:StartAutomationExecution',
  'ssm:CreateDocument',
  'glue:*',
  'sagemaker:Create*',
  'sagemaker:Update*',
  'sagemaker:Start*',
  'sagemaker:Stop*',
  'datapipeline:*',
  'apprunner:*',
  'bedrock-agentcore:*CodeInterpreter*',
  'codestar:*',
  'codedeploy:*',
  'codecommit:*',
];

/**
 * Resource policies are not capped by a boundary (IAM guide, `access_policies_boundaries`):
 * a bounded role that writes one could grant any principal, even another account, access.
 * Bounded roles write none; the execution role writes them on the application's own resources.
 */
const RESOURCE_POLICY_ACTIONS = [
  's3:PutBucketPolicy',
  's3:DeleteBucketPolicy',
  's3:PutBucketAcl',
  's3:PutObjectAcl',
  'kms:PutKeyPolicy',
  'secretsmanager:PutResourcePolicy',
  'lambda:AddPermission',
  'sqs:AddPermission',
  'sqs:SetQueueAttributes',
  'sns:AddPermission',
  'sns:SetTopicAttributes',
  'ecr:SetRepositoryPolicy',
  'ecr:PutRegistryPolicy',
  'logs:PutResourcePolicy',
];

/** Writes that must stay inside the application's patterns (B9 control planes, data). */
const SCOPED_WRITE_ACTIONS = [
  's3:Put*',
  's3:Delete*',
  's3:Replicate*',
  's3:Restore*',
  's3:CreateBucket',
  'ecr:Put*',
  'ecr:*LayerUpload',
  'ecr:UploadLayerPart',
  'ecr:BatchDeleteImage',
  'ecr:Delete*',
  'ecr:Create*',
  'logs:Create*',
  'logs:Put*',
  'logs:Delete*',
  'logs:Associate*',
  'logs:Disassociate*',
  'lambda:Create*',
  'lambda:Update*',
  'lambda:Delete*',
  'lambda:Invoke*',
  'lambda:Publish*',
  'lambda:Put*',
  'ecs:ExecuteCommand',
  'ecs:RunTask',
  'ecs:StartTask',
  'ecs:StopTask',
  'ecs:*Service',
  'ecs:*Cluster',
  'ecs:RegisterContainerInstance',
  'ecs:RegisterTaskDefinition',
  'codebuild:StartBuild*',
  'codebuild:RetryBuild*',
  'codebuild:StopBuild*',
  'codepipeline:StartPipelineExecution',
  'codepipeline:StopPipelineExecution',
];

/** The S3 writes the other-account rule applies to. */
const S3_WRITE_ACTIONS = ['s3:Put*', 's3:Delete*', 's3:Replicate*', 's3:Restore*'];

/** Stack and pipeline definitions: changed through the reviewed path only, never by a role. */
const DEFINITION_ACTIONS = [
  'cloudformation:Create*',
  'cloudformation:Update*',
  'cloudformation:Delete*',
  'cloudformation:Execute*',
  'cloudformation:Import*',
  'cloudformation:ContinueUpdateRollback',
  'cloudformation:RollbackStack',
  'cloudformation:SetStackPolicy',
  'codepipeline:CreatePipeline',
  'codepipeline:UpdatePipeline',
  'codepipeline:DeletePipeline',
  'codebuild:CreateProject',
  'codebuild:UpdateProject',
  'codebuild:DeleteProject',
];

/** Services the execution role may pass `/<p>/` roles to. */
const APP_ROLE_SERVICES = [
  'ecs-tasks.amazonaws.com',
  'ecs.amazonaws.com',
  'lambda.amazonaws.com',
  'codebuild.amazonaws.com',
  'events.amazonaws.com',
  'scheduler.amazonaws.com',
  'states.amazonaws.com',
  'application-autoscaling.amazonaws.com',
];

/** Service-linked roles an ECS service behind a load balancer may need created. */
const SERVICE_LINKED_ROLE_SERVICES = [
  'ecs.amazonaws.com',
  'elasticloadbalancing.amazonaws.com',
  'ecs.application-autoscaling.amazonaws.com',
];

/** The actions whose requests carry `cloudformation:RoleArn` (Service Authorization Reference). */
export const ROLE_ARN_STACK_ACTIONS = [
  'cloudformation:CreateStack',
  'cloudformation:UpdateStack',
  'cloudformation:CreateChangeSet',
  'cloudformation:DeleteStack',
  'cloudformation:RollbackStack',
  'cloudformation:ContinueUpdateRollback',
];

/** The actions whose requests carry `cloudformation:ResourceTypes` when the caller sends it. */
export const RESOURCE_TYPES_STACK_ACTIONS = [
  'cloudformation:CreateStack',
  'cloudformation:UpdateStack',
  'cloudformation:CreateChangeSet',
];

/**
 * Resource types a developer's stack operation may never include (SECURITY-DESIGN §4): IAM
 * users and their keys, groups, identity providers, and StackSets (which run with roles of
 * their own in other accounts or regions).
 */
export const FORBIDDEN_RESOURCE_TYPES = [
  'AWS::IAM::User*',
  'AWS::IAM::AccessKey',
  'AWS::IAM::Group*',
  'AWS::IAM::OIDCProvider',
  'AWS::IAM::SAMLProvider',
  'AWS::IAM::VirtualMFADevice',
  'AWS::CloudFormation::StackSet*',
  'AWS::SSO::*',
];

interface Scope {
  n: GlobalNames;
  g: GlobalArns;
  d: DelegatedPatterns;
  env: AwsEnv;
  connectionArns: string[];
}

function scope(options: GlobalPolicyOptions): Scope {
  return {
    n: globalNames(options.prefix, options.env),
    g: globalArns(options.prefix, options.env),
    d: delegatedPatterns(options.prefix, options.env),
    env: options.env,
    connectionArns: options.connectionArns,
  };
}

/** Every ARN pattern of the application's own resources. */
function appResources(d: DelegatedPatterns): string[] {
  return [
    d.buckets,
    d.bucketObjects,
    d.repositories,
    d.buildLogGroups,
    d.appLogGroups,
    d.lambdaLogGroups,
    d.functions,
    d.clusters,
    d.services,
    d.tasks,
    d.taskDefinitions,
    d.buildProjects,
    d.pipelines,
  ];
}

/** Deny every action on the global ARNs but `except`: the backing of every delegated grant. */
function denyGlobal(s: Scope, except: string[]): PolicyStatement {
  return {
    Sid: 'DenyGlobalResources',
    Effect: 'Deny',
    ...(except.length > 0 ? { NotAction: except } : { Action: ['*'] }),
    Resource: s.g.all,
  };
}

/** S3 bucket names are global: `<p>-…-<account>-<region>` could be squatted by another account. */
function denyOtherAccountBuckets(s: Scope): PolicyStatement {
  return {
    Sid: 'DenyWritesToOtherAccountsBuckets',
    Effect: 'Deny',
    Action: S3_WRITE_ACTIONS,
    Resource: ['*'],
    // Fails closed: S3 sets the key on every request, and a negated operator (IfExists or not)
    // is true when a key is absent, so a request without it is denied too.
    Condition: { StringNotEqualsIfExists: { 's3:ResourceAccount': s.env.accountId } },
  };
}

function workloadBoundary(s: Scope): PolicyDocument {
  const { d, env } = s;
  return policy(
    // A boundary only caps: the role's own policy still has to grant each action.
    { Sid: 'AllowWithinBoundary', Effect: 'Allow', Action: ['*'], Resource: ['*'] },
    // B1–B5, B7: bounded roles make no IAM change at all; the execution role does it for them.
    { Sid: 'DenyIamWrites', Effect: 'Deny', Action: IAM_WRITE_ACTIONS, Resource: ['*'] },
    // B6, B8: only the application's roles, all of which carry this same boundary.
    {
      Sid: 'DenyPassOrAssumeOutsideApp',
      Effect: 'Deny',
      Action: ['iam:PassRole', 'sts:AssumeRole'],
      NotResource: [d.roles],
    },
    { Sid: 'DenyGuardrailChanges', Effect: 'Deny', Action: GUARDRAIL_ACTIONS, Resource: ['*'] },
    {
      Sid: 'DenyDefinitionChanges',
      Effect: 'Deny',
      Action: DEFINITION_ACTIONS,
      Resource: ['*'],
    },
    {
      Sid: 'DenyForeignCompute',
      Effect: 'Deny',
      Action: FOREIGN_COMPUTE_ACTIONS,
      Resource: ['*'],
    },
    {
      Sid: 'DenyResourcePolicies',
      Effect: 'Deny',
      Action: RESOURCE_POLICY_ACTIONS,
      Resource: ['*'],
    },
    // A grant for an AWS service (EBS, Secrets Manager…) is what KMS grants are for.
    {
      Sid: 'DenyKmsGrantsToPrincipals',
      Effect: 'Deny',
      Action: ['kms:CreateGrant'],
      Resource: ['*'],
      Condition: { Bool: { 'kms:GrantIsForAWSResource': 'false' } },
    },
    {
      Sid: 'DenyWritesOutsideApp',
      Effect: 'Deny',
      Action: SCOPED_WRITE_ACTIONS,
      NotResource: appResources(d),
    },
    denyOtherAccountBuckets(s),
    // B11: the application's own secrets only; `/aws/service/…` public parameters stay readable.
    {
      Sid: 'DenySecretsOutsideApp',
      Effect: 'Deny',
      Action: ['ssm:GetParameter*', 'secretsmanager:GetSecretValue'],
      NotResource: [
        d.parameters,
        d.secrets,
        `arn:${env.partition}:ssm:${env.region}::parameter/aws/service/*`,
      ],
    },
    denyGlobal(s, []),
  );
}

function serviceTrust(service: string, accountId: string): PolicyDocument {
  return policy({
    Sid: 'TrustServiceFromThisAccount',
    Effect: 'Allow',
    Principal: { Service: service },
    Action: ['sts:AssumeRole'],
    // Confused deputy: only this account's stacks or pipelines may use the role.
    Condition: { StringEquals: { 'aws:SourceAccount': accountId } },
  });
}

function executionServices(s: Scope): PolicyDocument {
  const { d, env } = s;
  const here = `${env.region}:${env.accountId}`;
  const P = env.partition;
  const statements: PolicyStatement[] = [
    {
      Sid: 'AppBuckets',
      Effect: 'Allow',
      Action: ['s3:*'],
      Resource: [d.buckets, d.bucketObjects],
    },
    { Sid: 'AppRepositories', Effect: 'Allow', Action: ['ecr:*'], Resource: [d.repositories] },
    {
      Sid: 'AppLogGroups',
      Effect: 'Allow',
      Action: ['logs:*'],
      Resource: [d.buildLogGroups, d.appLogGroups, d.lambdaLogGroups],
    },
    { Sid: 'AppFunctions', Effect: 'Allow', Action: ['lambda:*'], Resource: [d.functions] },
    {
      Sid: 'AppBuildProjects',
      Effect: 'Allow',
      Action: [
        'codebuild:CreateProject',
        'codebuild:UpdateProject',
        'codebuild:DeleteProject',
        'codebuild:BatchGetProjects',
        'codebuild:*ReportGroup*',
      ],
      Resource: [d.buildProjects, d.reportGroups],
    },
    {
      Sid: 'AppPipelines',
      Effect: 'Allow',
      Action: [
        'codepipeline:CreatePipeline',
        'codepipeline:UpdatePipeline',
        'codepipeline:DeletePipeline',
        'codepipeline:GetPipeline*',
        'codepipeline:*Tag*',
      ],
      Resource: [d.pipelines],
    },
    {
      Sid: 'AppEcs',
      Effect: 'Allow',
      Action: [
        'ecs:*Cluster*',
        'ecs:*Service*',
        'ecs:RegisterTaskDefinition',
        'ecs:*Tag*',
        'ecs:ListTasks',
      ],
      Resource: [d.clusters, d.services, d.taskDefinitions],
    },
    {
      Sid: 'AppParametersAndSecrets',
      Effect: 'Allow',
      Action: [
        'ssm:*Parameter*',
        'ssm:*TagsToResource',
        'ssm:ListTagsForResource',
        'secretsmanager:*',
      ],
      Resource: [d.parameters, d.secrets],
    },
    {
      Sid: 'AppAlarms',
      Effect: 'Allow',
      Action: ['cloudwatch:*Alarm*', 'cloudwatch:*Tag*'],
      Resource: [d.alarms],
    },
    // Load balancers, target groups, security groups and scalable targets get generated
    // names or ids (ELB names are also capped at 32 characters), so they are scoped to the
    // account and region: none of them carries a role, so none is a way to more rights.
    {
      Sid: 'LoadBalancing',
      Effect: 'Allow',
      Action: ['elasticloadbalancing:*'],
      Resource: [
        `arn:${P}:elasticloadbalancing:${here}:loadbalancer/*`,
        `arn:${P}:elasticloadbalancing:${here}:targetgroup/*`,
        `arn:${P}:elasticloadbalancing:${here}:listener/*`,
        `arn:${P}:elasticloadbalancing:${here}:listener-rule/*`,
      ],
    },
    {
      Sid: 'SecurityGroups',
      Effect: 'Allow',
      Action: [
        'ec2:CreateSecurityGroup',
        'ec2:DeleteSecurityGroup',
        'ec2:*SecurityGroupIngress',
        'ec2:*SecurityGroupEgress',
        'ec2:*SecurityGroupRule*',
        'ec2:CreateTags',
        'ec2:DeleteTags',
      ],
      Resource: [
        `arn:${P}:ec2:${here}:security-group/*`,
        `arn:${P}:ec2:${here}:security-group-rule/*`,
        `arn:${P}:ec2:${here}:vpc/*`,
      ],
    },
    {
      Sid: 'ServiceAutoScaling',
      Effect: 'Allow',
      Action: [
        'application-autoscaling:*ScalableTarget',
        'application-autoscaling:*ScalingPolicy',
        'application-autoscaling:*Tag*',
      ],
      Resource: [`arn:${P}:application-autoscaling:${here}:scalable-target/*`],
    },
    // Actions that accept no resource but `*` (Service Authorization Reference).
    {
      Sid: 'ResourceLessReads',
      Effect: 'Allow',
      Action: [
        'ec2:DescribeSecurityGroups',
        'ec2:DescribeSecurityGroupRules',
        'ec2:DescribeVpcs',
        'ec2:DescribeSubnets',
        'ec2:DescribeNetworkInterfaces',
        'ec2:DescribeAvailabilityZones',
        'ec2:DescribeAccountAttributes',
        'elasticloadbalancing:Describe*',
        'ecs:DescribeTaskDefinition',
        'ecs:DeregisterTaskDefinition',
        'application-autoscaling:Describe*',
        'logs:DescribeLogGroups',
        'secretsmanager:GetRandomPassword',
      ],
      Resource: ['*'],
    },
  ];

  // Creating a pipeline whose source uses a connection needs PassConnection on it.
  if (s.connectionArns.length > 0) {
    statements.push({
      Sid: 'PassTheConnectionToPipelines',
      Effect: 'Allow',
      Action: ['codestar-connections:PassConnection', 'codeconnections:PassConnection'],
      Resource: s.connectionArns,
      Condition: {
        'ForAllValues:StringEquals': {
          'codestar-connections:PassedToService': 'codepipeline.amazonaws.com',
          'codeconnections:PassedToService': 'codepipeline.amazonaws.com',
        },
      },
    });
  }
  return policy(...statements);
}

function executionGuard(s: Scope): PolicyDocument {
  const { d, g, env } = s;
  const boundary = g.boundaryPolicy;
  return policy(
    {
      Sid: 'AppRoles',
      Effect: 'Allow',
      Action: [
        'iam:CreateRole',
        'iam:DeleteRole',
        'iam:GetRole',
        'iam:UpdateRole',
        'iam:UpdateRoleDescription',
        'iam:UpdateAssumeRolePolicy',
        'iam:PutRolePolicy',
        'iam:GetRolePolicy',
        'iam:DeleteRolePolicy',
        'iam:AttachRolePolicy',
        'iam:DetachRolePolicy',
        'iam:ListRolePolicies',
        'iam:ListAttachedRolePolicies',
        'iam:PutRolePermissionsBoundary',
        'iam:TagRole',
        'iam:UntagRole',
        'iam:ListRoleTags',
        'iam:ListInstanceProfilesForRole',
      ],
      Resource: [d.roles],
    },
    {
      Sid: 'AppPoliciesAndInstanceProfiles',
      Effect: 'Allow',
      Action: [
        'iam:CreatePolicy',
        'iam:DeletePolicy',
        'iam:GetPolicy',
        'iam:GetPolicyVersion',
        'iam:ListPolicyVersions',
        'iam:CreatePolicyVersion',
        'iam:DeletePolicyVersion',
        'iam:TagPolicy',
        'iam:UntagPolicy',
        'iam:CreateInstanceProfile',
        'iam:DeleteInstanceProfile',
        'iam:GetInstanceProfile',
        'iam:AddRoleToInstanceProfile',
        'iam:RemoveRoleFromInstanceProfile',
        'iam:TagInstanceProfile',
        'iam:UntagInstanceProfile',
      ],
      Resource: [d.policies, d.instanceProfiles],
    },
    // B6. IfExists: the IAM guide says CodeBuild does not always send the key, so the ARN
    // scope is the control and the service list narrows it where the key is sent.
    {
      Sid: 'PassAppRolesToTheirServices',
      Effect: 'Allow',
      Action: ['iam:PassRole'],
      Resource: [d.roles],
      Condition: { StringEqualsIfExists: { 'iam:PassedToService': APP_ROLE_SERVICES } },
    },
    {
      Sid: 'PassThePipelineRoleToCodePipeline',
      Effect: 'Allow',
      Action: ['iam:PassRole'],
      Resource: [g.pipelineRole],
      Condition: { StringEquals: { 'iam:PassedToService': 'codepipeline.amazonaws.com' } },
    },
    {
      Sid: 'ServiceLinkedRoles',
      Effect: 'Allow',
      Action: ['iam:CreateServiceLinkedRole'],
      Resource: [`arn:${env.partition}:iam::${env.accountId}:role/aws-service-role/*`],
      Condition: { StringEquals: { 'iam:AWSServiceName': SERVICE_LINKED_ROLE_SERVICES } },
    },
    // B1, B4: these actions send the target's boundary as `iam:PermissionsBoundary`; a
    // missing key (an unbounded role) makes the negated operator true, so they are denied.
    {
      Sid: 'DenyRoleChangesWithoutTheBoundary',
      Effect: 'Deny',
      Action: [
        'iam:CreateRole',
        'iam:PutRolePermissionsBoundary',
        'iam:PutRolePolicy',
        'iam:AttachRolePolicy',
        'iam:DetachRolePolicy',
        'iam:DeleteRolePolicy',
      ],
      Resource: ['*'],
      Condition: { StringNotEquals: { 'iam:PermissionsBoundary': boundary } },
    },
    // B5, B7: no IAM write outside `/<p>/` (users, groups, keys and providers included).
    {
      Sid: 'DenyIamWritesOutsideAppPath',
      Effect: 'Deny',
      Action: IAM_WRITE_ACTIONS,
      NotResource: [
        d.roles,
        d.policies,
        d.instanceProfiles,
        `arn:${env.partition}:iam::${env.accountId}:role/aws-service-role/*`,
      ],
    },
    // B3, and boundary removal from service-linked roles is meaningless.
    {
      Sid: 'DenyBoundaryRemoval',
      Effect: 'Deny',
      Action: ['iam:Delete*PermissionsBoundary', 'iam:DeleteServiceLinkedRole'],
      Resource: ['*'],
    },
    {
      Sid: 'DenyPassingOtherRoles',
      Effect: 'Deny',
      Action: ['iam:PassRole'],
      NotResource: [d.roles, g.pipelineRole],
    },
    { Sid: 'DenyAssumingRoles', Effect: 'Deny', Action: ['sts:AssumeRole'], Resource: ['*'] },
    { Sid: 'DenyGuardrailChanges', Effect: 'Deny', Action: GUARDRAIL_ACTIONS, Resource: ['*'] },
    { Sid: 'DenyForeignCompute', Effect: 'Deny', Action: FOREIGN_COMPUTE_ACTIONS, Resource: ['*'] },
    denyOtherAccountBuckets(s),
    denyGlobal(s, ['iam:PassRole']),
  );
}

function pipelinePolicy(s: Scope): PolicyDocument {
  const { d, g } = s;
  const statements: PolicyStatement[] = [
    {
      Sid: 'ArtifactBuckets',
      Effect: 'Allow',
      Action: [
        's3:GetObject',
        's3:GetObjectVersion',
        's3:PutObject',
        's3:GetBucketVersioning',
        's3:GetBucketLocation',
        's3:ListBucket',
      ],
      Resource: [d.buckets, d.bucketObjects],
    },
    {
      Sid: 'AppBuilds',
      Effect: 'Allow',
      Action: [
        'codebuild:StartBuild',
        'codebuild:BatchGetBuilds',
        'codebuild:StopBuild',
        'codebuild:StartBuildBatch',
        'codebuild:BatchGetBuildBatches',
      ],
      Resource: [d.buildProjects],
    },
    // The application stacks only: the pipeline stacks are `deploy`'s, through a developer.
    {
      Sid: 'AppStacksWithTheExecutionRole',
      Effect: 'Allow',
      Action: ROLE_ARN_STACK_ACTIONS,
      Resource: [d.appStacks],
      Condition: { StringEquals: { 'cloudformation:RoleArn': g.executionRole } },
    },
    {
      Sid: 'AppStackChangeSets',
      Effect: 'Allow',
      Action: [
        'cloudformation:DescribeStacks',
        'cloudformation:DescribeStackEvents',
        'cloudformation:DescribeChangeSet',
        'cloudformation:ExecuteChangeSet',
        'cloudformation:DeleteChangeSet',
      ],
      Resource: [d.appStacks],
    },
    {
      Sid: 'PassTheExecutionRoleToCloudFormation',
      Effect: 'Allow',
      Action: ['iam:PassRole'],
      Resource: [g.executionRole],
      Condition: { StringEquals: { 'iam:PassedToService': 'cloudformation.amazonaws.com' } },
    },
  ];
  if (s.connectionArns.length > 0) {
    statements.push({
      Sid: 'UseTheSourceConnection',
      Effect: 'Allow',
      Action: ['codestar-connections:UseConnection', 'codeconnections:UseConnection'],
      Resource: s.connectionArns,
    });
  }
  statements.push(
    // codepipeline-redefine-pipeline: the role that runs pipelines never defines them.
    {
      Sid: 'DenyPipelineDefinitions',
      Effect: 'Deny',
      Action: [
        'codepipeline:CreatePipeline',
        'codepipeline:UpdatePipeline',
        'codepipeline:DeletePipeline',
      ],
      Resource: ['*'],
    },
    { Sid: 'DenyIamWrites', Effect: 'Deny', Action: IAM_WRITE_ACTIONS, Resource: ['*'] },
    {
      Sid: 'DenyPassingOtherRoles',
      Effect: 'Deny',
      Action: ['iam:PassRole'],
      NotResource: [g.executionRole],
    },
    { Sid: 'DenyAssumingRoles', Effect: 'Deny', Action: ['sts:AssumeRole'], Resource: ['*'] },
    // A missing `RoleArn` would make CloudFormation act with the caller's own rights, or
    // reuse a stack's earlier role: both are denied here (negated operator, missing key).
    {
      Sid: 'DenyStacksWithoutTheExecutionRole',
      Effect: 'Deny',
      Action: ROLE_ARN_STACK_ACTIONS,
      Resource: ['*'],
      Condition: { StringNotEquals: { 'cloudformation:RoleArn': g.executionRole } },
    },
    denyOtherAccountBuckets(s),
    denyGlobal(s, ['iam:PassRole']),
  );
  return policy(...statements);
}

function developerPolicy(s: Scope): PolicyDocument {
  const { d, g } = s;
  return policy(
    ...developerStatements({ n: s.n, g, d, env: s.env }),
    {
      Sid: 'DenyStacksWithoutTheExecutionRole',
      Effect: 'Deny',
      Action: ROLE_ARN_STACK_ACTIONS,
      Resource: ['*'],
      Condition: { StringNotEquals: { 'cloudformation:RoleArn': g.executionRole } },
    },
    // The key exists only when the caller sends `ResourceTypes`; aiproxy always sends it.
    {
      Sid: 'DenyStacksWithoutResourceTypes',
      Effect: 'Deny',
      Action: RESOURCE_TYPES_STACK_ACTIONS,
      Resource: ['*'],
      Condition: { Null: { 'cloudformation:ResourceTypes': 'true' } },
    },
    {
      Sid: 'DenyForbiddenResourceTypes',
      Effect: 'Deny',
      Action: RESOURCE_TYPES_STACK_ACTIONS,
      Resource: ['*'],
      Condition: {
        'ForAnyValue:StringLike': { 'cloudformation:ResourceTypes': FORBIDDEN_RESOURCE_TYPES },
      },
    },
    // An import would adopt an existing resource, e.g. someone else's role, into a stack.
    {
      Sid: 'DenyResourceImports',
      Effect: 'Deny',
      Action: ['cloudformation:CreateChangeSet'],
      Resource: ['*'],
      Condition: { Null: { 'cloudformation:ImportResourceTypes': 'false' } },
    },
    {
      Sid: 'DenyPassingOtherRoles',
      Effect: 'Deny',
      Action: ['iam:PassRole'],
      NotResource: [g.executionRole],
    },
    // On the application's roles, policies, projects and pipelines a developer does what the
    // table says and nothing else, whatever other policies they hold: no IAM write, no
    // `codebuild:StartBuild` (a buildspec override skips review), no pipeline redefinition.
    {
      Sid: 'DenyAllButTheTable',
      Effect: 'Deny',
      NotAction: [
        'iam:Get*',
        'iam:List*',
        'iam:SimulatePrincipalPolicy',
        'codebuild:BatchGetBuilds',
        'codepipeline:Get*',
        'codepipeline:List*',
        'codepipeline:StartPipelineExecution',
      ],
      Resource: [d.roles, d.policies, d.instanceProfiles, d.buildProjects, d.pipelines],
    },
    denyGlobal(s, [
      'cloudformation:DescribeStacks',
      'ssm:GetParameter',
      'iam:Get*',
      'iam:List*',
      'iam:PassRole',
    ]),
  );
}

/** Builds every IAM document of the global stack for `options.env`. */
export function buildGlobalPolicies(options: GlobalPolicyOptions): GlobalPolicies {
  const s = scope(options);
  return {
    boundary: workloadBoundary(s),
    executionTrust: serviceTrust('cloudformation.amazonaws.com', s.env.accountId),
    executionServices: executionServices(s),
    executionGuard: executionGuard(s),
    pipelineTrust: serviceTrust('codepipeline.amazonaws.com', s.env.accountId),
    pipeline: pipelinePolicy(s),
    developer: developerPolicy(s),
  };
}
