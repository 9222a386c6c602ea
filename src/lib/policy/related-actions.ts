/**
 * Actions that usually follow a denied one in the same task. They are shown next to a patch
 * as hints and never added to it: the log proves only the denied action, and the smallest
 * patch is the one that grants what was proven.
 */

/** One curated relation: the actions that usually come next, and why. */
export interface RelatedActions {
  actions: readonly string[];
  reason: string;
}

const ECR_PUSH = [
  'ecr:BatchCheckLayerAvailability',
  'ecr:InitiateLayerUpload',
  'ecr:UploadLayerPart',
  'ecr:CompleteLayerUpload',
  'ecr:PutImage',
];
const ECR_PULL = ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'];

const pushStep = {
  actions: ['ecr:GetAuthorizationToken', ...ECR_PUSH],
  reason:
    '`docker push` to ECR logs in, then checks, uploads and completes layers and writes the manifest',
};

/** Keyed by lower-cased `service:Action`. */
const TABLE: Readonly<Record<string, RelatedActions>> = {
  'ecr:getauthorizationtoken': {
    actions: [...ECR_PUSH, ...ECR_PULL],
    reason:
      'the login is followed by a push (layer upload, PutImage) or a pull (BatchGetImage) on a repository',
  },
  'ecr:batchchecklayeravailability': pushStep,
  'ecr:initiatelayerupload': pushStep,
  'ecr:uploadlayerpart': pushStep,
  'ecr:completelayerupload': pushStep,
  'ecr:putimage': pushStep,
  'ecr:batchgetimage': {
    actions: ['ecr:GetAuthorizationToken', 'ecr:GetDownloadUrlForLayer'],
    reason: '`docker pull` from ECR logs in and downloads each layer',
  },
  'codeartifact:getauthorizationtoken': {
    actions: [
      'sts:GetServiceBearerToken',
      'codeartifact:GetRepositoryEndpoint',
      'codeartifact:ReadFromRepository',
    ],
    reason:
      'CodeArtifact tokens also need sts:GetServiceBearerToken; package managers then look up the endpoint and read packages',
  },
  'logs:createloggroup': {
    actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
    reason: 'a writer that creates its log group then creates a stream and writes events to it',
  },
  'logs:createlogstream': {
    actions: ['logs:PutLogEvents'],
    reason: 'a stream is created to write events to it',
  },
  'secretsmanager:getsecretvalue': {
    actions: ['kms:Decrypt'],
    reason: 'a secret encrypted with a customer managed KMS key also needs kms:Decrypt on that key',
  },
  'ssm:getparameters': {
    actions: ['kms:Decrypt'],
    reason:
      'a SecureString parameter under a customer managed KMS key also needs kms:Decrypt on that key',
  },
  'ssm:getparameter': {
    actions: ['kms:Decrypt'],
    reason:
      'a SecureString parameter under a customer managed KMS key also needs kms:Decrypt on that key',
  },
  'cloudformation:createchangeset': {
    actions: [
      'cloudformation:DescribeChangeSet',
      'cloudformation:ExecuteChangeSet',
      'cloudformation:DescribeStacks',
    ],
    reason: 'deploy tools create a change set, wait on it, execute it and then watch the stack',
  },
  'lambda:updatefunctioncode': {
    actions: ['lambda:GetFunctionConfiguration'],
    reason: 'deploy tools wait for the update by polling the function configuration',
  },
};

/** The curated relation for an action, if any. */
export function relatedActions(action: string): RelatedActions | null {
  return TABLE[action.toLowerCase()] ?? null;
}
