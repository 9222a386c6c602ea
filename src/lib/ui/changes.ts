/**
 * Renders a change set for review: the resource changes CloudFormation computed, then,
 * above all, the IAM changes as tables (statements added and removed with their
 * principals and conditions, managed policy attachments, permissions boundaries).
 *
 * Statement tables come from `@aws-cdk/cloudformation-diff` (Apache-2.0), loaded lazily as
 * it is heavy. It does not look inside `AWS::IAM::ManagedPolicy` documents nor at
 * `PermissionsBoundary`, which are exactly what `setup` changes (the workload boundary, the
 * developer policy), so those rows are added here with its own statement parser.
 */
import { stripVTControlCharacters } from 'node:util';

import type { DescribeChangeSetOutput } from '@aws-sdk/client-cloudformation';

import type { TemplateObject } from '../stacks/template-body.js';
import type { StackChange } from '../stacks/types.js';
import { makeStyle, type Style } from './style.js';

/** Options for {@link renderChangeSet}. */
export interface RenderChangeSetOptions {
  /** Colours (pass `colorEnabled(process.stdout)`); default off. */
  color?: boolean;
  /** Table width in characters (default: 120). */
  columns?: number;
  /** The described change set: lets the template diff use CloudFormation's replacements. */
  changeSet?: DescribeChangeSetOutput;
}

type Resources = Record<string, { Type?: string; Properties?: Record<string, unknown> }>;

const STATEMENT_HEADER = ['', 'Resource', 'Effect', 'Action', 'Principal', 'Condition'];

/** Renders the review text: resource changes, then the IAM tables. */
export async function renderChangeSet(
  changes: readonly StackChange[],
  currentTemplate: TemplateObject,
  newTemplate: TemplateObject,
  options: RenderChangeSetOptions = {},
): Promise<string> {
  const style = makeStyle(options.color ?? false);
  const diff = await import('@aws-cdk/cloudformation-diff');
  const { parseStatements } = await import('@aws-cdk/cloudformation-diff/lib/iam/statement.js');
  const templateDiff = diff.fullDiff(currentTemplate, newTemplate, options.changeSet);
  const columns = options.columns ?? 120;

  const statementRows = [
    ...templateDiff.iamChanges.summarizeStatements().slice(1),
    ...managedPolicyRows(currentTemplate, newTemplate, parseStatements, style),
  ];
  const attachmentRows = templateDiff.iamChanges.summarizeManagedPolicies().slice(1);
  const boundaryRows = boundaryChanges(currentTemplate, newTemplate, style);

  const sections = [resourceSection(changes, style)];
  if (statementRows.length > 0) {
    sections.push(
      `${style.bold('IAM statement changes')}\n${diff.formatTable([STATEMENT_HEADER, ...statementRows], columns)}`,
    );
  }
  if (attachmentRows.length > 0) {
    const header = ['', 'Resource', 'Managed Policy ARN'];
    sections.push(
      `${style.bold('IAM managed policy attachments')}\n${diff.formatTable([header, ...attachmentRows], columns)}`,
    );
  }
  if (boundaryRows.length > 0) {
    const header = ['', 'Role or user', 'Permissions boundary (before → after)'];
    sections.push(
      `${style.bold('Permissions boundaries')}\n${diff.formatTable([header, ...boundaryRows], columns)}`,
    );
  }
  if (statementRows.length + attachmentRows.length + boundaryRows.length === 0) {
    sections.push(style.dim('No IAM statement, policy attachment or boundary changes.'));
  }

  const text = `${sections.join('\n\n')}\n`;
  // cloudformation-diff colours with chalk whatever we asked; strip it when colour is off.
  return options.color === true ? text : stripVTControlCharacters(text);
}

/** `[+] AWS::IAM::Role ExecutionRole` lines, replacements called out. */
function resourceSection(changes: readonly StackChange[], style: Style): string {
  if (changes.length === 0) return `${style.bold('Resources')}\n  (no resource changes)`;
  const lines = changes.map((change) => {
    const mark =
      change.action === 'Add'
        ? style.green('[+]')
        : change.action === 'Remove'
          ? style.red('[-]')
          : style.yellow('[~]');
    const replacement =
      change.replacement === 'True'
        ? style.red(' REPLACE')
        : change.replacement === 'Conditional'
          ? style.yellow(' may replace')
          : '';
    const properties =
      change.properties.length > 0 ? style.dim(` (${change.properties.join(', ')})`) : '';
    const verb = change.action === 'Remove' ? style.red(' DELETE') : '';
    return `${mark} ${change.resourceType} ${change.logicalId}${verb}${replacement}${properties}`;
  });
  return `${style.bold('Resources')}\n${lines.join('\n')}`;
}

