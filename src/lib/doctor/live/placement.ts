/**
 * Where a role's fix belongs. An assumed-role session names its role; `iam:GetRole` gives the
 * role's path, boundary and tags, and `DescribeStackResources` with the role's name as the
 * physical id gives the stack that created it (CloudFormation does not tag the IAM roles it
 * creates with its stack). From those:
 *
 * - a role of a pipeline stack (`<p>-<slug>-cicd`): the project config, then `aiproxy deploy`;
 * - a role of an application stack (`<p>-<slug>-app`, nested stacks included): that template,
 *   by pull request;
 * - a global role (`<p>-global`, path `/<p>-global/`): fixed by aiproxy itself, so a reviewed
 *   change to aiproxy's global policies, then an admin re-runs `aiproxy setup`;
 * - anything else (another account, a service-linked role, a role no stack of this
 *   application made): its owner. aiproxy never patches those.
 */
import {
  DescribeStackResourcesCommand,
  DescribeStacksCommand,
} from '@aws-sdk/client-cloudformation';
import { GetRoleCommand, type Role } from '@aws-sdk/client-iam';

import { globalNames } from '../../names.js';
import { parseArn } from '../../policy/arn.js';
import { PIPELINE_LOGICAL_IDS } from '../../templates/pipeline.js';
import { awsErrorName, isAccessDenied, read, readIfPermitted, type LiveReader } from './reads.js';
import type { Placement, PlacementEvidence, PlacementKind } from './types.js';

/** The caller's place and the application's names. */
export interface PlacementContext {
  account: string;
  region: string;
  partition: string;
  prefix: string;
  /** Service roles of the failed builds (ARNs): the build role the config's statements go to. */
  buildRoles: ReadonlySet<string>;
  /** The branch the user named, for the deploy command. */
  branch: string | null;
}

const SERVICE_LINKED_PATH = '/aws-service-role/';

/** Where a stack name puts a role: the kind, and the branch slug when there is one. */
function kindOfStack(
  stackName: string,
  prefix: string,
): { kind: PlacementKind; slug: string | null } | null {
  const p = prefix.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&');
  if (stackName === `${prefix}-global`) return { kind: 'global', slug: null };
  const pipeline = new RegExp(`^${p}-(.+)-cicd$`).exec(stackName);
  if (pipeline) return { kind: 'pipeline-template', slug: pipeline[1] ?? null };
  const app = new RegExp(`^${p}-(.+)-app$`).exec(stackName);
  if (app) return { kind: 'app-template', slug: app[1] ?? null };
  return null;
}

/** Where a role's name alone puts it, when its stack cannot be read. */
function kindOfName(
  name: string,
  path: string | null,
  context: PlacementContext,
): { kind: PlacementKind; slug: string | null } | null {
  const p = context.prefix.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&');
  const build = new RegExp(`^${p}-(.+)-build-${context.region}$`).exec(name);
  if (build && path === `/${context.prefix}/`) {
    return { kind: 'pipeline-template', slug: build[1] ?? null };
  }
  // CloudFormation names an unnamed role `<stack>-<logical id>-<random>`.
  const generated = new RegExp(`^(${p}-.+-(?:cicd|app))-[A-Za-z0-9]+-[A-Za-z0-9]{6,}$`).exec(name);
  if (generated) return kindOfStack(generated[1] ?? '', context.prefix);
  if (path === `/${context.prefix}/`) return { kind: 'app-template', slug: null };
  return null;
}

function isGlobalRole(name: string, path: string | null, context: PlacementContext): boolean {
  const names = globalNames(context.prefix, {
    partition: context.partition,
    accountId: context.account,
    region: context.region,
  });
  return (
    path === names.iamPath || name === names.executionRoleName || name === names.pipelineRoleName
  );
}

/**
 * The fix for a global role. `aiproxy setup` takes no extra statements: the global policies are
 * code (`src/lib/templates/global-policies.ts`), kept fixed so the escalation matrix holds.
 */
export const GLOBAL_FIX =
  'Global roles are fixed by aiproxy on purpose; developers cannot change them, and `aiproxy setup` takes no extra statements. ' +
  'If the denied action is part of the application’s legitimate work, the change belongs in aiproxy’s global policies: ' +
  'a pull request to aiproxy’s src/lib/templates/global-policies.ts, reviewed against the escalation matrix (docs/escalation-matrix.md); ' +
  'once it is released, an admin re-runs `aiproxy setup` with the new version in this account and region. ' +
  'In an emergency, an admin can put the patch on the role with `aiproxy doctor --apply --direct`.';

