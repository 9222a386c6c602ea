import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';

import type { PolicyStatement } from '../../src/lib/doctor/types.js';
import { InputError, RefusedError } from '../../src/lib/errors.js';
import {
  branchArns,
  branchNames,
  checkName,
  globalNames,
  type NameKind,
} from '../../src/lib/names.js';
import {
  APP_TEMPLATE_PARAMETERS,
  BUILD_IMAGE,
  BUILD_VARIABLES_NAMESPACE,
  buildPipelineTemplate,
  IMAGE_URI_VARIABLE,
  PIPELINE_LOGICAL_IDS as IDS,
  pipelineConsoleUrl,
  pipelineTemplateYaml,
  type PipelineTemplateOptions,
} from '../../src/lib/templates/pipeline.js';
import { flattenIntrinsic } from '../../src/lib/templates/pipeline-statements.js';

const REPO_ROOT = join(import.meta.dirname, '..', '..');

const BRANCHES = ['main', 'feature/Login_Fix-2', `feature/${'x'.repeat(192)}`, '1.2-release'];

const BASE: PipelineTemplateOptions = {
  branch: 'main',
  repository: 'acme/shop',
  appTemplatePath: 'examples/app-template.yml',
  buildspecPath: 'examples/buildspec.yml',
};

type Json = Record<string, unknown>;

/** The value at a path of keys and indexes, `undefined` where the path ends early. */
function at(value: unknown, ...path: (string | number)[]): unknown {
  let current = value;
  for (const key of path) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string | number, unknown>)[key];
  }
  return current;
}

function template(options: Partial<PipelineTemplateOptions> = {}): Json {
  return buildPipelineTemplate({ ...BASE, ...options });
}

/** A resource's properties. */
function props(t: Json, id: string): Json {
  return at(t, 'Resources', id, 'Properties') as Json;
}

/** The build role's policy, intrinsics flattened back to `${AWS::…}` strings. */
function buildPolicy(t: Json): PolicyStatement[] {
  const document = at(props(t, IDS.buildRole), 'Policies', 0, 'PolicyDocument');
  return (flattenIntrinsic(document) as { Statement: PolicyStatement[] }).Statement;
}

/** Every action → the sorted resources it is granted on. */
function grants(statements: PolicyStatement[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const s of statements) {
    for (const action of [s.Action].flat()) {
      out[action] = [...(out[action] ?? []), ...[s.Resource].flat()].sort();
    }
  }
  return out;
}

function pipelineAction(t: Json, stage: string): Json {
  const stages = at(props(t, IDS.pipeline), 'Stages') as Json[];
  return at(
    stages.find((s) => s.Name === stage),
    'Actions',
    0,
  ) as Json;
}

