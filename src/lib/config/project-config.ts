/**
 * The project config, `aiproxy.config.json`: committed next to the application, read by
 * `deploy` and written by `doctor --apply` (`edit-config.ts`). It names the repository, the connection, the
 * application template and buildspec paths, and the extra statements of the build role.
 *
 * The schema (`schemas/aiproxy.config.schema.json`) documents every field for editors; this
 * module checks the same rules by hand (see `rules.ts`) so that `src/` needs no validator
 * library at run time.
 */
import { readFile, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';

import type { PolicyStatement } from '../doctor/types.js';
import { InputError } from '../errors.js';
import {
  checkPolicyStatement,
  checkString,
  childPath,
  CONNECTION_ARN_PATTERN,
  PREFIX_MAX,
  PREFIX_MIN,
  PREFIX_PATTERN,
  REPOSITORY_MAX,
  REPOSITORY_PATTERN,
  RESERVED_PREFIX_PATTERN,
  SOURCE_PATH_MAX,
  SOURCE_PATH_PATTERN,
  unknownKeys,
  type ConfigIssue,
} from './rules.js';

/** The file name `loadProjectConfig` looks for. */
export const CONFIG_FILE_NAME = 'aiproxy.config.json';

/** What `aiproxy.config.json` holds, once validated. */
export interface ProjectConfig {
  /** Where editors find the schema; ignored by aiproxy. */
  $schema?: string;
  /** The application prefix; default `aiproxy`. Must match the global stack's. */
  prefix?: string;
  /** `owner/name` of the source repository, as the connection sees it. */
  repository: string;
  /** The CodeConnections connection; default: the global stack's `ConnectionArn` export. */
  connectionArn?: string;
  /** Path of the application's CloudFormation template in the repository. */
  appTemplate: string;
  /** Path of the buildspec in the repository. */
  buildspec: string;
  /** The build role's additions. */
  build?: {
    /** Allow statements added to the CodeBuild role (checked against the boundary by `deploy`). */
    extraStatements?: PolicyStatement[];
  };
}

/** Flags of `deploy` that override the config. */
export interface ProjectConfigFlags {
  prefix?: string | undefined;
  repository?: string | undefined;
  connectionArn?: string | undefined;
  appTemplate?: string | undefined;
  buildspec?: string | undefined;
}

/** A config read from disk. */
export interface LoadedProjectConfig {
  /** Absolute path of the file that was read. */
  path: string;
  /** The directory holding it: the root that `appTemplate` and `buildspec` are relative to. */
  root: string;
  config: ProjectConfig;
  /** `appTemplate`/`buildspec` paths that do not exist under `root` (the branch may still have them). */
  missingFiles: string[];
}

const ROOT_KEYS = [
  '$schema',
  'prefix',
  'repository',
  'connectionArn',
  'appTemplate',
  'buildspec',
  'build',
];
const BUILD_KEYS = ['extraStatements'];

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkSourcePath(value: unknown, path: string, example: string): ConfigIssue[] {
  return checkString(value, path, {
    pattern: SOURCE_PATH_PATTERN,
    max: SOURCE_PATH_MAX,
    min: 1,
    what: 'a relative path inside the repository',
    fix: `Write a path from the repository root without "./" or "..", e.g. "${example}".`,
  });
}

/**
 * Every issue with a config document, in document order; empty when it is valid. The same
 * rules as the JSON Schema, including the prefix rules of `validatePrefix`.
 */
export function checkProjectConfig(value: unknown): ConfigIssue[] {
  if (!isObject(value)) {
    return [
      {
        path: '$',
        message: 'The config must be a JSON object.',
        fix: `Start from { "repository": "owner/name", "appTemplate": "…", "buildspec": "…" }.`,
      },
    ];
  }
  const issues = unknownKeys(
    value,
    ROOT_KEYS,
    '$',
    `Known fields: ${ROOT_KEYS.join(', ')}. Check the spelling.`,
  );

  if (value.$schema !== undefined && typeof value.$schema !== 'string') {
    issues.push({
      path: '$.$schema',
      message: 'Expected a string.',
      fix: 'Remove "$schema" or make it a path.',
    });
  }
  if (value.prefix !== undefined) {
    const prefixFix = 'Use the prefix the global stack was set up with, e.g. "aiproxy".';
    const shape = checkString(value.prefix, '$.prefix', {
      pattern: PREFIX_PATTERN,
      min: PREFIX_MIN,
      max: PREFIX_MAX,
      what: 'lowercase letters, digits and single hyphens starting with a letter',
      fix: prefixFix,
    });
    issues.push(...shape);
    if (shape.length === 0 && RESERVED_PREFIX_PATTERN.test(value.prefix as string)) {
      issues.push({
        path: '$.prefix',
        message: `"${value.prefix as string}" is reserved: it may not end in "global" nor start with "aws" or "amzn".`,
        fix: prefixFix,
      });
    }
  }
  if (value.repository === undefined) {
    issues.push({
      path: '$.repository',
      message: 'The repository is missing.',
      fix: 'Add "repository": "owner/name".',
    });
  } else {
    issues.push(
      ...checkString(value.repository, '$.repository', {
        pattern: REPOSITORY_PATTERN,
        max: REPOSITORY_MAX,
        what: 'a repository as owner/name',
        fix: 'Write the repository as the connection shows it, e.g. "acme/aiproxy".',
      }),
    );
  }
  if (value.connectionArn !== undefined) {
    issues.push(
      ...checkString(value.connectionArn, '$.connectionArn', {
        pattern: CONNECTION_ARN_PATTERN,
        what: 'a CodeConnections connection ARN',
        fix: 'Copy the ARN from the console (Developer Tools › Connections), or remove the field to use the global stack’s connection.',
      }),
    );
  }
  for (const [key, example] of [
    ['appTemplate', 'infra/app.yml'],
    ['buildspec', 'buildspec.yml'],
  ] as const) {
    if (value[key] === undefined) {
      issues.push({
        path: `$.${key}`,
        message: `"${key}" is missing.`,
        fix: `Add "${key}": "${example}".`,
      });
    } else {
      issues.push(...checkSourcePath(value[key], `$.${key}`, example));
    }
  }
  if (value.build !== undefined) {
    issues.push(...checkBuild(value.build));
  }
  return issues;
}

function checkBuild(build: unknown): ConfigIssue[] {
  if (!isObject(build)) {
    return [
      {
        path: '$.build',
        message: 'Expected an object.',
        fix: 'Write "build": { "extraStatements": [] }.',
      },
    ];
  }
  const issues = unknownKeys(
    build,
    BUILD_KEYS,
    '$.build',
    'The build section takes "extraStatements" only.',
  );
  const statements = build.extraStatements;
  if (statements === undefined) return issues;
  if (!Array.isArray(statements)) {
    issues.push({
      path: '$.build.extraStatements',
      message: 'Expected a list of policy statements.',
      fix: 'Write "extraStatements": [ { "Effect": "Allow", … } ].',
    });
    return issues;
  }
  statements.forEach((statement, i) => {
    issues.push(...checkPolicyStatement(statement, childPath('$.build.extraStatements', i)));
  });
  return issues;
}

/**
 * Validates a parsed config document.
 *
 * @param source where it came from, for the message (a file path).
 * @throws InputError listing every issue with its JSON path and fix.
 */
export function validateProjectConfig(value: unknown, source = CONFIG_FILE_NAME): ProjectConfig {
  const issues = checkProjectConfig(value);
  if (issues.length > 0) {
    const lines = issues.map((i) => `  ${i.path}: ${i.message}`);
    throw new InputError('INVALID_CONFIG', `${source} is not valid:\n${lines.join('\n')}`, {
      suggestions: [...new Set(issues.map((i) => `${i.path}: ${i.fix}`))],
    });
  }
  return value as ProjectConfig;
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** The config file in `dir` or the nearest parent, stopping at a git root; null if none. */
export async function findProjectConfig(dir: string): Promise<string | null> {
  let current = resolve(dir);
  for (;;) {
    const candidate = join(current, CONFIG_FILE_NAME);
    if (await exists(candidate)) return candidate;
    // A config above the repository belongs to another project.
    if (await exists(join(current, '.git'))) return null;
    const parent = dirname(current);
    if (parent === current) return null;
    current = parent;
  }
}
/**
 * Parses a config file's text.
 *
 * @throws InputError naming the file when it is not JSON.
 */
export function parseJson(text: string, path: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new InputError(
      'INVALID_CONFIG',
      `${path} is not valid JSON: ${(error as Error).message}`,
      {
        suggestions: [
          'Fix the JSON syntax (a trailing comma or a missing quote is the usual cause).',
        ],
        cause: error,
      },
    );
  }
}

/**
 * Finds `aiproxy.config.json` in `dir` or its parents (up to the git root), reads and
 * validates it.
 *
 * @throws InputError when there is none, when it is not JSON, or when a field is invalid.
 */
export async function loadProjectConfig(dir: string): Promise<LoadedProjectConfig> {
  const path = await findProjectConfig(dir);
  if (path === null) {
    throw new InputError(
      'CONFIG_NOT_FOUND',
      `No ${CONFIG_FILE_NAME} in ${resolve(dir)} or above it.`,
      {
        suggestions: [
          `Create ${CONFIG_FILE_NAME} at the repository root with "repository", "appTemplate" and "buildspec".`,
          'Or pass `--repository`, `--app-template` and `--buildspec`.',
        ],
      },
    );
  }
  const config = validateProjectConfig(parseJson(await readFile(path, 'utf8'), path), path);
  const root = dirname(path);
  const missingFiles: string[] = [];
  for (const file of [config.appTemplate, config.buildspec]) {
    if (!(await exists(join(root, file)))) missingFiles.push(file);
  }
  return { path, root, config, missingFiles };
}

/**
 * The config with every flag that was given replacing its field; the result is validated
 * again, so a bad flag is reported like a bad field.
 *
 * @throws InputError when a flag's value breaks a rule.
 */
export function mergeFlags(config: ProjectConfig, flags: ProjectConfigFlags): ProjectConfig {
  const merged: Record<string, unknown> = { ...config };
  for (const [key, value] of Object.entries(flags)) {
    if (value !== undefined) merged[key] = value;
  }
  return validateProjectConfig(merged, 'the config with flags applied');
}