/** The fix sentence for a kind. */
export function fixFor(
  kind: PlacementKind,
  placement: Pick<Placement, 'branch' | 'buildRole'>,
): string {
  switch (kind) {
    case 'pipeline-template':
      return placement.buildRole
        ? `Add the statements to build.extraStatements in aiproxy.config.json (\`aiproxy doctor --apply\` does it), then run \`${deployCommand(placement.branch)}\`: the change goes through a change set.`
        : 'This role is defined by aiproxy’s own pipeline template, which takes extra statements only for the build role: report it as an aiproxy issue, or use `--apply --direct` in an emergency.';
    case 'app-template':
      return 'Change the role in the application’s CloudFormation template by pull request (the snippet below); the pipeline deploys it.';
    case 'global':
      return GLOBAL_FIX;
    case 'foreign':
      return 'Ask the role’s owner: aiproxy never patches a role this application does not own.';
  }
}

/** `aiproxy deploy --branch X`, quoted for a POSIX shell when it needs it. */
export function deployCommand(branch: string | null): string {
  if (branch === null) return 'aiproxy deploy';
  const quoted = /^[\w./@-]+$/.test(branch) ? branch : `'${branch.replace(/'/g, `'\\''`)}'`;
  return `aiproxy deploy --branch ${quoted}`;
}

function base(roleArn: string, roleName: string | null): Placement {
  const parsed = parseArn(roleArn);
  return {
    roleArn,
    roleName,
    kind: 'foreign',
    evidence: 'none',
    reason: '',
    fix: '',
    account: parsed && /^\d{12}$/.test(parsed.account) ? parsed.account : null,
    path: null,
    resolvedArn: null,
    boundaryArn: null,
    tags: {},
    stackName: null,
    logicalId: null,
    serviceLinked: false,
    branch: null,
    buildRole: false,
    policies: null,
  };
}

function finish(
  placement: Placement,
  kind: PlacementKind,
  evidence: PlacementEvidence,
  reason: string,
): Placement {
  placement.kind = kind;
  placement.evidence = evidence;
  placement.reason = reason;
  placement.fix = fixFor(kind, placement);
  return placement;
}

async function getRole(reader: LiveReader, roleName: string): Promise<Role | 'missing' | 'denied'> {
  try {
    const output = await read({ service: 'iam', operation: 'GetRole' }, () =>
      reader.ctx.iam.send(new GetRoleCommand({ RoleName: roleName })),
    );
    return output.Role ?? 'missing';
  } catch (error) {
    if (awsErrorName(error) === 'NoSuchEntityException') return 'missing';
    if (!isAccessDenied(error)) throw error;
    reader.notes.push(
      `Could not read role ${roleName}: ${error.message.replace(/^Access denied: /, '')} Its placement is inferred from its name.`,
    );
    return 'denied';
  }
}

/** The stack that made the role, its logical id, or why it is unknown. */
async function stackOf(
  reader: LiveReader,
  roleName: string,
): Promise<{ stackName: string; logicalId: string | null } | 'none' | 'denied'> {
  try {
    const output = await read(
      { service: 'cloudformation', operation: 'DescribeStackResources' },
      () =>
        reader.ctx.cloudformation.send(
          new DescribeStackResourcesCommand({ PhysicalResourceId: roleName }),
        ),
    );
    const resource = output.StackResources?.find((r) => r.ResourceType === 'AWS::IAM::Role');
    if (resource?.StackName === undefined) return 'none';
    return { stackName: resource.StackName, logicalId: resource.LogicalResourceId ?? null };
  } catch (error) {
    // "Stack for <name> does not exist": no stack owns a resource with that physical id.
    if (awsErrorName(error) === 'ValidationError') return 'none';
    if (!isAccessDenied(error)) throw error;
    reader.notes.push(
      `Could not look up the stack of role ${roleName}: ${error.message.replace(/^Access denied: /, '')} Its placement is inferred from its name.`,
    );
    return 'denied';
  }
}

/** A nested stack's root stack name (`DescribeStacks` gives `RootId`). */
async function rootStackOf(reader: LiveReader, stackName: string): Promise<string | null> {
  const output = await readIfPermitted(
    reader,
    {
      service: 'cloudformation',
      operation: 'DescribeStacks',
      what: `find the root of stack ${stackName}`,
    },
    () => reader.ctx.cloudformation.send(new DescribeStacksCommand({ StackName: stackName })),
  );
  const rootId = output?.Stacks?.[0]?.RootId;
  return rootId === undefined ? null : (rootId.split('/')[1] ?? null);
}

/**
 * Resolves a role and decides where its fix belongs. Reads nothing for a role in another
 * account; a read the caller may not make becomes a note, and the name decides instead.
 */
export async function placeRole(
  reader: LiveReader,
  roleArn: string,
  roleName: string | null,
  context: PlacementContext,
): Promise<Placement> {
  const placement = base(roleArn, roleName);
  if (placement.account === null || roleName === null) {
    return finish(
      placement,
      'foreign',
      'none',
      'The log does not show the role’s account and name in clear.',
    );
  }
  if (placement.account !== context.account) {
    return finish(
      placement,
      'foreign',
      'account',
      `The role is in account ${placement.account}, not in the caller’s account ${context.account}.`,
    );
  }

  const role = await getRole(reader, roleName);
  if (role === 'missing') {
    return finish(
      placement,
      'foreign',
      'none',
      `Account ${context.account} has no role named ${roleName} (deleted since the run?).`,
    );
  }
  if (role !== 'denied') {
    placement.path = role.Path ?? '/';
    placement.resolvedArn = role.Arn ?? null;
    placement.boundaryArn = role.PermissionsBoundary?.PermissionsBoundaryArn ?? null;
    placement.tags = Object.fromEntries((role.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));
  }
  const resolved = placement.resolvedArn ?? roleArn;
  placement.buildRole = [...context.buildRoles].some(
    (arn) => arn === resolved || arn.endsWith(`/${roleName}`),
  );
  placement.branch = placement.tags['aiproxy:branch'] ?? context.branch;

  if (placement.path?.startsWith(SERVICE_LINKED_PATH) || roleName.startsWith('AWSServiceRoleFor')) {
    placement.serviceLinked = true;
    return finish(
      placement,
      'foreign',
      'role-path',
      'It is a service-linked role: its policies belong to the AWS service and cannot be changed.',
    );
  }
  if (isGlobalRole(roleName, placement.path, context)) {
    return finish(
      placement,
      'global',
      'role-path',
      `It is a role of the global stack ${context.prefix}-global, made by \`aiproxy setup\`.`,
    );
  }

  const stack = await stackOf(reader, roleName);
  if (stack !== 'none' && stack !== 'denied') {
    placement.stackName = stack.stackName;
    placement.logicalId = stack.logicalId;
    let kind = kindOfStack(stack.stackName, context.prefix);
    if (kind === null) {
      const root = await rootStackOf(reader, stack.stackName);
      kind = root === null || root === stack.stackName ? null : kindOfStack(root, context.prefix);
    }
    if (kind === null) {
      return finish(
        placement,
        'foreign',
        'stack-resource',
        `Stack ${stack.stackName} created it, and that is not one of this application’s stacks.`,
      );
    }
    placement.buildRole ||=
      kind.kind === 'pipeline-template' && stack.logicalId === PIPELINE_LOGICAL_IDS.buildRole;
    placement.branch ??= kind.slug;
    return finish(
      placement,
      kind.kind,
      'stack-resource',
      `Stack ${stack.stackName} created it (logical id ${stack.logicalId ?? '?'}).`,
    );
  }
  if (stack === 'none') {
    return finish(
      placement,
      'foreign',
      'stack-resource',
      'No CloudFormation stack created it, so none of this application’s templates defines it.',
    );
  }

  const inferred = kindOfName(roleName, placement.path, context);
  if (inferred === null) {
    return finish(
      placement,
      'foreign',
      'role-name',
      'Neither its name nor its path is one of this application’s.',
    );
  }
  placement.branch ??= inferred.slug;
  return finish(
    placement,
    inferred.kind,
    placement.path === null ? 'role-name' : 'role-path',
    'Inferred from the role’s name and path (its stack could not be read).',
  );
}
