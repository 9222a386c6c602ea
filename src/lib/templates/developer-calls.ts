/**
 * Every AWS call `deploy`, `destroy`, `list` and `doctor` make with a developer's credentials,
 * and the developer policy written from it. The table is the contract between those commands
 * and the global stack: a command that makes a new call adds a row here, and the tests replay
 * every row through a policy simulator against the generated policy (all must be allowed) and
 * keep `docs/developer-calls.md` in step.
 */
import type { AwsEnv, DelegatedPatterns, GlobalArns, GlobalNames } from '../names.js';
import type { PolicyCondition, PolicyStatement } from './cfn.js';

/** The commands that run with a developer's credentials. */
export type DeveloperCommand = 'deploy' | 'destroy' | 'list' | 'doctor';

/** Where a call lands, as one of the named patterns. */
export type DeveloperResource =
  | 'any'
  | 'globalStack'
  | 'versionParameter'
  | 'executionRole'
  | 'delegatedStacks'
  | 'pipelines'
  | 'buildProjects'
  | 'buildLogs'
  | 'appRoles'
  | 'roles'
  | 'policies'
  | 'artifactBuckets'
  | 'artifactObjects';

/**
 * A condition the CLI always satisfies and the policy requires:
 * `executionRole`: the stack operation names the execution role (`RoleARN`);
 * `toCloudFormation`: the role is passed to CloudFormation.
 */
export type DeveloperCondition = 'executionRole' | 'toCloudFormation';

/** One AWS call a command makes. */
export interface DeveloperCall {
  /** The IAM service prefix, e.g. `cloudformation`. */
  service: string;
  /** The IAM action name, e.g. `CreateChangeSet`. */
  action: string;
  resource: DeveloperResource;
  commands: DeveloperCommand[];
  /** Why the command makes it, for the reviewer of the policy. */
  why: string;
  condition?: DeveloperCondition;
}

