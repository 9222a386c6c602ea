/**
 * `aiproxy destroy`: delete a branch's stacks (the application stack first, with `--with-app`),
 * as the execution role, leaving nothing behind. The ECR repository empties itself
 * (`EmptyOnDelete`); the artifact bucket does not, and CloudFormation deletes only empty
 * buckets, so it is emptied first with the developer's own rights (the developer policy grants
 * exactly that on artifact buckets).
 */
import {
  DeleteObjectsCommand,
  ListObjectVersionsCommand,
  type ObjectIdentifier,
  type S3Client,
} from '@aws-sdk/client-s3';

import type { AwsContext } from '../aws/clients.js';
import type { CallerIdentity } from '../aws/identity.js';
import { branchNames, slugBudget, type BranchNames } from '../names.js';
import { deleteStack, type DeleteStackResult } from '../stacks/delete.js';
import { describeStackState, type StackState } from '../stacks/state.js';
import type { PollingOptions, StackActivity } from '../stacks/types.js';
import { PIPELINE_LOGICAL_IDS } from '../templates/pipeline.js';
import { roleRefusal } from './deploy.js';
import { explainStackFailure, type FailureExplanation } from './explain-failure.js';
import { readPipelineBranch } from './list.js';
import type { PreflightResult } from './preflight.js';

/** One stack `destroy` will delete. */
export interface DestroyTarget {
  role: 'app' | 'pipeline';
  stackName: string;
  /** Its state now (`absent` stacks are skipped). */
  state: StackState;
}

/** The names `destroy` needs: those of a branch, or those an AWS name alone gives. */
export type DestroyNames = Pick<BranchNames, 'slug' | 'pipelineStackName' | 'appStackName'>;

/** What `destroy` will do, read before asking. */
export interface DestroyPlan {
  /** The name asked for: `--branch`, or the current git branch. */
  branch: string;
  names: DestroyNames;
  /**
   * Null when `branch` found stacks under its own names, or none at all. Set when it found
   * none but is the AWS name (the slug) of stacks that exist, as stack names show it: the plan
   * is then about those stacks, and `branch` here is the branch they record (null when none).
   */
  awsNameOf: { branch: string | null } | null;
  /** In deletion order: the application stack first. */
  targets: DestroyTarget[];
  /** The artifact bucket to empty first, when the pipeline stack exists and its name is known. */
  artifactBucket: string | null;
  /** The application stack, when it exists and `--with-app` was not given: it stays. */
  appStackLeft: { name: string; status: string } | null;
}

/** Options for {@link planDestroy}. */
export interface PlanDestroyOptions {
  branch: string;
  prefix: string;
  withApp: boolean;
  identity: CallerIdentity;
}

/**
 * Reads the branch's stacks and decides what will be deleted. A name with no stacks of its
 * own that is the slug of existing stacks (`<prefix>-<name>-cicd` or `-app`) plans those.
 */
export async function planDestroy(
  ctx: AwsContext,
  options: PlanDestroyOptions,
): Promise<DestroyPlan> {
  const { identity, prefix } = options;
  const env = {
    partition: identity.partition,
    accountId: identity.account,
    region: identity.region,
  };
  const names = branchNames(options.branch, { prefix, env });
  const own = await readBranchStacks(ctx, names);
  const found = own.app.kind !== 'absent' || own.pipeline.kind !== 'absent';
  if (found || !mayBeSlug(options.branch, prefix)) {
    return planOf(options, names, own, names.artifactBucketName, null);
  }

  // Hashing the name again cannot find stacks named after it: read them by the name itself.
  const slug = options.branch;
  const bySlug = await readBranchStacks(ctx, {
    slug,
    pipelineStackName: `${prefix}-${slug}-cicd`,
    appStackName: `${prefix}-${slug}-app`,
  });
  if (bySlug.app.kind === 'absent' && bySlug.pipeline.kind === 'absent') {
    return planOf(options, names, own, names.artifactBucketName, null);
  }
  const branch =
    bySlug.pipeline.kind === 'absent'
      ? null
      : await readPipelineBranch(ctx.cloudformation, {
          stackName: bySlug.pipeline.stackName,
          slug,
          prefix,
        });
  // The branch gives the same slug (readPipelineBranch checks), hence the same stack names.
  const branchOwn = branch === null ? null : branchNames(branch, { prefix, env });
  return planOf(options, branchOwn ?? bySlug.names, bySlug, branchOwn?.artifactBucketName ?? null, {
    branch,
  });
}

/**
 * Whether a name could be a hashed slug, which `branchSlug` would hash again (it keeps only
 * clean names that do not end like one). Its shape, and never the global namespace.
 */
