/**
 * Where the pipeline keeps things: the artifact bucket (private, encrypted, TLS-only, old
 * artifacts expiring) and the branch's ECR repository (immutable commit tags, scanned, pruned).
 */
import type { BranchNames } from '../names.js';
import {
  ARTIFACT_EXPIRATION_DAYS,
  DELETE_WITH_STACK,
  KEPT_IMAGES,
  PIPELINE_LOGICAL_IDS,
  sub,
  type Json,
} from './pipeline-parts.js';

/** The artifact bucket: private, encrypted, TLS-only, emptied of old artifacts by lifecycle. */
export function artifactResources(names: BranchNames, tagList: Json[]): Json {
  const bucketArn = { 'Fn::GetAtt': [PIPELINE_LOGICAL_IDS.artifactBucket, 'Arn'] };
  return {
    [PIPELINE_LOGICAL_IDS.artifactBucket]: {
      Type: 'AWS::S3::Bucket',
      // The branch's artifacts go with its stack. S3 refuses to delete a bucket with objects in it,
      // so whoever deletes the stack (`destroy`) must empty the bucket first.
      ...DELETE_WITH_STACK,
      Properties: {
        BucketName: sub(names.artifactBucketName),
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [
            // SSE-S3: CodePipeline and CodeBuild need no KMS grants for it.
            { ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' }, BucketKeyEnabled: true },
          ],
        },
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
        LifecycleConfiguration: {
          Rules: [
            {
              Id: 'ExpireOldArtifacts',
              Status: 'Enabled',
              ExpirationInDays: ARTIFACT_EXPIRATION_DAYS,
              AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
            },
          ],
        },
        Tags: tagList,
      },
    },
    [PIPELINE_LOGICAL_IDS.artifactBucketPolicy]: {
      Type: 'AWS::S3::BucketPolicy',
      Properties: {
        Bucket: { Ref: PIPELINE_LOGICAL_IDS.artifactBucket },
        PolicyDocument: {
          Version: '2012-10-17',
          Statement: [
            {
              Sid: 'DenyInsecureTransport',
              Effect: 'Deny',
              Principal: '*',
              Action: 's3:*',
              Resource: [
                bucketArn,
                { 'Fn::Sub': `\${${PIPELINE_LOGICAL_IDS.artifactBucket}.Arn}/*` },
              ],
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            },
          ],
        },
      },
    },
  };
}

/** The branch's image repository. */
export function repositoryResource(names: BranchNames, tagList: Json[]): Json {
  const lifecycle = {
    rules: [
      {
        rulePriority: 1,
        description: 'Untagged images are leftovers of interrupted pushes.',
        selection: {
          tagStatus: 'untagged',
          countType: 'sinceImagePushed',
          countUnit: 'days',
          countNumber: 1,
        },
        action: { type: 'expire' },
      },
      {
        rulePriority: 2,
        description: `Keep the last ${KEPT_IMAGES} commits.`,
        selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: KEPT_IMAGES },
        action: { type: 'expire' },
      },
    ],
  };
  return {
    Type: 'AWS::ECR::Repository',
    ...DELETE_WITH_STACK,
    Properties: {
      RepositoryName: names.repositoryName,
      ImageScanningConfiguration: { ScanOnPush: true },
      // Images are tagged by commit, so a tag always names the code it was built from.
      ImageTagMutability: 'IMMUTABLE',
      EncryptionConfiguration: { EncryptionType: 'AES256' },
      LifecyclePolicy: { LifecyclePolicyText: JSON.stringify(lifecycle) },
      // Without it a stack delete fails on the first pushed image.
      EmptyOnDelete: true,
      Tags: tagList,
    },
  };
}