describe.each(BRANCHES)('the pipeline template of branch %s', (branch) => {
  const t = template({ branch });
  const names = branchNames(branch);
  const arns = branchArns(branch);
  const g = globalNames();

  it('gives the build role its path, the boundary and a CodeBuild-only trust', () => {
    const role = props(t, IDS.buildRole);

    expect(role.Path).toBe('/aiproxy/');
    expect(role.PermissionsBoundary).toEqual({ 'Fn::ImportValue': g.exports.boundaryPolicyArn });
    expect(flattenIntrinsic(role.RoleName)).toBe(names.buildRoleName);
    const [trust, ...others] = at(role, 'AssumeRolePolicyDocument', 'Statement') as Json[];
    expect(others).toEqual([]);
    expect(trust).toMatchObject({
      Effect: 'Allow',
      Principal: { Service: 'codebuild.amazonaws.com' },
      Action: 'sts:AssumeRole',
    });
    expect(flattenIntrinsic(trust?.Condition)).toEqual({
      StringEquals: { 'aws:SourceAccount': '${AWS::AccountId}' },
      ArnLike: { 'aws:SourceArn': arns.buildProject },
    });
  });

  it('grants the build role exactly its log group, ECR login, its repository and its bucket', () => {
    expect(grants(buildPolicy(t))).toEqual({
      'logs:CreateLogGroup': [arns.buildLogGroup, arns.buildLogStreams],
      'logs:CreateLogStream': [arns.buildLogGroup, arns.buildLogStreams],
      'logs:PutLogEvents': [arns.buildLogGroup, arns.buildLogStreams],
      'ecr:GetAuthorizationToken': ['*'],
      'ecr:BatchCheckLayerAvailability': [arns.repository],
      'ecr:BatchGetImage': [arns.repository],
      'ecr:GetDownloadUrlForLayer': [arns.repository],
      'ecr:InitiateLayerUpload': [arns.repository],
      'ecr:UploadLayerPart': [arns.repository],
      'ecr:CompleteLayerUpload': [arns.repository],
      'ecr:PutImage': [arns.repository],
      's3:GetObject': [arns.artifactObjects],
      's3:GetObjectVersion': [arns.artifactObjects],
      's3:PutObject': [arns.artifactObjects],
      's3:GetBucketAcl': [arns.artifactBucket],
      's3:GetBucketLocation': [arns.artifactBucket],
    });
    expect(buildPolicy(t).every((s) => s.Effect === 'Allow' && s.Condition === undefined)).toBe(
      true,
    );
  });

  it('mentions iam:PassRole nowhere and creates no other role', () => {
    expect(JSON.stringify(t).toLowerCase()).not.toContain('passrole');
    const types = Object.values(t.Resources as Json).map((r) => at(r, 'Type') as string);
    expect(types.filter((type) => type.startsWith('AWS::IAM::'))).toEqual(['AWS::IAM::Role']);
  });

  it('names every resource as names.ts does, within the AWS limits', () => {
    const named: [NameKind, unknown, string][] = [
      ['s3-bucket', props(t, IDS.artifactBucket).BucketName, names.artifactBucketName],
      ['ecr-repository', props(t, IDS.repository).RepositoryName, names.repositoryName],
      ['log-group', props(t, IDS.buildLogGroup).LogGroupName, names.buildLogGroupName],
      ['iam-role', props(t, IDS.buildRole).RoleName, names.buildRoleName],
      ['codebuild-project', props(t, IDS.buildProject).Name, names.buildProjectName],
      ['codepipeline', props(t, IDS.pipeline).Name, names.pipelineName],
      ['stack', at(pipelineAction(t, 'Deploy'), 'Configuration', 'StackName'), names.appStackName],
    ];
    for (const [kind, value, expected] of named) {
      const name = flattenIntrinsic(value) as string;
      expect(name).toBe(expected);
      // checkName resolves placeholders to their longest values before measuring.
      expect(() => checkName(kind, name)).not.toThrow();
    }
  });

  it('runs the pipeline as the imported global pipeline role and deploys with the execution role', () => {
    const pipeline = props(t, IDS.pipeline);
    const deploy = pipelineAction(t, 'Deploy');

    expect(pipeline.RoleArn).toEqual({ 'Fn::ImportValue': g.exports.pipelineRoleArn });
    expect(at(deploy, 'Configuration', 'RoleArn')).toEqual({
      'Fn::ImportValue': g.exports.executionRoleArn,
    });
    expect(deploy.ActionTypeId).toEqual({
      Category: 'Deploy',
      Owner: 'AWS',
      Provider: 'CloudFormation',
      Version: '1',
    });
    expect(deploy.Configuration).toMatchObject({
      ActionMode: 'CREATE_UPDATE',
      StackName: names.appStackName,
      TemplatePath: 'SourceOutput::examples/app-template.yml',
      Capabilities: 'CAPABILITY_NAMED_IAM',
    });
    expect(JSON.parse(at(deploy, 'Configuration', 'ParameterOverrides') as string)).toEqual({
      ImageUri: `#{${BUILD_VARIABLES_NAMESPACE}.${IMAGE_URI_VARIABLE}}`,
      Prefix: 'aiproxy',
      BranchSlug: names.slug,
    });
  });

  it('builds from the branch through the connection, and exports the image URI', () => {
    const pipeline = props(t, IDS.pipeline);
    const source = pipelineAction(t, 'Source');
    const build = pipelineAction(t, 'Build');

    expect(pipeline).toMatchObject({ PipelineType: 'V2', ExecutionMode: 'QUEUED' });
    expect((pipeline.Stages as Json[]).map((s) => s.Name)).toEqual(['Source', 'Build', 'Deploy']);
    expect(at(source, 'ActionTypeId', 'Provider')).toBe('CodeStarSourceConnection');
    expect(source.Configuration).toEqual({
      ConnectionArn: { 'Fn::ImportValue': g.exports.connectionArn },
      FullRepositoryId: 'acme/shop',
      BranchName: branch,
      DetectChanges: true,
      OutputArtifactFormat: 'CODE_ZIP',
    });
    expect(build).toMatchObject({
      Namespace: BUILD_VARIABLES_NAMESPACE,
      Configuration: { ProjectName: { Ref: IDS.buildProject } },
      OutputArtifacts: [{ Name: 'BuildOutput' }],
    });
  });

  it('tags every taggable resource with the prefix and the branch', () => {
    for (const [id, r] of Object.entries(t.Resources as Json)) {
      if (at(r, 'Type') === 'AWS::S3::BucketPolicy') continue;
      const tags = at(r, 'Properties', 'Tags');
      expect({ id, tags }).toEqual({
        id,
        tags: expect.arrayContaining([
          { Key: 'aiproxy:prefix', Value: 'aiproxy' },
          { Key: 'aiproxy:branch', Value: branch },
        ]) as unknown,
      });
    }
  });

  it('needs no credentials: no account, region or partition is written out', () => {
    const text = JSON.stringify(t);
    expect(text).not.toMatch(/\d{12}/);
    expect(text).not.toMatch(/\b(?:us|eu|ap|sa|ca|me|af|il|mx|cn)-[a-z]+-\d\b/);
    expect(text).not.toMatch(/arn:aws[:-]/);
  });
});

