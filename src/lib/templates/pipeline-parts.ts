/**
 * What the pieces of the pipeline template share: logical ids, retention settings, tags and
 * the conversion of `${AWS::…}` placeholders into `Fn::Sub`.
 */
import type { BranchNames } from '../names.js';

/** A template fragment. */
export type Json = Record<string, unknown>;

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

/** Days CloudWatch keeps build logs, and S3 keeps pipeline artifacts. */
export const BUILD_LOG_RETENTION_DAYS = 30;
export const ARTIFACT_EXPIRATION_DAYS = 30;

/** Images the repository keeps: every commit is a tag, so older ones go by count. */
export const KEPT_IMAGES = 50;

// Stated, not defaulted: a branch's stack leaves nothing behind when it is destroyed.
export const DELETE_WITH_STACK = {
  DeletionPolicy: 'Delete',
  UpdateReplacePolicy: 'Delete',
} as const;

/** A name or pattern holding `${AWS::…}` placeholders becomes `Fn::Sub`; others stay strings. */
export function sub(value: string): unknown {
  if (!/\$\{AWS::[A-Za-z]+\}/.test(value)) return value;
  // Anything else in `${…}` (an IAM policy variable) must reach IAM literally: `${!…}`.
  return { 'Fn::Sub': value.replace(/\$\{(?!AWS::[A-Za-z]+\})/g, '${!') };
}

/** {@link sub} for a string or each string of a list. */
export function subAll(value: string | readonly string[]): unknown {
  return typeof value === 'string' ? sub(value) : value.map(sub);
}

/** A value the global stack exports. */
export function importGlobal(exportName: string): Json {
  return { 'Fn::ImportValue': exportName };
}

/** Tag values allow letters, digits, spaces and `_.:/=+-@`, up to 256 characters. */
function branchTagValue(names: BranchNames): string {
  return /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{0,256}$/u.test(names.branch) ? names.branch : names.slug;
}

/** The tags of every resource of a branch's pipeline stack. */
export function tags(prefix: string, names: BranchNames): { Key: string; Value: string }[] {
  return [
    { Key: 'aiproxy:prefix', Value: prefix },
    { Key: 'aiproxy:branch', Value: branchTagValue(names) },
    { Key: 'aiproxy:branch-slug', Value: names.slug },
  ];
}
