/**
 * The shape rules of `aiproxy.config.json`, written once as regular expressions and limits so
 * that the hand validator here and `schemas/aiproxy.config.schema.json` say the same thing.
 * `ajv` is only a dev dependency, so the library cannot run the schema itself; a test runs
 * both over the same documents and requires them to agree.
 */
import type { PolicyStatement } from '../doctor/types.js';

/** One thing wrong with a config document: where, what, and how to fix it. */
export interface ConfigIssue {
  /** JSON path from the document root: `$.build.extraStatements[0].Action[1]`. */
  path: string;
  message: string;
  fix: string;
}

/** `owner/name`, as CodeConnections' `FullRepositoryId` takes it. */
export const REPOSITORY_PATTERN = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/;
export const REPOSITORY_MAX = 140;

/** A CodeStar or CodeConnections connection ARN (both service names are still issued). */
export const CONNECTION_ARN_PATTERN =
  /^arn:aws(?:-[a-z]+)*:(?:codestar-connections|codeconnections):[a-z]{2}(?:-[a-z]+)+-\d+:\d{12}:connection\/[0-9a-f-]{36}$/;

/**
 * A path inside the source artifact: relative, `/`-separated, no `.` or `..` segment (the
 * pipeline reads it from the repository root, so anything else would point outside it or
 * nowhere). Dot-files such as `.aws/buildspec.yml` are fine.
 */
export const SOURCE_PATH_PATTERN =
  /^(?!\.{1,2}(?:\/|$))[A-Za-z0-9_.@+-]+(?:\/(?!\.{1,2}(?:\/|$))[A-Za-z0-9_.@+-]+)*$/;
/** CodePipeline's `TemplatePath` is `SourceOutput::<path>` and the whole value is capped. */
export const SOURCE_PATH_MAX = 200;

/** Same rule as `validatePrefix` in `names.ts`, which the hand validator calls as well. */
export const PREFIX_PATTERN = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;
export const PREFIX_MIN = 2;
export const PREFIX_MAX = 16;
/** Prefixes `validatePrefix` refuses although they have the right shape. */
export const RESERVED_PREFIX_PATTERN = /^(?:global|aws|aws-.*|amzn.*|.*-global)$/;

/** IAM's `Sid` for identity policies: letters and digits only. */
export const SID_PATTERN = /^[A-Za-z0-9]+$/;
/** `*`, or `service:Action` with IAM wildcards in the action part only. */
export const ACTION_PATTERN = /^(?:\*|[a-z0-9][a-z0-9-]*:[A-Za-z0-9*?]+)$/;
/** `*` or an ARN; `${AWS::Region}`-style placeholders are allowed and become `Fn::Sub`. */
export const RESOURCE_PATTERN = /^(?:\*|arn:\S+)$/;
export const RESOURCE_MAX = 2048;
/** `StringEquals`, `ArnLike`, `ForAnyValue:StringLike`, `BoolIfExists`, … */
export const CONDITION_OPERATOR_PATTERN = /^(?:(?:ForAnyValue|ForAllValues):)?[A-Za-z]+$/;
/** `aws:SourceAccount`, `s3:prefix`, `aws:ResourceTag/team`, … */
export const CONDITION_KEY_PATTERN = /^[A-Za-z0-9-]+:\S+$/;

const STATEMENT_KEYS = ['Sid', 'Effect', 'Action', 'Resource', 'Condition'];

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return JSON.stringify(value);
  return `a ${typeof value}`;
}

/** `$.a.b`, or `$.a["odd key"]` for keys that are not identifiers. */
export function childPath(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key)
    ? `${path}.${key}`
    : `${path}[${JSON.stringify(key)}]`;
}

/** Issues for keys of `value` that are not in `allowed`. */
export function unknownKeys(
  value: Record<string, unknown>,
  allowed: readonly string[],
  path: string,
  fix: string,
): ConfigIssue[] {
  return Object.keys(value)
    .filter((key) => !allowed.includes(key))
    .map((key) => ({
      path: childPath(path, key),
      message: `"${key}" is not a known field.`,
      fix,
    }));
}

/** Checks a string field against a pattern and a maximum length. */
export function checkString(
  value: unknown,
  path: string,
  rule: { pattern: RegExp; max?: number; min?: number; what: string; fix: string },
): ConfigIssue[] {
  if (typeof value !== 'string') {
    return [{ path, message: `Expected ${rule.what}, found ${describe(value)}.`, fix: rule.fix }];
  }
  // Counted in code points, as JSON Schema counts string length.
  const length = [...value].length;
  if (rule.min !== undefined && length < rule.min) {
    return [{ path, message: `"${value}" is shorter than ${rule.min} characters.`, fix: rule.fix }];
  }
  if (rule.max !== undefined && length > rule.max) {
    return [
      {
        path,
        message: `The value is ${length} characters long; at most ${rule.max} are allowed.`,
        fix: rule.fix,
      },
    ];
  }
  if (!rule.pattern.test(value)) {
    return [{ path, message: `${describe(value)} is not ${rule.what}.`, fix: rule.fix }];
  }
  return [];
}