function mayBeSlug(name: string, prefix: string): boolean {
  return (
    /^[a-z0-9]+(?:-[a-z0-9]+)*-[0-9a-f]{8}$/.test(name) &&
    !name.startsWith('global') &&
    name.length <= slugBudget(prefix)
  );
}

interface BranchStacks {
  names: DestroyNames;
  app: StackState;
  pipeline: StackState;
}

async function readBranchStacks(ctx: AwsContext, names: DestroyNames): Promise<BranchStacks> {
  const app = await describeStackState(ctx.cloudformation, names.appStackName);
  const pipeline = await describeStackState(ctx.cloudformation, names.pipelineStackName);
  return { names, app, pipeline };
}

function planOf(
  options: PlanDestroyOptions,
  names: DestroyNames,
  stacks: BranchStacks,
  bucketByName: string | null,
  awsNameOf: DestroyPlan['awsNameOf'],
): DestroyPlan {
  const { app, pipeline } = stacks;
  const targets: DestroyTarget[] = [];
  if (options.withApp && app.kind !== 'absent') {
    targets.push({ role: 'app', stackName: app.stackName, state: app });
  }
  if (pipeline.kind !== 'absent') {
    targets.push({ role: 'pipeline', stackName: pipeline.stackName, state: pipeline });
  }
  return {
    branch: options.branch,
    names,
    awsNameOf,
    targets,
    // The output first; the name rule when the stack has none (a failed create, say).
    artifactBucket:
      pipeline.kind === 'absent' ? null : (pipeline.outputs.ArtifactBucketName ?? bucketByName),
    appStackLeft:
      !options.withApp && app.kind !== 'absent'
        ? { name: app.stackName, status: app.status }
        : null,
  };
}

/** Progress of a destroy. */
export type DestroyProgress =
  | { type: 'emptying'; bucket: string }
  | { type: 'emptied'; bucket: string; objects: number }
  | { type: 'deleting'; stackName: string }
  | { type: 'activity'; activity: StackActivity };

/** How emptying the artifact bucket went. */
export type EmptyBucketResult =
  | { kind: 'emptied'; objects: number }
  | { kind: 'absent' }
  | { kind: 'denied'; action: string; message: string };

/** How a destroy ended. */
export type DestroyResult =
  | { kind: 'destroyed'; deleted: string[]; emptiedObjects: number }
  | {
      kind: 'bucket-not-emptied';
      deleted: string[];
      bucket: string;
      action: string;
      message: string;
    }
  | {
      kind: 'failed';
      deleted: string[];
      stackName: string;
      status: string;
      statusReason?: string;
      failure?: StackActivity;
      explanation: FailureExplanation | null;
    }
  | { kind: 'interrupted'; deleted: string[]; stackName: string; followCommand: string };

/** Options for {@link destroyBranch}. */
export interface DestroyBranchOptions {
  ctx: AwsContext;
  plan: DestroyPlan;
  prefix: string;
  /** Its execution role is named by every DeleteStack (the developer policy requires it). */
  preflight: PreflightResult;
  /** Awaited for steps (not for stack events), so a live display can close before a step. */
  onProgress?: (event: DestroyProgress) => void | Promise<void>;
  signal?: AbortSignal;
  polling?: PollingOptions;
}

/**
 * Deletes the plan's stacks in order. Stops at the first failure, leaving the rest in place so
 * nothing is deleted out from under a stack that still needs it.
 */
export async function destroyBranch(options: DestroyBranchOptions): Promise<DestroyResult> {
  try {
    return await destroyInOrder(options);
  } catch (error) {
    throw roleRefusal(error, options.preflight, options.prefix) ?? error;
  }
}

