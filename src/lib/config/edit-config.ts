/**
 * Edits of `aiproxy.config.json`: the one writer is `doctor --apply`, which adds statements to
 * the build role through {@link addBuildStatements}. The text it writes is what Prettier
 * makes of it too, so an applied patch leaves the repository lint-clean.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';

import type { PolicyStatement } from '../doctor/types.js';
import { InputError } from '../errors.js';
import { parseJson, validateProjectConfig, type ProjectConfig } from './project-config.js';
import { checkPolicyStatement } from './rules.js';

/** The result of {@link addBuildStatements}: both texts, for a diff, and what changed. */
export interface AddBuildStatementsResult {
  path: string;
  before: string;
  after: string;
  /** The statements that were not there yet, in the order they were appended. */
  added: PolicyStatement[];
  changed: boolean;
}

/** A statement with its lists sorted and single values as lists: equal meaning, equal key. */
function statementKey(statement: PolicyStatement): string {
  const list = (v: string | string[]): string[] =>
    [...new Set(typeof v === 'string' ? [v] : v)].sort();
  const condition = Object.entries(statement.Condition ?? {})
    .map(
      ([op, keys]) =>
        [
          op,
          Object.entries(keys)
            .map(([k, v]) => [k, list(v)])
            .sort(),
        ] as const,
    )
    .sort(([a], [b]) => a.localeCompare(b));
  return JSON.stringify([
    statement.Effect,
    list(statement.Action).map((a) => a.toLowerCase()),
    list(statement.Resource),
    condition,
  ]);
}

const PRINT_WIDTH = 100;

function printValue(value: unknown, indent: string, tail: number): string {
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    // Short lists of scalars stay on one line, as Prettier prints them (`"Action": ["a", "b"]`).
    if (value.every((item) => typeof item !== 'object' || item === null)) {
      const flat = `[${value.map((item) => JSON.stringify(item)).join(', ')}]`;
      if (indent.length + tail + flat.length <= PRINT_WIDTH) return flat;
    }
    const inner = `${indent}  `;
    const items = value.map(
      (item, i) => `${inner}${printValue(item, inner, i < value.length - 1 ? 1 : 0)}`,
    );
    return `[\n${items.join(',\n')}\n${indent}]`;
  }
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value);
    if (entries.length === 0) return '{}';
    const inner = `${indent}  `;
    const lines = entries.map(([key, item], i) => {
      const head = `${JSON.stringify(key)}: `;
      const comma = i < entries.length - 1 ? 1 : 0;
      return `${inner}${head}${printValue(item, inner, head.length + comma)}`;
    });
    return `{\n${lines.join(',\n')}\n${indent}}`;
  }
  return JSON.stringify(value);
}

/**
 * The config text aiproxy writes: 2-space JSON and a final newline, objects one key a line and
 * short lists of scalars on one line, which is what Prettier (width 100) makes of it too, so
 * a file written by `doctor --apply` passes `prettier --check` unchanged.
 */
export function formatProjectConfig(value: unknown): string {
  return `${printValue(value, '', 0)}\n`;
}

/**
 * Adds statements to `build.extraStatements` of a config file, for `doctor --apply`:
 * statements already there (same effect, actions, resources and conditions, whatever the
 * order or `Sid`) are skipped, new ones are appended in the order given, every other field
 * keeps its place. The file is replaced atomically and only when something changed.
 *
 * @returns both texts, so the caller can show a diff.
 * @throws InputError when the file is missing or invalid, or a statement is malformed.
 */
export async function addBuildStatements(
  configPath: string,
  statements: readonly PolicyStatement[],
): Promise<AddBuildStatementsResult> {
  const issues = statements.flatMap((s, i) => checkPolicyStatement(s, `statements[${i}]`));
  if (issues.length > 0) {
    throw new InputError(
      'INVALID_STATEMENT',
      `Cannot add malformed statements: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
      {
        suggestions: issues.map((i) => i.fix),
      },
    );
  }

  const before = await readFile(configPath, 'utf8');
  const document = validateProjectConfig(parseJson(before, configPath), configPath);
  const existing = document.build?.extraStatements ?? [];
  const keys = new Set(existing.map(statementKey));
  const added: PolicyStatement[] = [];
  for (const statement of statements) {
    const key = statementKey(statement);
    if (keys.has(key)) continue;
    keys.add(key);
    added.push(statement);
  }
  if (added.length === 0) {
    return { path: configPath, before, after: before, added, changed: false };
  }

  const updated: ProjectConfig = {
    ...document,
    build: { ...document.build, extraStatements: [...existing, ...added] },
  };
  const after = formatProjectConfig(updated);
  const temporary = `${configPath}.${process.pid}.tmp`;
  await writeFile(temporary, after, 'utf8');
  await rename(temporary, configPath);
  return { path: configPath, before, after, added, changed: true };
}