type ParseStatements = (x: unknown) => {
  equal(other: unknown): boolean;
  render(): { resource: string; effect: string; action: string; condition: string };
}[];

/** Statements added to and removed from every `AWS::IAM::ManagedPolicy` document. */
function managedPolicyRows(
  before: TemplateObject,
  after: TemplateObject,
  parseStatements: ParseStatements,
  style: Style,
): string[][] {
  const oldResources = resourcesOf(before);
  const newResources = resourcesOf(after);
  const ids = new Set([...Object.keys(oldResources), ...Object.keys(newResources)]);
  // A policy is a boundary if either version uses it as one (the change may detach it).
  const boundaries = new Set([
    ...boundaryPolicyIds(oldResources),
    ...boundaryPolicyIds(newResources),
  ]);
  const rows: string[][] = [];

  for (const id of [...ids].sort()) {
    const oldStatements = parseStatements(managedPolicyStatements(oldResources[id]));
    const newStatements = parseStatements(managedPolicyStatements(newResources[id]));
    const holder = `${id} (${boundaries.has(id) ? 'boundary' : 'policy'})`;
    for (const statement of newStatements) {
      if (!oldStatements.some((old) => old.equal(statement))) {
        rows.push(statementRow('+', statement.render(), holder).map((cell) => style.green(cell)));
      }
    }
    for (const statement of oldStatements) {
      if (!newStatements.some((next) => next.equal(statement))) {
        rows.push(statementRow('-', statement.render(), holder).map((cell) => style.red(cell)));
      }
    }
  }
  return rows;
}

function statementRow(
  sign: string,
  rendered: { resource: string; effect: string; action: string; condition: string },
  holder: string,
): string[] {
  return [sign, rendered.resource, rendered.effect, rendered.action, holder, rendered.condition];
}

function resourcesOf(template: TemplateObject): Resources {
  const resources = template.Resources;
  return typeof resources === 'object' && resources !== null ? (resources as Resources) : {};
}

function managedPolicyStatements(resource: Resources[string] | undefined): unknown {
  if (resource?.Type !== 'AWS::IAM::ManagedPolicy') return undefined;
  const document = resource.Properties?.PolicyDocument as { Statement?: unknown } | undefined;
  return document?.Statement;
}

/** Logical IDs of managed policies that some role or user uses as its boundary. */
function boundaryPolicyIds(resources: Resources): Set<string> {
  const ids = new Set<string>();
  for (const resource of Object.values(resources)) {
    const boundary = resource.Properties?.PermissionsBoundary as { Ref?: unknown } | undefined;
    if (typeof boundary?.Ref === 'string') ids.add(boundary.Ref);
  }
  return ids;
}

/** Roles and users whose `PermissionsBoundary` is set, removed or changed. */
function boundaryChanges(before: TemplateObject, after: TemplateObject, style: Style): string[][] {
  const oldResources = resourcesOf(before);
  const newResources = resourcesOf(after);
  const ids = new Set([...Object.keys(oldResources), ...Object.keys(newResources)]);
  const rows: string[][] = [];
  for (const id of [...ids].sort()) {
    const oldBoundary = boundaryOf(oldResources[id]);
    const newBoundary = boundaryOf(newResources[id]);
    if (oldBoundary === newBoundary) continue;
    const sign = oldBoundary === undefined ? '+' : newBoundary === undefined ? '-' : '~';
    const paint = sign === '-' ? style.red : sign === '+' ? style.green : style.yellow;
    rows.push([sign, id, `${oldBoundary ?? '(none)'} → ${newBoundary ?? '(none)'}`].map(paint));
  }
  return rows;
}

function boundaryOf(resource: Resources[string] | undefined): string | undefined {
  if (resource?.Type !== 'AWS::IAM::Role' && resource?.Type !== 'AWS::IAM::User') return undefined;
  const boundary = resource.Properties?.PermissionsBoundary;
  return boundary === undefined ? undefined : JSON.stringify(boundary);
}