async function destroyInOrder(options: DestroyBranchOptions): Promise<DestroyResult> {
  const deleted: string[] = [];
  let emptiedObjects = 0;

  for (const target of options.plan.targets) {
    const bucket = options.plan.artifactBucket;
    if (target.role === 'pipeline' && bucket !== null) {
      const emptied = await emptyAndReport(options, bucket);
      if (emptied.kind === 'denied') {
        const { action, message } = emptied;
        return { kind: 'bucket-not-emptied', deleted, bucket, action, message };
      }
      emptiedObjects += emptied.kind === 'emptied' ? emptied.objects : 0;
    }

    let ended = await deleteOne(options, target.stackName);
    // A pipeline run can still write an artifact between the emptying and the delete: the
    // bucket then fails alone. Empty it again and delete again, once.
    if (
      ended.kind === 'failed' &&
      target.role === 'pipeline' &&
      bucket !== null &&
      ended.failure?.logicalId === PIPELINE_LOGICAL_IDS.artifactBucket
    ) {
      const again = await emptyAndReport(options, bucket);
      if (again.kind === 'emptied') {
        emptiedObjects += again.objects;
        ended = await deleteOne(options, target.stackName);
      }
    }

    if (ended.kind === 'failed') {
      return {
        kind: 'failed',
        deleted,
        stackName: target.stackName,
        status: ended.status,
        ...(ended.statusReason === undefined ? {} : { statusReason: ended.statusReason }),
        ...(ended.failure === undefined ? {} : { failure: ended.failure }),
        explanation: await explainStackFailure(target.stackName, ended.failure, options.prefix),
      };
    }
    if (ended.kind === 'interrupted') {
      return {
        kind: 'interrupted',
        deleted,
        stackName: target.stackName,
        followCommand: ended.followCommand,
      };
    }
    if (ended.kind === 'deleted') deleted.push(target.stackName);
  }
  return { kind: 'destroyed', deleted, emptiedObjects };
}

async function emptyAndReport(
  options: DestroyBranchOptions,
  bucket: string,
): Promise<EmptyBucketResult> {
  await options.onProgress?.({ type: 'emptying', bucket });
  const result = await emptyBucket(options.ctx.s3, bucket);
  if (result.kind === 'emptied') {
    await options.onProgress?.({ type: 'emptied', bucket, objects: result.objects });
  }
  return result;
}

async function deleteOne(
  options: DestroyBranchOptions,
  stackName: string,
): Promise<DeleteStackResult> {
  await options.onProgress?.({ type: 'deleting', stackName });
  const onProgress = options.onProgress;
  return deleteStack({
    cloudformation: options.ctx.cloudformation,
    stackName,
    roleArn: options.preflight.global.executionRoleArn,
    // The stack this flow wants gone may still be busy with a pipeline deploy: wait it out.
    waitIfBusy: true,
    ...(onProgress === undefined
      ? {}
      : {
          onActivity: (activity: StackActivity) => void onProgress({ type: 'activity', activity }),
        }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
    ...(options.polling === undefined ? {} : { polling: options.polling }),
  });
}

/**
 * Deletes every object version and delete marker of a bucket (an unversioned bucket lists its
 * objects as version `null`), a thousand at a time, the most DeleteObjects takes.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObjects.html
 */
export async function emptyBucket(s3: S3Client, bucket: string): Promise<EmptyBucketResult> {
  let objects = 0;
  let keyMarker: string | undefined;
  let versionMarker: string | undefined;
  // The IAM action of the call in flight, for the message when S3 refuses it.
  let action = 's3:ListBucketVersions';
  try {
    do {
      action = 's3:ListBucketVersions';
      const page = await s3.send(
        new ListObjectVersionsCommand({
          Bucket: bucket,
          ...(keyMarker === undefined ? {} : { KeyMarker: keyMarker }),
          ...(versionMarker === undefined ? {} : { VersionIdMarker: versionMarker }),
        }),
      );
      const identifiers: ObjectIdentifier[] = [
        ...(page.Versions ?? []),
        ...(page.DeleteMarkers ?? []),
      ]
        .filter((v) => v.Key !== undefined)
        .map((v) => ({ Key: v.Key as string, ...(v.VersionId ? { VersionId: v.VersionId } : {}) }));
      for (let start = 0; start < identifiers.length; start += 1000) {
        const batch = identifiers.slice(start, start + 1000);
        action = 's3:DeleteObjectVersion';
        const output = await s3.send(
          new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: batch, Quiet: true } }),
        );
        const refused = output.Errors?.[0];
        if (refused !== undefined) {
          return {
            kind: 'denied',
            action: refused.VersionId ? 's3:DeleteObjectVersion' : 's3:DeleteObject',
            message: `${refused.Code ?? 'Error'}: ${refused.Message ?? ''} (${refused.Key ?? ''})`,
          };
        }
        objects += batch.length;
      }
      keyMarker = page.IsTruncated === true ? page.NextKeyMarker : undefined;
      versionMarker = page.IsTruncated === true ? page.NextVersionIdMarker : undefined;
    } while (keyMarker !== undefined);
  } catch (error) {
    const name = error instanceof Error ? error.name : '';
    if (name === 'NoSuchBucket') return { kind: 'absent' };
    if (/AccessDenied|Forbidden/.test(name)) {
      const message = error instanceof Error ? error.message : String(error);
      return { kind: 'denied', action, message };
    }
    throw error;
  }
  return { kind: 'emptied', objects };
}
