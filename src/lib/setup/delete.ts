/**
 * Step 8 of `setup`: `setup --delete` removes the global stack, but only once no pipeline or
 * application stack is left: those stacks were made with the execution role, and without it
 * (and the boundary their roles carry) they could be neither updated nor deleted cleanly.
 */
import { paginateListStacks, type CloudFormationClient } from '@aws-sdk/client-cloudformation';

import { toAwsError } from '../aws/errors.js';
import { readPipelineBranch } from '../deploy/list.js';
import { deleteStack, type DeleteStackOptions, type DeleteStackResult } from '../stacks/index.js';
import { LIVE_STACK_STATUSES } from '../stacks/state.js';

/** A pipeline or application stack of some branch. */
export interface BranchStack {
  stackName: string;
  status: string;
  kind: 'cicd' | 'app';
  /** The branch's name fragment: the stack is `<prefix>-<slug>-<kind>`. */
  slug: string;
}

/**
 * A branch whose stacks remain. `aiproxy destroy --branch <branch> --with-app` removes them the
 * way they must go: app stack first, artifact bucket emptied, as the execution role.
 */
export interface RemainingBranch {
  slug: string;
  /**
   * Read back from its pipeline stack; null when that stack is gone or records no branch
   * (`destroy --branch` then takes the slug).
   */
  branch: string | null;
  stackNames: string[];
}

/** The stacks named `<p>-*-cicd` and `<p>-*-app` that still exist in this region. */
export async function findBranchStacks(
  cf: CloudFormationClient,
  prefix: string,
): Promise<BranchStack[]> {
  const pattern = new RegExp(`^${prefix}-(.+)-(cicd|app)$`);
  const found: BranchStack[] = [];
  try {
    const pages = paginateListStacks(
      { client: cf },
      { StackStatusFilter: [...LIVE_STACK_STATUSES] },
    );
    for await (const page of pages) {
      for (const summary of page.StackSummaries ?? []) {
        const match = pattern.exec(summary.StackName ?? '');
        if (match === null) continue;
        found.push({
          stackName: summary.StackName ?? '',
          status: summary.StackStatus ?? '',
          kind: match[2] === 'app' ? 'app' : 'cicd',
          slug: match[1] ?? '',
        });
      }
    }
  } catch (error) {
    throw await toAwsError(error, { service: 'cloudformation', operation: 'ListStacks' });
  }
  return found.sort((a, b) => a.stackName.localeCompare(b.stackName));
}

/** The branches of `stacks`, each with its branch name when its pipeline stack records it. */
export async function remainingBranches(
  cf: CloudFormationClient,
  prefix: string,
  stacks: readonly BranchStack[],
): Promise<RemainingBranch[]> {
  const bySlug = new Map<string, BranchStack[]>();
  for (const stack of stacks) bySlug.set(stack.slug, [...(bySlug.get(stack.slug) ?? []), stack]);

  const branches: RemainingBranch[] = [];
  for (const [slug, group] of bySlug) {
    const branch = await readPipelineBranch(cf, {
      stackName: `${prefix}-${slug}-cicd`,
      slug,
      prefix,
    });
    branches.push({ slug, branch, stackNames: group.map((s) => s.stackName) });
  }
  return branches;
}

/** How `setup --delete` ended. */
export type DeleteGlobalResult =
  | {
      kind: 'branch-stacks-remain';
      stackName: string;
      prefix: string;
      remaining: BranchStack[];
      /** The same stacks by branch, for the `aiproxy destroy` that removes each. */
      branches: RemainingBranch[];
    }
  | (DeleteStackResult & {
      /** The boundary policy outlives the stack (DeletionPolicy Retain): delete it by hand. */
      retainedBoundaryArn?: string;
    });

/** Options for {@link deleteGlobalStack}. */
export interface DeleteGlobalStackOptions extends Omit<DeleteStackOptions, 'roleArn'> {
  prefix: string;
  /** The workload boundary's ARN in this account and region. */
  boundaryPolicyArn: string;
}

/**
 * Refuses while branch stacks remain; otherwise deletes the global stack (asking first,
 * through `confirm`) and follows its events.
 */
export async function deleteGlobalStack(
  options: DeleteGlobalStackOptions,
): Promise<DeleteGlobalResult> {
  const { prefix } = options;
  const remaining = await findBranchStacks(options.cloudformation, prefix);
  if (remaining.length > 0) {
    const branches = await remainingBranches(options.cloudformation, prefix, remaining);
    return {
      kind: 'branch-stacks-remain',
      stackName: options.stackName,
      prefix,
      remaining,
      branches,
    };
  }
  const { boundaryPolicyArn } = options;
  const result = await deleteStack(options);
  // Retained on purpose: replacing or deleting it would strip every role that carries it.
  return result.kind === 'deleted' ? { ...result, retainedBoundaryArn: boundaryPolicyArn } : result;
}