/** A string, or a non-empty array of distinct strings, each checked by `each`. */
function checkStringOrList(
  value: unknown,
  path: string,
  what: string,
  each: (item: unknown, itemPath: string) => ConfigIssue[],
): ConfigIssue[] {
  if (typeof value === 'string') return each(value, path);
  if (!Array.isArray(value)) {
    return [
      {
        path,
        message: `Expected ${what} or a list of them, found ${describe(value)}.`,
        fix: `Write "${path.split('.').pop() ?? ''}": ["…"].`,
      },
    ];
  }
  if (value.length === 0) {
    return [{ path, message: 'The list is empty.', fix: `List at least one ${what}.` }];
  }
  const issues = value.flatMap((item, i) => each(item, childPath(path, i)));
  const firstDuplicate = value.findIndex((item, i) => value.indexOf(item) !== i);
  if (firstDuplicate >= 0) {
    issues.push({
      path: childPath(path, firstDuplicate),
      message: `${describe(value[firstDuplicate])} is listed twice.`,
      fix: 'Remove the repeated entry.',
    });
  }
  return issues;
}

function checkCondition(value: unknown, path: string): ConfigIssue[] {
  const fix = 'Write "Condition": { "StringEquals": { "aws:ResourceTag/team": "web" } }.';
  if (!isObject(value) || Object.keys(value).length === 0) {
    return [{ path, message: `Expected a non-empty object, found ${describe(value)}.`, fix }];
  }
  return Object.entries(value).flatMap(([operator, keys]) => {
    const opPath = childPath(path, operator);
    if (!CONDITION_OPERATOR_PATTERN.test(operator)) {
      return [{ path: opPath, message: `"${operator}" is not a condition operator.`, fix }];
    }
    if (!isObject(keys) || Object.keys(keys).length === 0) {
      return [
        { path: opPath, message: `Expected a non-empty object, found ${describe(keys)}.`, fix },
      ];
    }
    return Object.entries(keys).flatMap(([key, values]) => {
      const keyPath = childPath(opPath, key);
      if (!CONDITION_KEY_PATTERN.test(key)) {
        return [{ path: keyPath, message: `"${key}" is not a condition key.`, fix }];
      }
      return checkStringOrList(values, keyPath, 'a string', (item, itemPath) =>
        typeof item === 'string'
          ? []
          : [
              {
                path: itemPath,
                message: `Expected a string, found ${describe(item)}.`,
                fix: 'Quote condition values: "true", "443".',
              },
            ],
      );
    });
  });
}

/**
 * Issues with one policy statement of `build.extraStatements`. Only Allow statements with
 * `Action` and `Resource` are accepted: `NotAction`/`NotResource` grant everything else, and a
 * `Principal` has no place in an identity policy.
 */
export function checkPolicyStatement(value: unknown, path: string): ConfigIssue[] {
  if (!isObject(value)) {
    return [
      {
        path,
        message: `Expected a policy statement object, found ${describe(value)}.`,
        fix: 'Write { "Effect": "Allow", "Action": ["…"], "Resource": ["…"] }.',
      },
    ];
  }
  const issues = unknownKeys(
    value,
    STATEMENT_KEYS,
    path,
    'A statement takes Sid, Effect, Action, Resource and Condition; NotAction, NotResource and Principal are not accepted.',
  );

  if (value.Sid !== undefined) {
    issues.push(
      ...checkString(value.Sid, childPath(path, 'Sid'), {
        pattern: SID_PATTERN,
        max: 128,
        what: 'a Sid of letters and digits',
        fix: 'Use letters and digits only, e.g. "ReadAppSecrets".',
      }),
    );
  }
  if (value.Effect !== 'Allow') {
    issues.push({
      path: childPath(path, 'Effect'),
      message:
        value.Effect === undefined
          ? 'The statement has no Effect.'
          : `The Effect is ${describe(value.Effect)}; extra statements only grant.`,
      fix: 'Write "Effect": "Allow" (denials belong in the workload boundary).',
    });
  }
  for (const key of ['Action', 'Resource'] as const) {
    if (value[key] === undefined) {
      issues.push({
        path: childPath(path, key),
        message: `The statement has no ${key}.`,
        fix: `Add "${key}": ["…"].`,
      });
    }
  }
  if (value.Action !== undefined) {
    issues.push(
      ...checkStringOrList(value.Action, childPath(path, 'Action'), 'an action', (item, p) =>
        checkString(item, p, {
          pattern: ACTION_PATTERN,
          max: 128,
          what: 'an action such as "s3:GetObject"',
          fix: 'Write actions as service:Action, e.g. "secretsmanager:GetSecretValue".',
        }),
      ),
    );
  }
  if (value.Resource !== undefined) {
    issues.push(
      ...checkStringOrList(value.Resource, childPath(path, 'Resource'), 'a resource', (item, p) =>
        checkString(item, p, {
          pattern: RESOURCE_PATTERN,
          max: RESOURCE_MAX,
          what: 'an ARN or "*"',
          fix: 'Write an ARN such as "arn:${AWS::Partition}:s3:::my-bucket/*".',
        }),
      ),
    );
  }
  if (value.Condition !== undefined) {
    issues.push(...checkCondition(value.Condition, childPath(path, 'Condition')));
  }
  return issues;
}

/** Narrows a value that {@link checkPolicyStatement} found no issue with. */
export function isPolicyStatement(value: unknown): value is PolicyStatement {
  return checkPolicyStatement(value, '$').length === 0;
}
