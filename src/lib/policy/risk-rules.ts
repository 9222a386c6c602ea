/**
 * The privilege-escalation catalog (`privesc-catalog.json`, 78 techniques) encoded as rules a
 * policy document can be checked against. Each rule restates its entry's `dangerous_when`:
 *
 * - `routes`: the sets of actions that together make the technique; any one route suffices.
 *   Where the entry lists alternatives, its `dangerous_when` opens with the combination rule;
 *   otherwise every listed action is needed (SECURITY-DESIGN.md, preamble).
 * - `pivots`: the actions whose resource decides whether the technique works, with the scope
 *   that makes it work. The other actions of a route are commodities (`ec2:RunInstances`): a
 *   role may hold them already, and their resource does not matter.
 * - `defusedBy`: condition keys that, constrained in the granting statement, close the route
 *   (`iam:PermissionsBoundary` on `iam:CreateRole`, `iam:PolicyARN` on attachments).
 * - `sameResource`: the pivots of a route must reach one same resource ("both actions on the
 *   same role").
 *
 * What a rule cannot see (which policies are attached where, which roles are privileged,
 * whether a boundary caps a role) is assumed the worst way outside the application and the
 * design's way inside it: the application's roles carry the workload boundary, anything else
 * may be an admin's.
 */

/**
 * Which resources make a pivot dangerous:
 * - `beyond`: any resource outside the application (see `isAppResource`), `*` included;
 * - `self-or-beyond`: also the calling role itself, even inside the application;
 * - `broad`: only patterns that match every resource of the type (`*`, `parameter/*`);
 * - `any`: every resource: the action is dangerous wherever it points.
 */
export type PivotScope = 'beyond' | 'self-or-beyond' | 'broad' | 'any';

/** One catalog technique as a matchable rule. */
export interface TechniqueRule {
  id: string;
  routes: string[][];
  pivots: Readonly<Record<string, PivotScope>>;
  defusedBy?: string[];
  sameResource?: boolean;
}

/** Each action alone is a route: "either listed action suffices". */
function anyOf(...actions: string[]): string[][] {
  return actions.map((a) => [a]);
}

/** The cartesian product of alternatives: "needs A, one of B/C, and one of D/E". */
function cross(...groups: string[][]): string[][] {
  return groups.reduce<string[][]>(
    (routes, group) => routes.flatMap((route) => group.map((a) => [...route, a])),
    [[]],
  );
}

const PASS_ROLE = 'iam:PassRole';
const BOUNDARY = ['iam:PermissionsBoundary'];

// A technique whose only pivot is passing a privileged (non-application) role to a service.
function passRoleRule(id: string, routes: string[][]): TechniqueRule {
  return { id, routes, pivots: { [PASS_ROLE]: 'beyond' } };
}

