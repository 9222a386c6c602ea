/**
 * The per-branch pipeline stack `<p>-<slug>-cicd`, deployed by `aiproxy deploy` and executed by
 * CloudFormation as the global execution role: artifact bucket, ECR repository, CodeBuild
 * project with its own role (under the workload boundary), and a CodePipeline V2 run by the
 * global pipeline role that builds the image and deploys the application stack
 * `<p>-<slug>-app` with the execution role.
 *
 * Account and region appear only as pseudo parameters and the global roles only as
 * `Fn::ImportValue` of the global stack's exports, so the template is built without
 * credentials (`deploy --dry-run`).
 */
import { stringify } from 'yaml';

import { REPOSITORY_PATTERN, SOURCE_PATH_PATTERN } from '../config/rules.js';
import type { PolicyStatement } from '../doctor/types.js';
import { InputError, RefusedError } from '../errors.js';
import { branchNames, DEFAULT_PREFIX, globalNames, type BranchNames } from '../names.js';
import { GLOBAL_TEMPLATE_VERSION, globalTemplatePolicies } from './global.js';
import { buildResources } from './pipeline-build.js';
import { importGlobal, PIPELINE_LOGICAL_IDS, tags, type Json } from './pipeline-parts.js';
import { validateExtraStatements } from './pipeline-statements.js';
import { artifactResources, repositoryResource } from './pipeline-storage.js';

export { buildRoleStatements } from './pipeline-build.js';
export {
  ARTIFACT_EXPIRATION_DAYS,
  BUILD_IMAGE,
  BUILD_LOG_RETENTION_DAYS,
  KEPT_IMAGES,
  PIPELINE_LOGICAL_IDS,
} from './pipeline-parts.js';

/** Options for {@link buildPipelineTemplate}. */
export interface PipelineTemplateOptions {
  /** Application prefix; default `aiproxy`. */
  prefix?: string;
  /** The git branch, as pushed (`feature/Login_Fix-2`). */
  branch: string;
  /** `owner/name` of the repository the connection reads. */
  repository: string;
  /** Default: the global stack's `ConnectionArn` export. */
  connectionArn?: string;
  /** Path of the application template in the repository. */
  appTemplatePath: string;
  /** Path of the buildspec in the repository. */
  buildspecPath: string;
  /** Extra Allow statements for the build role, already accepted by `validateExtraStatements`. */
  extraStatements?: readonly PolicyStatement[];
}

/** The namespace of the build action's exported variables. */
export const BUILD_VARIABLES_NAMESPACE = 'BuildVariables';

/** The variable the buildspec exports with the pushed image's URI. */
export const IMAGE_URI_VARIABLE = 'IMAGE_URI';

/**
 * Parameters the pipeline passes to the application template; it must declare all three
 * (CloudFormation refuses overrides of undeclared parameters).
 */
export const APP_TEMPLATE_PARAMETERS = ['ImageUri', 'Prefix', 'BranchSlug'] as const;

const SOURCE_ARTIFACT = 'SourceOutput';
const BUILD_ARTIFACT = 'BuildOutput';
const SOURCE_VARIABLES_NAMESPACE = 'SourceVariables';