describe('the pipeline template', () => {
  const t = template();

  it('keeps the artifact bucket private, encrypted, TLS-only and expiring', () => {
    const bucket = props(t, IDS.artifactBucket);
    const policy = props(t, IDS.artifactBucketPolicy).PolicyDocument;

    expect(at(bucket, 'BucketEncryption', 'ServerSideEncryptionConfiguration', 0)).toMatchObject({
      ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' },
    });
    expect(Object.values(bucket.PublicAccessBlockConfiguration as Json)).toEqual([
      true,
      true,
      true,
      true,
    ]);
    expect(at(bucket, 'OwnershipControls', 'Rules')).toEqual([
      { ObjectOwnership: 'BucketOwnerEnforced' },
    ]);
    expect(at(bucket, 'LifecycleConfiguration', 'Rules', 0)).toMatchObject({
      Status: 'Enabled',
      ExpirationInDays: 30,
    });
    expect(at(policy, 'Statement')).toEqual([
      expect.objectContaining({
        Effect: 'Deny',
        Principal: '*',
        Action: 's3:*',
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      }),
    ]);
  });

  it('makes the repository immutable, scanned, pruned and emptied on delete', () => {
    const repository = props(t, IDS.repository);
    const lifecycle = JSON.parse(
      at(repository, 'LifecyclePolicy', 'LifecyclePolicyText') as string,
    ) as { rules: Json[] };

    expect(repository).toMatchObject({
      ImageTagMutability: 'IMMUTABLE',
      ImageScanningConfiguration: { ScanOnPush: true },
      EmptyOnDelete: true,
    });
    expect(lifecycle.rules.map((r) => at(r, 'selection', 'tagStatus'))).toEqual([
      'untagged',
      'any',
    ]);
  });

  it('gives the build docker, the standard image, its own log group and the variables the buildspec uses', () => {
    const project = props(t, IDS.buildProject);
    const logGroup = props(t, IDS.buildLogGroup);
    const variables = at(project, 'Environment', 'EnvironmentVariables') as Json[];

    expect(project.Environment).toMatchObject({ Image: BUILD_IMAGE, PrivilegedMode: true });
    expect(at(project, 'Environment', 'Image')).toBe('aws/codebuild/standard:7.0');
    expect(variables.map((v) => v.Name)).toEqual(['AWS_REGION', 'ECR_REGISTRY', 'IMAGE_REPO_URI']);
    expect(at(project, 'LogsConfig', 'CloudWatchLogs', 'GroupName')).toEqual({
      Ref: IDS.buildLogGroup,
    });
    expect(logGroup.RetentionInDays).toBe(30);
    expect(project.ServiceRole).toEqual({ 'Fn::GetAtt': [IDS.buildRole, 'Arn'] });
  });

  it('outputs what deploy prints', () => {
    expect(Object.keys(t.Outputs as Json)).toEqual(
      expect.arrayContaining(['PipelineName', 'RepositoryUri', 'ArtifactBucketName']),
    );
    expect(pipelineConsoleUrl('aiproxy-main-pipeline', 'eu-west-1')).toBe(
      'https://eu-west-1.console.aws.amazon.com/codesuite/codepipeline/pipelines/aiproxy-main-pipeline/view?region=eu-west-1',
    );
    expect(pipelineConsoleUrl('p', 'cn-north-1', 'aws-cn')).toContain('console.amazonaws.cn');
  });

  it('uses an explicit connection when one is given', () => {
    const arn =
      'arn:aws:codeconnections:eu-west-1:123456789012:connection/0b5e5c70-1d1a-11ef-9f5a-0a3c3b0f7e21';
    const source = pipelineAction(template({ connectionArn: arn }), 'Source');
    expect(at(source, 'Configuration', 'ConnectionArn')).toBe(arn);
  });

  it('adds extra statements after its own, placeholders as Fn::Sub and policy variables kept', () => {
    // Given a statement with pseudo-parameter placeholders and an IAM policy variable,
    const extra: PolicyStatement = {
      Sid: 'OwnSecrets',
      Effect: 'Allow',
      Action: ['secretsmanager:GetSecretValue'],
      Resource:
        'arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:/aiproxy/main/${aws:PrincipalTag/team}-*',
    };

    // When it goes into the template,
    const role = props(template({ extraStatements: [extra] }), IDS.buildRole);
    const statements = at(role, 'Policies', 0, 'PolicyDocument', 'Statement') as Json[];

    // Then it comes last, wrapped in Fn::Sub, the policy variable escaped for IAM to see.
    expect(statements.at(-1)).toEqual({
      Sid: 'OwnSecrets',
      Effect: 'Allow',
      Action: ['secretsmanager:GetSecretValue'],
      Resource: {
        'Fn::Sub':
          'arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:/aiproxy/main/${!aws:PrincipalTag/team}-*',
      },
    });
  });

  it('refuses, whoever calls it, an extra statement the gate refuses', () => {
    const passRole: PolicyStatement = { Effect: 'Allow', Action: 'iam:PassRole', Resource: '*' };
    const denied: PolicyStatement = {
      Effect: 'Allow',
      Action: 'secretsmanager:GetSecretValue',
      Resource: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:/other-team/db-*',
    };

    expect(() => template({ extraStatements: [passRole] })).toThrow(RefusedError);
    expect(() => template({ extraStatements: [denied] })).toThrow(/DenySecretsOutsideApp/);
  });

  it('refuses a build policy over the IAM inline limit', () => {
    const many = Array.from({ length: 100 }, (_, i) => ({
      Effect: 'Allow' as const,
      Action: [`s3:GetObject`],
      Resource: `arn:\${AWS::Partition}:s3:::aiproxy-main-\${AWS::AccountId}-\${AWS::Region}/some/long/prefix/number/${i}/*`,
    }));

    expect(() => template({ extraStatements: many })).toThrow(/10240 inline/);
  });

  it.each([
    ['repository', { repository: 'https://github.com/acme/shop' }, /owner\/name/],
    ['app template', { appTemplatePath: '../app.yml' }, /not a relative path/],
    ['buildspec', { buildspecPath: '/buildspec.yml' }, /relative path/],
    ['branch', { branch: '  ' }, /branch name is empty/],
    ['prefix', { prefix: 'Team' }, /prefix/],
  ])('refuses a bad %s with an InputError', (_what, options, message) => {
    expect(() => template(options)).toThrow(InputError);
    expect(() => template(options)).toThrow(message);
  });

  it('prints as YAML that reads back to the same template, dates quoted', () => {
    const text = pipelineTemplateYaml(BASE);

    expect(parse(text)).toEqual(t);
    expect(text).toMatch(/^AWSTemplateFormatVersion: "2010-09-09"$/m);
    expect(text).not.toMatch(/[&*]a\d+/); // no YAML anchors or aliases
  });
});

