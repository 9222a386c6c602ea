import { describe, expect, it } from 'vitest';

import {
  actionExists,
  arnMatchesAction,
  factsFromIndex,
  getActionFacts,
  likelyActionFor,
  loadActionFacts,
  normalizeServiceHint,
  supportsOnlyWildcard,
} from '../../src/lib/policy/actions.js';

describe('action facts', () => {
  it('knows which actions exist', async () => {
    // Given names as a log prints them, When looked up, Then only real actions exist.
    expect(await actionExists('ecr:GetAuthorizationToken')).toBe(true);
    expect(await actionExists('ecr:getauthorizationtoken')).toBe(true);
    expect(await actionExists('ecr:GetAuthorisationToken')).toBe(false);
    expect(await actionExists('nosuchservice:Get')).toBe(false);
    expect(await actionExists('ecr:*')).toBe(false);
    expect(await actionExists('null')).toBe(false);
  });

  it('tells wildcard-only actions from scoped ones, with their ARN formats', async () => {
    expect(await supportsOnlyWildcard('ecr:GetAuthorizationToken')).toBe(true);
    expect(await supportsOnlyWildcard('secretsmanager:ListSecrets')).toBe(true);
    expect(await supportsOnlyWildcard('ecr:PutImage')).toBe(false);
    expect(await supportsOnlyWildcard('ecr:Nope')).toBeNull();

    const putImage = await getActionFacts('ecr:putimage');
    expect(putImage).toEqual({
      action: 'ecr:PutImage',
      service: 'ecr',
      accessLevel: 'Write',
      resourceTypes: [
        {
          name: 'repository',
          arnFormat: 'arn:${Partition}:ecr:${Region}:${Account}:repository/${RepositoryName}',
          required: true,
        },
      ],
      wildcardOnly: false,
    });
  });

  it.each([
    // [action, arn, matches]
    ['ecr:PutImage', 'arn:aws:ecr:eu-west-1:777788889999:repository/sample-shop/service', true],
    ['ecr:PutImage', 'arn:aws-cn:ecr:cn-north-1:777788889999:repository/app', true],
    ['ecr:PutImage', 'arn:aws-us-gov:ecr:us-gov-west-1:777788889999:repository/app', true],
    ['ecr:PutImage', 'arn:aws-iso:ecr:us-iso-east-1:777788889999:repository/app', false],
    ['ecr:PutImage', 'arn:aws:ecr:eu-west-1:***:repository/app', false],
    ['ecr:PutImage', 'arn:aws:ecr::777788889999:repository/app', false],
    ['ecr:PutImage', 'arn:aws:s3:::bucket', false],
    ['iam:PassRole', 'arn:aws:iam::123456789012:role/service-role/orders-task-role', true],
    ['iam:PassRole', 'arn:aws:iam::444455556666:role/arn:aws:iam::444455556666/role/admin', false],
    ['sts:AssumeRole', 'aws:iam::123456789012:role/sp-api-role', false],
    ['sts:AssumeRole', 'arn:aws:iam::123456789012:role/x"}]', false],
    [
      'lambda:GetFunction',
      'arn:aws:lambda:us-east-1:135792468024:function:recs-apis-edge-EdgeAuthFunction-hZeyu8BLC7j3:Templated',
      true,
    ],
    [
      'logs:CreateLogStream',
      'arn:aws:logs:eu-west-1:210987654321:log-group:Build:log-stream:1b12fe47-6412-4ed1',
      true,
    ],
    ['ssm:GetParameter', 'arn:aws:ssm:us-west-1:111122223333:*', false],
    [
      'cloudformation:CreateChangeSet',
      'arn:aws:cloudformation:us-east-2:555566667777:stack/a/*',
      true,
    ],
    ['s3:PutObject', 'arn:aws:s3:::bucket/key/with/slashes.zip', true],
  ])('%s on %s matches its ARN formats: %s', async (action, arn, expected) => {
    expect(await arnMatchesAction(action, arn)).toBe(expected);
  });

  it('serves facts synchronously from a loaded index, and refuses unloaded ones', async () => {
    // Given an index loaded for two actions, one of them unknown
    const index = await loadActionFacts(['ecr:GetAuthorizationToken', 'ecr:Bogus']);
    // Then both are answered, and a third is a programming error, not "unknown"
    expect(factsFromIndex(index, 'ECR:GetAuthorizationToken')?.wildcardOnly).toBe(true);
    expect(factsFromIndex(index, 'ecr:Bogus')).toBeNull();
    expect(() => factsFromIndex(index, 'ecr:PutImage')).toThrow(/No facts were loaded/);
  });
});

describe('service hints', () => {
  it.each([
    ['ec2', 'ec2'],
    ['iam', 'iam'],
    ['amazons3', 's3'],
    ['s3', 's3'],
    ['lambda', 'lambda'],
    ['awslambda', 'lambda'],
    ['awssecretsmanager', 'secretsmanager'],
    ['secrets manager', 'secretsmanager'],
    ['awssecuritytokenservice', 'sts'],
    ['amazonidentitymanagement', 'iam'],
    ['cloudwatch logs', 'logs'],
    ['amazondynamodbv2', 'dynamodb'],
    ['cognito identity', 'cognito-identity'],
    ['amazonecr', 'ecr'],
    ['not a service', null],
    ['', null],
  ])('%j is the IAM service %j', async (hint, service) => {
    expect(await normalizeServiceHint(hint)).toBe(service);
  });
});

describe('likelyActionFor', () => {
  it.each<[string, string | null, string | null, string]>([
    // [operation, service hint, action or null, why]
    ['GetAuthorizationToken', null, null, 'ecr, ecr-public and codeartifact all have it'],
    ['GetAuthorizationToken', 'ecr', 'ecr:GetAuthorizationToken', 'the hint settles it'],
    ['GetAuthorizationToken', 'amazonecr', 'ecr:GetAuthorizationToken', 'SDK name of ECR'],
    ['GetAuthorizationToken', 'codeartifact', 'codeartifact:GetAuthorizationToken', 'hint'],
    ['CreateMultipartUpload', 's3', null, 'needs s3:PutObject, which the data cannot prove'],
    ['CreateMultipartUpload', null, null, 'no action has that name'],
    ['ListObjectsV2', 'amazons3', null, 'the action is s3:ListBucket'],
    ['PutObject', 'amazons3', 's3:PutObject', 'same name in the hinted service'],
    ['PutObject', null, null, 'several services have PutObject'],
    ['UpdateFunctionCode', null, 'lambda:UpdateFunctionCode', 'exactly one service has it'],
    ['GetSecretValue', 'awssecretsmanager', 'secretsmanager:GetSecretValue', 'SDK name'],
    ['DescribeInstances', 'ec2', 'ec2:DescribeInstances', 'hint'],
    ['GetRole', 'iam', 'iam:GetRole', 'hint'],
    ['GetRole', 'ec2', null, 'the hinted service has no such action'],
    ['Get Role', 'iam', null, 'not an operation name'],
    ['s3:PutObject', null, null, 'not an operation name'],
  ])('%s with hint %j is %j (%s)', async (operation, hint, expected) => {
    expect(await likelyActionFor(operation, hint)).toBe(expected);
  });
});
