/**
 * Step 3 of `setup`: roles under the delegated path `/<p>/` that do not carry the workload
 * boundary. The execution role may only change roles under that path that carry the
 * boundary, but a role someone made there before (or by hand) without it is a foothold:
 * its trust and tags can still be edited by ARN (those actions carry no boundary key), and
 * a stack that adopts its name inherits its permissions. `setup` lists them and stops.
 * https://docs.aws.amazon.com/IAM/latest/APIReference/API_ListRoles.html
 */
import { GetRoleCommand, type IAMClient, paginateListRoles, type Role } from '@aws-sdk/client-iam';

import { callAws } from '../aws/call.js';
import { toAwsError } from '../aws/errors.js';
import { globalNames, type AwsEnv } from '../names.js';

/** A role under the delegated path without the workload boundary. */
export interface Squatter {
  roleName: string;
  roleArn: string;
  /** The boundary it carries instead, if any. */
  boundaryArn?: string;
  createDate?: Date;
}

/** Options for {@link findSquatters}. */
export interface FindSquattersOptions {
  prefix: string;
  /** The concrete account and partition (the region only names this region's boundary). */
  env: AwsEnv;
}

/**
 * The ARN test for a sanctioned boundary: the workload boundary of this prefix in *any*
 * region. Role names are account-wide, so roles made by a second region's pipelines live
 * under the same path and carry that region's boundary; both are admin-owned policies
 * under `/<p>-global/`, which nothing delegated may create.
 */
export function sanctionedBoundary(options: FindSquattersOptions): RegExp {
  const names = globalNames(options.prefix, options.env);
  const regionless = names.boundaryPolicyName.slice(0, -options.env.region.length);
  const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  return new RegExp(
    `^arn:${escape(options.env.partition)}:iam::${options.env.accountId}:policy` +
      `${escape(names.iamPath)}${escape(regionless)}[a-z0-9-]+$`,
  );
}

/**
 * Lists the roles under `/<p>/` and returns those whose boundary is missing or is not a
 * workload boundary of this prefix. ListRoles leaves `PermissionsBoundary` out of its
 * answer, so each role is read with GetRole unless the listing already had it.
 */
export async function findSquatters(
  iam: IAMClient,
  options: FindSquattersOptions,
): Promise<Squatter[]> {
  const sanctioned = sanctionedBoundary(options);
  const squatters: Squatter[] = [];
  for (const listed of await listRoles(iam, `/${options.prefix}/`)) {
    const role = listed.PermissionsBoundary === undefined ? await getRole(iam, listed) : listed;
    const boundaryArn = role.PermissionsBoundary?.PermissionsBoundaryArn;
    if (boundaryArn !== undefined && sanctioned.test(boundaryArn)) continue;
    squatters.push({
      roleName: role.RoleName ?? '',
      roleArn: role.Arn ?? '',
      ...(boundaryArn === undefined ? {} : { boundaryArn }),
      ...(role.CreateDate === undefined ? {} : { createDate: role.CreateDate }),
    });
  }
  return squatters;
}

async function listRoles(iam: IAMClient, pathPrefix: string): Promise<Role[]> {
  const roles: Role[] = [];
  try {
    for await (const page of paginateListRoles({ client: iam }, { PathPrefix: pathPrefix })) {
      roles.push(...(page.Roles ?? []));
    }
  } catch (error) {
    throw await toAwsError(error, { service: 'iam', operation: 'ListRoles' });
  }
  // PathPrefix `/p/` also matches `/p/x/`; both are under the delegated path.
  return roles;
}

async function getRole(iam: IAMClient, listed: Role): Promise<Role> {
  const output = await callAws({ service: 'iam', operation: 'GetRole' }, () =>
    iam.send(new GetRoleCommand({ RoleName: listed.RoleName })),
  );
  return output.Role ?? listed;
}