describe('the examples the pipeline runs', () => {
  it('buildspec exports the variable the deploy stage reads and uses the variables the project sets', async () => {
    const buildspec = parse(
      await readFile(join(REPO_ROOT, 'examples', 'buildspec.yml'), 'utf8'),
    ) as Json;
    const commands = JSON.stringify(buildspec.phases);

    expect(at(buildspec, 'env', 'exported-variables')).toEqual([IMAGE_URI_VARIABLE]);
    expect(commands).toContain(
      'aws ecr get-login-password --region $AWS_REGION | docker login --username AWS --password-stdin $ECR_REGISTRY',
    );
    expect(commands).toContain('$IMAGE_REPO_URI:$IMAGE_TAG');
    expect(commands).toContain('CODEBUILD_RESOLVED_SOURCE_VERSION');
    expect(at(buildspec, 'artifacts', 'files')).toEqual(['imageDetail.json']);
  });

  it('app template declares every parameter the pipeline passes', async () => {
    const text = await readFile(join(REPO_ROOT, 'examples', 'app-template.yml'), 'utf8');
    const app = parse(text, { customTags: [/* short-form intrinsics */ ...CFN_TAGS] }) as Json;

    expect(Object.keys(app.Parameters as Json)).toEqual(
      expect.arrayContaining([...APP_TEMPLATE_PARAMETERS]),
    );
    for (const id of ['TaskRole', 'TaskExecutionRole']) {
      const role = props(app, id);
      expect(role.Path).toEqual({ Sub: '/${Prefix}/' });
      expect(role.PermissionsBoundary).toEqual({
        'Fn::ImportValue': { Sub: '${Prefix}-global-BoundaryPolicyArn' },
      });
    }
  });
});

/** `!Ref`, `!Sub`, `!GetAtt` read as `{ Ref: … }`, `{ Sub: … }`, `{ GetAtt: … }`. */
const CFN_TAGS = ['Ref', 'Sub', 'GetAtt', 'ImportValue', 'Join', 'Select', 'Split'].map((name) => ({
  tag: `!${name}`,
  resolve: (value: unknown) => ({ [name]: value }),
}));