/** The committed table. Keep it sorted by service, then by first command. */
export const DEVELOPER_CALLS: readonly DeveloperCall[] = [
  {
    service: 'cloudformation',
    action: 'DescribeStacks',
    resource: 'globalStack',
    commands: ['deploy', 'destroy', 'list', 'doctor'],
    why: "read the global stack's outputs: execution role, pipeline role, connection",
  },
  {
    service: 'cloudformation',
    action: 'DescribeStacks',
    resource: 'delegatedStacks',
    commands: ['deploy', 'destroy', 'list', 'doctor'],
    why: "a stack's state before, during and after a change",
  },
  {
    service: 'cloudformation',
    action: 'CreateChangeSet',
    resource: 'delegatedStacks',
    commands: ['deploy'],
    why: 'create or update the pipeline stack; always sends RoleARN and ResourceTypes',
    condition: 'executionRole',
  },
  {
    service: 'cloudformation',
    action: 'DescribeChangeSet',
    resource: 'delegatedStacks',
    commands: ['deploy'],
    why: 'show the changes before asking',
  },
  {
    service: 'cloudformation',
    action: 'ExecuteChangeSet',
    resource: 'delegatedStacks',
    commands: ['deploy'],
    why: 'apply the reviewed change set (it carries the execution role)',
  },
  {
    service: 'cloudformation',
    action: 'DeleteChangeSet',
    resource: 'delegatedStacks',
    commands: ['deploy'],
    why: 'remove a declined change set',
  },
  {
    service: 'cloudformation',
    action: 'GetTemplate',
    resource: 'delegatedStacks',
    commands: ['deploy', 'destroy', 'list'],
    why: 'diff the new template against the deployed one; read a pipeline’s branch name back',
  },
  {
    service: 'cloudformation',
    action: 'DescribeStackEvents',
    resource: 'delegatedStacks',
    commands: ['deploy', 'destroy', 'doctor'],
    why: 'live progress, and the first failed event',
  },
  {
    service: 'cloudformation',
    action: 'ContinueUpdateRollback',
    resource: 'delegatedStacks',
    commands: ['deploy'],
    why: 'the `aws cloudformation continue-update-rollback --role-arn …` that deploy prints for UPDATE_ROLLBACK_FAILED',
    condition: 'executionRole',
  },
  {
    service: 'cloudformation',
    action: 'DeleteStack',
    resource: 'delegatedStacks',
    commands: ['deploy', 'destroy'],
    why: 'destroy a branch; remove the empty stack of a declined first deploy (sends RoleARN)',
    condition: 'executionRole',
  },
  {
    service: 'cloudformation',
    action: 'ListStacks',
    resource: 'any',
    commands: ['list', 'destroy'],
    why: "find this application's branch stacks (the action takes no resource)",
  },
  {
    service: 'codebuild',
    action: 'BatchGetBuilds',
    resource: 'buildProjects',
    commands: ['deploy', 'doctor'],
    why: 'the failed build, its phases and its log stream',
  },
  {
    service: 'codepipeline',
    action: 'GetPipelineState',
    resource: 'pipelines',
    commands: ['deploy', 'list', 'doctor'],
    why: 'stage-by-stage progress',
  },
  {
    service: 'codepipeline',
    action: 'ListPipelineExecutions',
    resource: 'pipelines',
    commands: ['deploy', 'list', 'doctor'],
    why: 'the last execution status; the latest failed execution',
  },
  {
    service: 'codepipeline',
    action: 'GetPipelineExecution',
    resource: 'pipelines',
    commands: ['deploy', 'doctor'],
    why: 'follow one execution',
  },
  {
    service: 'codepipeline',
    action: 'StartPipelineExecution',
    resource: 'pipelines',
    commands: ['deploy'],
    why: '`deploy --watch` starts a run of the branch pipeline',
  },
  {
    service: 'codepipeline',
    action: 'ListActionExecutions',
    resource: 'pipelines',
    commands: ['doctor'],
    why: 'the failed actions of an execution and their details',
  },
  {
    service: 'iam',
    action: 'PassRole',
    resource: 'executionRole',
    commands: ['deploy', 'destroy'],
    why: 'CloudFormation acts as the execution role, never as the developer',
    condition: 'toCloudFormation',
  },
  {
    service: 'iam',
    action: 'GetRole',
    resource: 'roles',
    commands: ['doctor'],
    why: 'the denied role (an app role, or the global pipeline or execution role): boundary and trust',
  },
  {
    service: 'iam',
    action: 'ListRolePolicies',
    resource: 'roles',
    commands: ['doctor'],
    why: "the denied role's inline policies",
  },
  {
    service: 'iam',
    action: 'GetRolePolicy',
    resource: 'roles',
    commands: ['doctor'],
    why: 'an inline policy, to propose the smallest patch',
  },
  {
    service: 'iam',
    action: 'ListAttachedRolePolicies',
    resource: 'roles',
    commands: ['doctor'],
    why: "the denied role's managed policies",
  },
  {
    service: 'iam',
    action: 'SimulatePrincipalPolicy',
    resource: 'appRoles',
    commands: ['doctor'],
    why: "check a proposed patch to an app role before offering it (global roles' patches belong to setup)",
  },
  {
    service: 'iam',
    action: 'GetPolicy',
    resource: 'policies',
    commands: ['doctor'],
    why: 'a managed policy of the denied role, or the workload boundary',
  },
  {
    service: 'iam',
    action: 'GetPolicyVersion',
    resource: 'policies',
    commands: ['doctor'],
    why: "that policy's document",
  },
  {
    service: 'logs',
    action: 'GetLogEvents',
    resource: 'buildLogs',
    commands: ['doctor'],
    why: "read the failed build's log",
  },
  {
    service: 's3',
    action: 'ListBucket',
    resource: 'artifactBuckets',
    commands: ['destroy'],
    why: 'empty the artifact bucket: CloudFormation deletes only empty buckets',
  },
  {
    service: 's3',
    action: 'ListBucketVersions',
    resource: 'artifactBuckets',
    commands: ['destroy'],
    why: 'the same, for old versions',
  },
  {
    service: 's3',
    action: 'DeleteObject',
    resource: 'artifactObjects',
    commands: ['destroy'],
    why: 'the same',
  },
  {
    service: 's3',
    action: 'DeleteObjectVersion',
    resource: 'artifactObjects',
    commands: ['destroy'],
    why: 'the same, for old versions',
  },
  {
    service: 'ssm',
    action: 'GetParameter',
    resource: 'versionParameter',
    commands: ['deploy'],
    why: "check the global stack's version against the CLI's",
  },
  {
    service: 'sts',
    action: 'GetCallerIdentity',
    resource: 'any',
    commands: ['deploy', 'destroy', 'list', 'doctor'],
    why: 'say who and where (AWS allows it to everyone; listed to be complete)',
  },
];