function checkOptions(options: PipelineTemplateOptions): void {
  if (!REPOSITORY_PATTERN.test(options.repository)) {
    throw new InputError(
      'INVALID_REPOSITORY',
      `"${options.repository}" is not a repository as owner/name.`,
      {
        suggestions: ['Pass `--repository owner/name` or set "repository" in aiproxy.config.json.'],
      },
    );
  }
  for (const [flag, path] of [
    ['--app-template', options.appTemplatePath],
    ['--buildspec', options.buildspecPath],
  ] as const) {
    if (!SOURCE_PATH_PATTERN.test(path)) {
      throw new InputError(
        'INVALID_SOURCE_PATH',
        `"${path}" is not a relative path inside the repository.`,
        {
          suggestions: [
            `Pass \`${flag} PATH\` relative to the repository root, without "./" or "..".`,
          ],
        },
      );
    }
  }
}
function pipelineResource(
  options: PipelineTemplateOptions,
  prefix: string,
  names: BranchNames,
  tagList: Json[],
): Json {
  const g = globalNames(prefix);
  const parameterOverrides: Record<(typeof APP_TEMPLATE_PARAMETERS)[number], string> = {
    ImageUri: `#{${BUILD_VARIABLES_NAMESPACE}.${IMAGE_URI_VARIABLE}}`,
    Prefix: prefix,
    BranchSlug: names.slug,
  };
  return {
    Type: 'AWS::CodePipeline::Pipeline',
    Properties: {
      Name: names.pipelineName,
      // The one CodePipeline service role, made by `setup`: only it may pass the execution role.
      RoleArn: importGlobal(g.exports.pipelineRoleArn),
      PipelineType: 'V2',
      // QUEUED, not SUPERSEDED: every commit gets its own build, image and deploy, in order, so
      // each failure `doctor` reads belongs to exactly one commit and none is skipped unseen.
      ExecutionMode: 'QUEUED',
      RestartExecutionOnUpdate: false,
      ArtifactStore: { Type: 'S3', Location: { Ref: PIPELINE_LOGICAL_IDS.artifactBucket } },
      Stages: [
        {
          Name: 'Source',
          Actions: [
            {
              Name: 'Source',
              ActionTypeId: {
                Category: 'Source',
                Owner: 'AWS',
                Provider: 'CodeStarSourceConnection',
                Version: '1',
              },
              Namespace: SOURCE_VARIABLES_NAMESPACE,
              Configuration: {
                ConnectionArn: options.connectionArn ?? importGlobal(g.exports.connectionArn),
                FullRepositoryId: options.repository,
                BranchName: options.branch,
                DetectChanges: true,
                OutputArtifactFormat: 'CODE_ZIP',
              },
              OutputArtifacts: [{ Name: SOURCE_ARTIFACT }],
              RunOrder: 1,
            },
          ],
        },
        {
          Name: 'Build',
          Actions: [
            {
              Name: 'Build',
              ActionTypeId: {
                Category: 'Build',
                Owner: 'AWS',
                Provider: 'CodeBuild',
                Version: '1',
              },
              // The buildspec exports IMAGE_URI; the deploy stage reads it from this namespace.
              Namespace: BUILD_VARIABLES_NAMESPACE,
              Configuration: { ProjectName: { Ref: PIPELINE_LOGICAL_IDS.buildProject } },
              InputArtifacts: [{ Name: SOURCE_ARTIFACT }],
              OutputArtifacts: [{ Name: BUILD_ARTIFACT }],
              RunOrder: 1,
            },
          ],
        },
        {
          Name: 'Deploy',
          Actions: [
            {
              Name: 'Deploy',
              ActionTypeId: {
                Category: 'Deploy',
                Owner: 'AWS',
                Provider: 'CloudFormation',
                Version: '1',
              },
              Configuration: {
                ActionMode: 'CREATE_UPDATE',
                StackName: names.appStackName,
                TemplatePath: `${SOURCE_ARTIFACT}::${options.appTemplatePath}`,
                RoleArn: importGlobal(g.exports.executionRoleArn),
                Capabilities: 'CAPABILITY_NAMED_IAM',
                ParameterOverrides: JSON.stringify(parameterOverrides),
              },
              InputArtifacts: [{ Name: SOURCE_ARTIFACT }],
              RunOrder: 1,
            },
          ],
        },
      ],
      Tags: tagList,
    },
  };
}
/**
 * The pipeline stack's template as an object.
 *
 * @throws InputError for a bad branch, prefix, repository or path, or a build policy over
 *   IAM's size limit.
 * @throws RefusedError when an extra statement breaks a rule or the workload boundary would
 *   deny it (call `validateExtraStatements` first to report and drop those instead).
 */
