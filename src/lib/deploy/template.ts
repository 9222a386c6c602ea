/**
 * The pipeline template a deploy will submit: the project's settings, the build role's extra
 * statements split into those applied and those refused (with why), and the resource types
 * the stack operation declares. Built without AWS access, so `deploy --dry-run` shows exactly
 * what a real deploy would send.
 */
import type { ProjectConfig } from '../config/project-config.js';
import type { PolicyStatement } from '../doctor/types.js';
import { branchNames, type BranchNames } from '../names.js';
import { GLOBAL_TEMPLATE_VERSION, globalTemplatePolicies } from '../templates/global.js';
import { buildPipelineTemplate, pipelineTemplateYaml } from '../templates/pipeline.js';
import {
  validateExtraStatements,
  type StatementRefusal,
} from '../templates/pipeline-statements.js';

/** Options for {@link planPipelineTemplate}. */
export interface PipelineTemplatePlanOptions {
  /** The git branch, as pushed. */
  branch: string;
  prefix: string;
  config: ProjectConfig;
}

/** The template ready to submit, and what was left out of it. */
export interface PipelineTemplatePlan {
  names: BranchNames;
  /** The template as YAML: the change set's `TemplateBody` and the `--dry-run` output. */
  templateBody: string;
  template: Record<string, unknown>;
  /** The template's resource types, sorted: sent as `ResourceTypes` on every stack operation. */
  resourceTypes: string[];
  /** The project's own connection, or null to import the global stack's. */
  connectionArn: string | null;
  /** Extra statements that go into the build role. */
  accepted: PolicyStatement[];
  /** Extra statements left out, each with the rule or boundary Deny that refuses it. */
  refused: StatementRefusal[];
}

/**
 * Builds the pipeline template for a branch. Extra statements the boundary would deny (or
 * that break a rule) are left out and reported rather than failing the deploy: the rest of
 * the pipeline is still worth having, and the refusal says what to change.
 *
 * @throws InputError for a bad branch, prefix, repository or path.
 */
export function planPipelineTemplate(options: PipelineTemplatePlanOptions): PipelineTemplatePlan {
  const { config, prefix, branch } = options;
  const names = branchNames(branch, { prefix });

  // The boundary as this CLI's template version writes it: preflight has already checked that
  // the deployed global stack is that same version.
  const boundary = globalTemplatePolicies({ prefix, version: GLOBAL_TEMPLATE_VERSION }).boundary;
  // No account or region here, on purpose: placeholders read as `*`, exactly as the template
  // builder's own check reads them, so `--dry-run` and a real deploy refuse the same statements.
  const gate = validateExtraStatements(config.build?.extraStatements ?? [], boundary, { prefix });

  const templateOptions = {
    prefix,
    branch,
    repository: config.repository,
    appTemplatePath: config.appTemplate,
    buildspecPath: config.buildspec,
    extraStatements: gate.accepted,
    ...(config.connectionArn === undefined ? {} : { connectionArn: config.connectionArn }),
  };
  const template = buildPipelineTemplate(templateOptions);
  return {
    names,
    templateBody: pipelineTemplateYaml(templateOptions),
    template,
    resourceTypes: resourceTypesOf(template),
    connectionArn: config.connectionArn ?? null,
    accepted: gate.accepted,
    refused: gate.refused,
  };
}

/**
 * The distinct resource types of a template, sorted. CloudFormation refuses an operation
 * whose template holds a type outside `ResourceTypes`, and the developer policy refuses any
 * stack operation without it, so the list must be exactly the template's.
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/control-access-with-iam.html#using-iam-template-conditions
 */
export function resourceTypesOf(template: Record<string, unknown>): string[] {
  const resources = (template.Resources ?? {}) as Record<string, { Type?: unknown }>;
  const types = Object.values(resources)
    .map((resource) => resource.Type)
    .filter((type): type is string => typeof type === 'string');
  return [...new Set(types)].sort();
}