/** A call a command makes on a best-effort basis: it handles the denial, nothing grants it. */
export interface ToleratedDenial {
  service: string;
  action: string;
  commands: DeveloperCommand[];
  /** What the call is for, and what the command does when it is denied. */
  why: string;
}

/** The calls the developer policy deliberately does not grant (a test keeps them denied). */
export const TOLERATED_DENIALS: readonly ToleratedDenial[] = [
  {
    service: 'iam',
    action: 'SimulatePrincipalPolicy',
    commands: ['deploy'],
    why: "on the caller's own principal, to check early that it may pass the execution role; when denied, CloudFormation's answer at the change set is the check",
  },
  {
    service: 'cloudformation',
    action: 'DescribeStackResources',
    commands: ['doctor'],
    why: 'find the stack that made a role from its physical id (the request names no stack); when denied, the placement is inferred from the role name',
  },
  {
    service: 's3',
    action: 'GetObject',
    commands: ['doctor'],
    why: 'a build log written to S3; when denied, doctor says so and reads what else it can',
  },
  {
    service: 'iam',
    action: 'PutRolePolicy',
    commands: ['doctor'],
    why: "`doctor --apply` in direct mode is for admins; a developer's patch goes to the project config and through a change set",
  },
];

/** What the resource names of the table resolve against. */
export interface DeveloperScope {
  n: GlobalNames;
  g: GlobalArns;
  d: DelegatedPatterns;
  env: AwsEnv;
}

/** The ARN patterns of a resource of the table. */
export function developerResourceArns(resource: DeveloperResource, s: DeveloperScope): string[] {
  const { g, d } = s;
  const arns: Record<DeveloperResource, string[]> = {
    any: ['*'],
    globalStack: [g.stack],
    versionParameter: [g.versionParameter],
    executionRole: [g.executionRole],
    delegatedStacks: [d.pipelineStacks, d.appStacks],
    pipelines: [d.pipelines],
    buildProjects: [d.buildProjects],
    buildLogs: [d.buildLogGroups],
    appRoles: [d.roles],
    roles: [d.roles, g.roles],
    policies: [d.policies, g.policies],
    artifactBuckets: [d.buckets],
    artifactObjects: [d.bucketObjects],
  };
  return arns[resource];
}

/** The IAM condition of a condition of the table. */
export function developerCondition(
  condition: DeveloperCondition,
  s: DeveloperScope,
): PolicyCondition {
  return condition === 'executionRole'
    ? { StringEquals: { 'cloudformation:RoleArn': s.g.executionRole } }
    : { StringEquals: { 'iam:PassedToService': 'cloudformation.amazonaws.com' } };
}

/**
 * Resources whose rows share one statement: their actions only apply to their own resource
 * type, so the cross product grants nothing more (IAM ignores an action on an ARN of another
 * type), and the policy stays under the 6,144-character limit.
 */