export function buildPipelineTemplate(options: PipelineTemplateOptions): Json {
  const prefix = options.prefix ?? DEFAULT_PREFIX;
  const names = branchNames(options.branch, { prefix });
  checkOptions(options);

  // Defence in depth: whatever the caller did, no refused statement reaches the role.
  const gate = validateExtraStatements(
    options.extraStatements ?? [],
    globalTemplatePolicies({ prefix, version: GLOBAL_TEMPLATE_VERSION }).boundary,
    {
      prefix,
    },
  );
  const [refusal] = gate.refused;
  if (refusal) {
    throw new RefusedError('EXTRA_STATEMENT_REFUSED', refusal.message, {
      suggestions: [refusal.fix],
    });
  }

  const tagList = tags(prefix, names);
  return {
    AWSTemplateFormatVersion: '2010-09-09',
    Description: `aiproxy pipeline for branch ${names.slug} of ${options.repository} (${names.pipelineStackName}).`,
    Resources: {
      ...artifactResources(names, tagList),
      [PIPELINE_LOGICAL_IDS.repository]: repositoryResource(names, tagList),
      ...buildResources({
        prefix,
        branch: options.branch,
        names,
        repository: options.repository,
        buildspecPath: options.buildspecPath,
        extraStatements: options.extraStatements ?? [],
        tags: tagList,
      }),
      [PIPELINE_LOGICAL_IDS.pipeline]: pipelineResource(options, prefix, names, tagList),
    },
    Outputs: {
      PipelineName: {
        Description: 'The CodePipeline pipeline.',
        Value: { Ref: PIPELINE_LOGICAL_IDS.pipeline },
      },
      PipelineRegion: {
        Description: 'With the name, what the console link needs.',
        Value: { Ref: 'AWS::Region' },
      },
      RepositoryUri: {
        Description: 'Where the build pushes images, tagged by commit.',
        Value: { 'Fn::GetAtt': [PIPELINE_LOGICAL_IDS.repository, 'RepositoryUri'] },
      },
      ArtifactBucketName: {
        Description: 'Pipeline artifacts.',
        Value: { Ref: PIPELINE_LOGICAL_IDS.artifactBucket },
      },
      BuildProjectName: {
        Description: 'The CodeBuild project.',
        Value: { Ref: PIPELINE_LOGICAL_IDS.buildProject },
      },
      BuildRoleArn: {
        Description: 'The build role `doctor` patches through aiproxy.config.json.',
        Value: { 'Fn::GetAtt': [PIPELINE_LOGICAL_IDS.buildRole, 'Arn'] },
      },
      AppStackName: { Description: 'The stack the pipeline deploys.', Value: names.appStackName },
    },
  };
}

/** The pipeline template as YAML, for the change set and `deploy --dry-run`. */
export function pipelineTemplateYaml(options: PipelineTemplateOptions): string {
  // No line folding (long `Fn::Sub` strings stay on one line) and no anchors/aliases, which
  // the shared tag lists would otherwise become.
  return stringify(buildPipelineTemplate(options), {
    lineWidth: 0,
    aliasDuplicateObjects: false,
    // YAML 1.1 readers (CloudFormation's among them) take 2010-09-09 for a date: quote such strings.
    version: '1.1',
  });
}

/** The console address of a pipeline (the console's domain differs by partition). */
export function pipelineConsoleUrl(
  pipelineName: string,
  region: string,
  partition = 'aws',
): string {
  const domain =
    partition === 'aws-cn'
      ? 'console.amazonaws.cn'
      : partition === 'aws-us-gov'
        ? 'console.amazonaws-us-gov.com'
        : 'console.aws.amazon.com';
  return `https://${region}.${domain}/codesuite/codepipeline/pipelines/${encodeURIComponent(pipelineName)}/view?region=${region}`;
}