/** Every catalog entry, in catalog order. `test/policy/risk.test.ts` checks the pairing. */
export const TECHNIQUE_RULES: readonly TechniqueRule[] = [
  // Managed-policy rewrites: dangerous on any policy that is not the application's own, which
  // includes the boundary (it lives under `/<prefix>-global/`).
  {
    id: 'iam-create-policy-version',
    routes: [['iam:CreatePolicyVersion']],
    pivots: { 'iam:CreatePolicyVersion': 'beyond' },
  },
  {
    id: 'iam-set-default-policy-version',
    routes: [['iam:SetDefaultPolicyVersion']],
    pivots: { 'iam:SetDefaultPolicyVersion': 'beyond' },
  },
  // "The caller's own role, or any role it can use, and no boundary caps it": the caller is
  // never trusted to cap itself; other application roles carry the boundary.
  {
    id: 'iam-put-role-policy-self',
    routes: [['iam:PutRolePolicy']],
    pivots: { 'iam:PutRolePolicy': 'self-or-beyond' },
  },
  {
    id: 'iam-attach-role-policy-self',
    routes: [['iam:AttachRolePolicy']],
    pivots: { 'iam:AttachRolePolicy': 'self-or-beyond' },
    defusedBy: ['iam:PolicyARN'],
  },
  // Users and groups are never the application's (B7), so every user or group resource is beyond.
  {
    id: 'iam-put-user-policy-self',
    routes: [['iam:PutUserPolicy']],
    pivots: { 'iam:PutUserPolicy': 'beyond' },
  },
  {
    id: 'iam-attach-user-policy-self',
    routes: [['iam:AttachUserPolicy']],
    pivots: { 'iam:AttachUserPolicy': 'beyond' },
    defusedBy: ['iam:PolicyARN'],
  },
  {
    id: 'iam-attach-group-policy',
    routes: [['iam:AttachGroupPolicy']],
    pivots: { 'iam:AttachGroupPolicy': 'beyond' },
  },
  {
    id: 'iam-put-group-policy',
    routes: [['iam:PutGroupPolicy']],
    pivots: { 'iam:PutGroupPolicy': 'beyond' },
  },
  {
    id: 'iam-add-user-to-group',
    routes: [['iam:AddUserToGroup']],
    pivots: { 'iam:AddUserToGroup': 'beyond' },
  },
  {
    id: 'iam-create-access-key',
    routes: [['iam:CreateAccessKey']],
    pivots: { 'iam:CreateAccessKey': 'beyond' },
  },
  {
    id: 'iam-create-and-rotate-access-key',
    routes: [['iam:CreateAccessKey', 'iam:DeleteAccessKey']],
    pivots: { 'iam:CreateAccessKey': 'beyond', 'iam:DeleteAccessKey': 'beyond' },
    sameResource: true,
  },
  {
    id: 'iam-create-login-profile',
    routes: [['iam:CreateLoginProfile']],
    pivots: { 'iam:CreateLoginProfile': 'beyond' },
  },
  {
    id: 'iam-update-login-profile',
    routes: [['iam:UpdateLoginProfile']],
    pivots: { 'iam:UpdateLoginProfile': 'beyond' },
  },
  {
    id: 'iam-attach-user-policy-then-create-key',
    routes: [['iam:AttachUserPolicy', 'iam:CreateAccessKey']],
    pivots: { 'iam:AttachUserPolicy': 'beyond', 'iam:CreateAccessKey': 'beyond' },
    sameResource: true,
  },
  {
    id: 'iam-put-user-policy-then-create-key',
    routes: [['iam:PutUserPolicy', 'iam:CreateAccessKey']],
    pivots: { 'iam:PutUserPolicy': 'beyond', 'iam:CreateAccessKey': 'beyond' },
    sameResource: true,
  },
  {
    // CreateUser without a required boundary; the new user is never the application's.
    id: 'iam-create-user-with-credentials',
    routes: cross(
      ['iam:CreateUser'],
      ['iam:AttachUserPolicy', 'iam:PutUserPolicy'],
      ['iam:CreateAccessKey', 'iam:CreateLoginProfile'],
    ),
    pivots: { 'iam:CreateUser': 'any' },
    defusedBy: BOUNDARY,
  },
  {
    // Privileged roles include the deployer's own: the caller counts as beyond here.
    id: 'iam-update-assume-role-policy',
    routes: [['iam:UpdateAssumeRolePolicy', 'sts:AssumeRole']],
    pivots: { 'iam:UpdateAssumeRolePolicy': 'self-or-beyond' },
  },
  {
    id: 'iam-attach-role-policy-then-assume',
    routes: [['iam:AttachRolePolicy', 'sts:AssumeRole']],
    pivots: { 'iam:AttachRolePolicy': 'self-or-beyond' },
    defusedBy: ['iam:PolicyARN'],
  },
  {
    id: 'iam-put-role-policy-then-assume',
    routes: [['iam:PutRolePolicy', 'sts:AssumeRole']],
    pivots: { 'iam:PutRolePolicy': 'self-or-beyond' },
  },
  {
    id: 'iam-create-policy-version-then-assume',
    routes: [['iam:CreatePolicyVersion', 'sts:AssumeRole']],
    pivots: { 'iam:CreatePolicyVersion': 'beyond' },
  },
  {
    id: 'iam-attach-role-policy-and-update-trust',
    routes: [['iam:AttachRolePolicy', 'iam:UpdateAssumeRolePolicy']],
    pivots: { 'iam:AttachRolePolicy': 'beyond', 'iam:UpdateAssumeRolePolicy': 'beyond' },
    sameResource: true,
  },
  {
    // A policy and a role: two resources, so no same-resource rule.
    id: 'iam-create-policy-version-and-update-trust',
    routes: [['iam:CreatePolicyVersion', 'iam:UpdateAssumeRolePolicy']],
    pivots: { 'iam:CreatePolicyVersion': 'beyond', 'iam:UpdateAssumeRolePolicy': 'beyond' },
  },
  {
    id: 'iam-put-role-policy-and-update-trust',
    routes: [['iam:PutRolePolicy', 'iam:UpdateAssumeRolePolicy']],
    pivots: { 'iam:PutRolePolicy': 'beyond', 'iam:UpdateAssumeRolePolicy': 'beyond' },
    sameResource: true,
  },
  {
    // Creating roles outside the application, or anywhere without a required boundary.
    id: 'iam-create-role-and-grant',
    routes: cross(['iam:CreateRole'], ['iam:AttachRolePolicy', 'iam:PutRolePolicy']),
    pivots: { 'iam:CreateRole': 'any' },
    defusedBy: BOUNDARY,
  },
  {
    id: 'sts-assume-permissive-role',
    routes: [['sts:AssumeRole']],
    pivots: { 'sts:AssumeRole': 'beyond' },
  },
  {
    // Application roles are bounded principals: removing a boundary is dangerous everywhere.
    id: 'pb-delete-permissions-boundary',
    routes: anyOf('iam:DeleteRolePermissionsBoundary', 'iam:DeleteUserPermissionsBoundary'),
    pivots: {
      'iam:DeleteRolePermissionsBoundary': 'any',
      'iam:DeleteUserPermissionsBoundary': 'any',
    },
  },
  {
    id: 'pb-replace-permissions-boundary',
    routes: anyOf('iam:PutRolePermissionsBoundary', 'iam:PutUserPermissionsBoundary'),
    pivots: { 'iam:PutRolePermissionsBoundary': 'any', 'iam:PutUserPermissionsBoundary': 'any' },
    defusedBy: BOUNDARY,
  },
  {
    // The boundary policy lives under `/<prefix>-global/`: beyond the application.
    id: 'pb-tamper-boundary-policy',
    routes: anyOf(
      'iam:CreatePolicyVersion',
      'iam:SetDefaultPolicyVersion',
      'iam:DeletePolicyVersion',
      'iam:DeletePolicy',
    ),
    pivots: {
      'iam:CreatePolicyVersion': 'beyond',
      'iam:SetDefaultPolicyVersion': 'beyond',
      'iam:DeletePolicyVersion': 'beyond',
      'iam:DeletePolicy': 'beyond',
    },
  },
  {
    // An Allow + StringEquals on the boundary key is exactly the ineffective form when any
    // allow-all sits beside it, so no condition in an Allow statement defuses this one.
    id: 'pb-ineffective-create-condition',
    routes: anyOf('iam:CreateRole', 'iam:CreateUser'),
    pivots: { 'iam:CreateRole': 'any', 'iam:CreateUser': 'any' },
  },
  {
    id: 'pb-mutate-unbounded-or-foreign-role',
    routes: anyOf(
      'iam:AttachRolePolicy',
      'iam:PutRolePolicy',
      'iam:DetachRolePolicy',
      'iam:DeleteRolePolicy',
      'iam:UpdateAssumeRolePolicy',
      'iam:TagRole',
    ),
    pivots: {
      'iam:AttachRolePolicy': 'self-or-beyond',
      'iam:PutRolePolicy': 'self-or-beyond',
      'iam:DetachRolePolicy': 'self-or-beyond',
      'iam:DeleteRolePolicy': 'self-or-beyond',
      'iam:UpdateAssumeRolePolicy': 'self-or-beyond',
      'iam:TagRole': 'self-or-beyond',
    },
  },
  {
    id: 'pb-tag-based-abac-bypass',
    routes: anyOf('iam:TagRole', 'iam:UntagRole', 'iam:TagUser'),
    pivots: {
      'iam:TagRole': 'self-or-beyond',
      'iam:UntagRole': 'self-or-beyond',
      'iam:TagUser': 'any',
    },
  },
  {
    id: 'pb-resource-policy-grant',
    routes: anyOf(
      's3:PutBucketPolicy',
      'kms:PutKeyPolicy',
      'kms:CreateGrant',
      'secretsmanager:PutResourcePolicy',
      'lambda:AddPermission',
      'sqs:SetQueueAttributes',
      'sns:SetTopicAttributes',
      'ecr:SetRepositoryPolicy',
    ),
    pivots: {
      's3:PutBucketPolicy': 'beyond',
      'kms:PutKeyPolicy': 'beyond',
      'kms:CreateGrant': 'beyond',
      'secretsmanager:PutResourcePolicy': 'beyond',
      'lambda:AddPermission': 'beyond',
      'sqs:SetQueueAttributes': 'beyond',
      'sns:SetTopicAttributes': 'beyond',
      'ecr:SetRepositoryPolicy': 'beyond',
    },
  },
  {
    // No condition key inspects a trust document, so editing any trust (even an application
    // role's) lets an external provider in; a provider may already exist.
    id: 'pb-identity-provider-trust',
    routes: cross(
      ['iam:CreateOpenIDConnectProvider', 'iam:CreateSAMLProvider'],
      ['iam:UpdateAssumeRolePolicy', 'iam:CreateRole'],
    ),
    pivots: {
      'iam:CreateOpenIDConnectProvider': 'any',
      'iam:CreateSAMLProvider': 'any',
      'iam:UpdateAssumeRolePolicy': 'any',
      'iam:CreateRole': 'any',
    },
  },
  passRoleRule('ec2-runinstances-passrole', [[PASS_ROLE, 'ec2:RunInstances']]),
  {
    id: 'ec2-instance-profile-create-associate',
    routes: cross(
      ['iam:CreateInstanceProfile'],
      ['iam:AddRoleToInstanceProfile'],
      [PASS_ROLE],
      // "(or RunInstances)" is the route of ec2-runinstances-passrole, encoded there.
      ['ec2:AssociateIamInstanceProfile', 'ec2:ReplaceIamInstanceProfileAssociation'],
    ),
    pivots: {
      'iam:CreateInstanceProfile': 'beyond',
      'iam:AddRoleToInstanceProfile': 'beyond',
      [PASS_ROLE]: 'beyond',
    },
  },
  passRoleRule('ec2-spot-passrole', [[PASS_ROLE, 'ec2:RequestSpotInstances']]),
  passRoleRule(
    'autoscaling-passrole',
    cross(
      [PASS_ROLE],
      ['autoscaling:CreateLaunchConfiguration'],
      ['autoscaling:CreateAutoScalingGroup', 'autoscaling:UpdateAutoScalingGroup'],
    ),
  ),
  passRoleRule('lambda-create-invoke-passrole', [
    [PASS_ROLE, 'lambda:CreateFunction', 'lambda:InvokeFunction'],
  ]),
  passRoleRule('lambda-create-event-source-passrole', [
    [PASS_ROLE, 'lambda:CreateFunction', 'lambda:CreateEventSourceMapping'],
  ]),
  passRoleRule('lambda-create-add-permission-passrole', [
    [PASS_ROLE, 'lambda:CreateFunction', 'lambda:AddPermission'],
  ]),
  passRoleRule('cloudformation-createstack-passrole', [[PASS_ROLE, 'cloudformation:CreateStack']]),
  passRoleRule('cloudformation-stackset-passrole', [
    [PASS_ROLE, 'cloudformation:CreateStackSet', 'cloudformation:CreateStackInstances'],
    [PASS_ROLE, 'cloudformation:UpdateStackSet'],
  ]),
  passRoleRule(
    'codebuild-create-project-passrole',
    cross(
      [PASS_ROLE],
      ['codebuild:CreateProject'],
      ['codebuild:StartBuild', 'codebuild:StartBuildBatch'],
    ),
  ),
  passRoleRule(
    'ecs-register-run-passrole',
    cross(
      [PASS_ROLE],
      ['ecs:RegisterTaskDefinition'],
      ['ecs:RunTask', 'ecs:StartTask', 'ecs:CreateService'],
    ),
  ),
  passRoleRule('ecs-runtask-role-override', [[PASS_ROLE, 'ecs:RunTask']]),
  passRoleRule('ecs-register-container-instance', [
    [PASS_ROLE, 'ecs:RegisterContainerInstance', 'ecs:StartTask'],
  ]),
  passRoleRule('glue-dev-endpoint-passrole', [
    [PASS_ROLE, 'glue:CreateDevEndpoint', 'glue:GetDevEndpoint'],
  ]),
  passRoleRule(
    'glue-job-passrole',
    cross(
      [PASS_ROLE],
      ['glue:CreateJob', 'glue:UpdateJob'],
      ['glue:StartJobRun', 'glue:CreateTrigger'],
    ),
  ),
  passRoleRule('sagemaker-notebook-passrole', [[PASS_ROLE, 'sagemaker:CreateNotebookInstance']]),
  passRoleRule(
    'sagemaker-job-passrole',
    cross([PASS_ROLE], ['sagemaker:CreateTrainingJob', 'sagemaker:CreateProcessingJob']),
  ),
  passRoleRule('datapipeline-passrole', [
    [
      PASS_ROLE,
      'datapipeline:CreatePipeline',
      'datapipeline:PutPipelineDefinition',
      'datapipeline:ActivatePipeline',
    ],
  ]),
  passRoleRule('ssm-automation-passrole', [
    [PASS_ROLE, 'ssm:CreateDocument', 'ssm:StartAutomationExecution'],
  ]),
  passRoleRule('apprunner-passrole', [[PASS_ROLE, 'apprunner:CreateService']]),
  passRoleRule('bedrock-agentcore-interpreter-passrole', [
    [
      PASS_ROLE,
      'bedrock-agentcore:CreateCodeInterpreter',
      'bedrock-agentcore:StartCodeInterpreterSession',
      'bedrock-agentcore:InvokeCodeInterpreter',
    ],
  ]),
  {
    // Three variants; a template project provisions broad IAM on its own.
    id: 'codestar-project-passrole',
    routes: [
      [PASS_ROLE, 'codestar:CreateProject'],
      ['codestar:CreateProjectFromTemplate'],
      ['codestar:CreateProject', 'codestar:AssociateTeamMember'],
    ],
    pivots: {
      [PASS_ROLE]: 'beyond',
      'codestar:CreateProjectFromTemplate': 'any',
      'codestar:AssociateTeamMember': 'any',
    },
  },
  // Existing privileged compute and stacks: dangerous on anything not the application's
  // (the global stack `<prefix>-global` included).
  {
    id: 'cloudformation-updatestack-existing-role',
    routes: [['cloudformation:UpdateStack']],
    pivots: { 'cloudformation:UpdateStack': 'beyond' },
  },
  {
    id: 'cloudformation-changeset-existing-role',
    routes: [['cloudformation:CreateChangeSet', 'cloudformation:ExecuteChangeSet']],
    pivots: {
      'cloudformation:CreateChangeSet': 'beyond',
      'cloudformation:ExecuteChangeSet': 'beyond',
    },
    sameResource: true,
  },
  {
    id: 'codebuild-startbuild-override',
    routes: anyOf('codebuild:StartBuild', 'codebuild:StartBuildBatch'),
    pivots: { 'codebuild:StartBuild': 'beyond', 'codebuild:StartBuildBatch': 'beyond' },
  },
  {
    id: 'codebuild-update-project',
    routes: [['codebuild:UpdateProject', 'codebuild:StartBuild']],
    pivots: { 'codebuild:UpdateProject': 'beyond' },
  },
  {
    // The application's own source and artifacts are written by its build by design; another
    // project's source is not.
    id: 'codebuild-poisoned-source',
    routes: anyOf('codecommit:GitPush', 's3:PutObject'),
    pivots: { 'codecommit:GitPush': 'beyond', 's3:PutObject': 'beyond' },
  },
  {
    // The pipeline role is shared (global) and may pass the execution role: redefining any
    // pipeline, even the application's, lets a caller choose what that role runs.
    id: 'codepipeline-redefine-pipeline',
    routes: cross(['codepipeline:UpdatePipeline', 'codepipeline:CreatePipeline'], [PASS_ROLE]),
    pivots: {
      'codepipeline:UpdatePipeline': 'any',
      'codepipeline:CreatePipeline': 'any',
      [PASS_ROLE]: 'beyond',
    },
  },
  {
    id: 'pipeline-artifact-poisoning',
    routes: [['s3:PutObject']],
    pivots: { 's3:PutObject': 'beyond' },
  },
  {
    // An existing trigger is enough to run the new code.
    id: 'lambda-update-code',
    routes: [['lambda:UpdateFunctionCode']],
    pivots: { 'lambda:UpdateFunctionCode': 'beyond' },
  },
  {
    id: 'lambda-update-configuration',
    routes: [['lambda:UpdateFunctionConfiguration']],
    pivots: { 'lambda:UpdateFunctionConfiguration': 'beyond' },
  },
  {
    id: 'ecs-execute-command',
    routes: [['ecs:ExecuteCommand', 'ecs:DescribeTasks']],
    pivots: { 'ecs:ExecuteCommand': 'beyond' },
  },
  {
    // Instance ids are never the application's names, so every instance counts as beyond.
    id: 'ec2-modify-userdata',
    routes: [['ec2:ModifyInstanceAttribute', 'ec2:StopInstances', 'ec2:StartInstances']],
    pivots: { 'ec2:ModifyInstanceAttribute': 'beyond' },
  },
  {
    id: 'ec2-launch-template-version',
    routes: [['ec2:CreateLaunchTemplateVersion', 'ec2:ModifyLaunchTemplate']],
    pivots: { 'ec2:CreateLaunchTemplateVersion': 'beyond', 'ec2:ModifyLaunchTemplate': 'beyond' },
    sameResource: true,
  },
  {
    id: 'ec2-instance-connect',
    routes: [['ec2-instance-connect:SendSSHPublicKey', 'ec2:DescribeInstances']],
    pivots: { 'ec2-instance-connect:SendSSHPublicKey': 'beyond' },
  },
  {
    id: 'ssm-start-session',
    routes: [['ssm:StartSession']],
    pivots: { 'ssm:StartSession': 'beyond' },
  },
  {
    id: 'ssm-send-command',
    routes: [['ssm:SendCommand']],
    pivots: { 'ssm:SendCommand': 'beyond' },
  },
  {
    id: 'codedeploy-create-deployment',
    routes: [['codedeploy:CreateDeployment', 'codedeploy:RegisterApplicationRevision']],
    pivots: { 'codedeploy:CreateDeployment': 'beyond' },
  },
  {
    id: 'glue-update-dev-endpoint',
    routes: [['glue:UpdateDevEndpoint']],
    pivots: { 'glue:UpdateDevEndpoint': 'beyond' },
  },
  {
    id: 'sagemaker-presigned-url',
    routes: [['sagemaker:CreatePresignedNotebookInstanceUrl']],
    pivots: { 'sagemaker:CreatePresignedNotebookInstanceUrl': 'beyond' },
  },
  {
    id: 'sagemaker-lifecycle-config',
    routes: [
      [
        'sagemaker:CreateNotebookInstanceLifecycleConfig',
        'sagemaker:StopNotebookInstance',
        'sagemaker:UpdateNotebookInstance',
        'sagemaker:StartNotebookInstance',
      ],
    ],
    pivots: { 'sagemaker:UpdateNotebookInstance': 'beyond' },
  },
  {
    id: 'apprunner-update-service',
    routes: [['apprunner:UpdateService']],
    pivots: { 'apprunner:UpdateService': 'beyond' },
  },
  {
    id: 'bedrock-agentcore-existing-session',
    routes: [
      ['bedrock-agentcore:StartCodeInterpreterSession', 'bedrock-agentcore:InvokeCodeInterpreter'],
    ],
    pivots: { 'bedrock-agentcore:StartCodeInterpreterSession': 'beyond' },
  },
  {
    // The login token is unscoped by nature (`*` only) and harmless alone: the push decides.
    id: 'ecr-image-poisoning',
    routes: [
      [
        'ecr:GetAuthorizationToken',
        'ecr:InitiateLayerUpload',
        'ecr:UploadLayerPart',
        'ecr:CompleteLayerUpload',
        'ecr:PutImage',
      ],
    ],
    pivots: {
      'ecr:InitiateLayerUpload': 'beyond',
      'ecr:UploadLayerPart': 'beyond',
      'ecr:CompleteLayerUpload': 'beyond',
      'ecr:PutImage': 'beyond',
    },
  },
  {
    // Every aiproxy role runs repository code or is a bounded application role, so "on such a
    // role" always holds; the rule is about reading every secret at once.
    id: 'secrets-read-by-build',
    routes: anyOf(
      'ssm:GetParameter',
      'ssm:GetParameters',
      'ssm:GetParametersByPath',
      'secretsmanager:GetSecretValue',
    ),
    pivots: {
      'ssm:GetParameter': 'broad',
      'ssm:GetParameters': 'broad',
      'ssm:GetParametersByPath': 'broad',
      'secretsmanager:GetSecretValue': 'broad',
    },
  },
];