const STATEMENT_OF: Partial<Record<DeveloperResource, string>> = {
  globalStack: 'GlobalReads',
  versionParameter: 'GlobalReads',
  roles: 'IamReads',
  policies: 'IamReads',
  artifactBuckets: 'EmptyArtifactBuckets',
  artifactObjects: 'EmptyArtifactBuckets',
};

function sidOf(resource: DeveloperResource, condition: DeveloperCondition | undefined): string {
  const base = STATEMENT_OF[resource] ?? resource.charAt(0).toUpperCase() + resource.slice(1);
  if (condition === 'executionRole') return `${base}WithExecutionRole`;
  if (condition === 'toCloudFormation') return `${base}ToCloudFormation`;
  return base;
}

/**
 * The Allow statements of the developer policy: one per resource (or group of resources, see
 * above) and condition, holding the actions of every row that lands there.
 */
export function developerStatements(s: DeveloperScope): PolicyStatement[] {
  const groups = new Map<
    string,
    { condition: DeveloperCondition | undefined; actions: Set<string>; resources: Set<string> }
  >();
  for (const call of DEVELOPER_CALLS) {
    const sid = sidOf(call.resource, call.condition);
    const group = groups.get(sid) ?? {
      condition: call.condition,
      actions: new Set<string>(),
      resources: new Set<string>(),
    };
    group.actions.add(`${call.service}:${call.action}`);
    for (const arn of developerResourceArns(call.resource, s)) group.resources.add(arn);
    groups.set(sid, group);
  }
  return [...groups.entries()].map(([sid, { condition, actions, resources }]) => ({
    Sid: sid,
    Effect: 'Allow',
    Action: [...actions].sort(),
    Resource: [...resources],
    ...(condition === undefined ? {} : { Condition: developerCondition(condition, s) }),
  }));
}

const CONDITION_TEXT: Record<DeveloperCondition, string> = {
  executionRole: '`cloudformation:RoleArn` = execution role',
  toCloudFormation: '`iam:PassedToService` = `cloudformation.amazonaws.com`',
};

/**
 * `docs/developer-calls.md`: the table as a reviewer reads it, with the patterns of
 * `scope` (placeholders make it account-independent).
 */
export function renderDeveloperCallsMarkdown(s: DeveloperScope): string {
  const rows = DEVELOPER_CALLS.map((call) => {
    const resources = developerResourceArns(call.resource, s)
      .map((arn) => `\`${arn}\``)
      .join('<br>');
    const condition = call.condition === undefined ? '' : CONDITION_TEXT[call.condition];
    return `| ${call.service} | ${call.action} | ${resources} | ${condition} | ${call.commands.join(', ')} | ${call.why} |`;
  });
  return [
    '# AWS calls made with a developer’s credentials',
    '',
    '<!-- Generated from src/lib/templates/developer-calls.ts by test/templates/developer-calls.test.ts;',
    '     run `UPDATE_DOCS=1 npx vitest run test/templates` after changing the table. -->',
    '',
    'The developer policy of the global stack is written from this table, and a test replays',
    'every row through a policy simulator against that policy: every call must be allowed.',
    'Developers hold no IAM write, no `codebuild:StartBuild` (a buildspec override would skip',
    'review) and no `codepipeline:UpdatePipeline`; every stack change goes through',
    'CloudFormation as the execution role, and the CLI always sends `ResourceTypes`.',
    '',
    `Patterns are shown for the prefix \`${s.n.prefix}\`; \`\${AWS::…}\` are the account's values.`,
    '',
    '| service | action | resource | condition | commands | why |',
    '|---|---|---|---|---|---|',
    ...rows,
    '',
    '## Calls made on a best-effort basis',
    '',
    'These calls are not granted: the command handles the denial as described.',
    '',
    '| service | action | commands | why |',
    '|---|---|---|---|',
    ...TOLERATED_DENIALS.map(
      (call) => `| ${call.service} | ${call.action} | ${call.commands.join(', ')} | ${call.why} |`,
    ),
    '',
  ].join('\n');
}
