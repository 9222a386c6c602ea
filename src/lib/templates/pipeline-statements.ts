/**
 * The gate for the build role's extra statements (`build.extraStatements` in the project
 * config, written by `doctor --apply`): what may be added to a role that every committer
 * effectively runs code as, and what the workload boundary would deny anyway.
 *
 * A refused statement is reported with the rule or the boundary Deny it meets, so `deploy`
 * can say so and carry on with the rest.
 */
import { checkPolicyStatement } from '../config/rules.js';
import type { PolicyDocument, PolicyStatement } from '../doctor/types.js';
import {
  DEFAULT_PREFIX,
  delegatedPatterns,
  resolvePattern,
  TEMPLATE_ENV,
  type AwsEnv,
} from '../names.js';
import { patternCovers, wildcardMatches } from '../policy/arn.js';
import { patternsIntersect } from '../policy/match.js';

/** Why a statement was refused. */
export type RefusalReason =
  | 'malformed'
  | 'wildcard-action'
  | 'pass-role'
  | 'iam-write'
  | 'assume-role-outside-app'
  | 'boundary-deny';

/** One refused statement. */
export interface StatementRefusal {
  /** Position in the list given. */
  index: number;
  statement: unknown;
  reason: RefusalReason;
  /** Which statement, what it asks for, and why it is refused. */
  message: string;
  /** What to change. */
  fix: string;
  /** For `boundary-deny`: the boundary statement that denies it. */
  deny?: { sid: string | null; statement: BoundaryStatement };
}

/** What {@link validateExtraStatements} returns. */
export interface ExtraStatementsResult {
  accepted: PolicyStatement[];
  refused: StatementRefusal[];
}

/** A boundary statement after CloudFormation intrinsics are flattened to placeholder strings. */
export interface BoundaryStatement {
  Sid?: string;
  Effect: string;
  Action?: string[];
  NotAction?: string[];
  Resource?: string[];
  NotResource?: string[];
  Condition?: unknown;
}

/**
 * The workload boundary as `global.ts` builds it (a policy document whose strings may be
 * `Fn::Sub` objects), or simply the action patterns it denies everywhere.
 */
export type BoundaryInput = PolicyDocument | { Statement: readonly unknown[] } | readonly string[];

/** Options for {@link validateExtraStatements}. */
export interface ValidateExtraStatementsOptions {
  /** Default `aiproxy`: whose roles `sts:AssumeRole` may target. */
  prefix?: string;
  /**
   * The account and region, when known: placeholders in both the statements and the boundary
   * are then resolved exactly. Without it (`--dry-run`) every placeholder reads as `*`.
   */
  env?: AwsEnv;
}

// Reading IAM is harmless to the boundary; everything else in IAM is a write of some kind
// (`iam:Simulate*` and `iam:Generate*` included: no build needs them).
const IAM_READ = /^iam:(?:Get|List)[A-Za-z0-9*?]*$/i;
const ASSUME_ACTIONS = [
  'sts:AssumeRole',
  'sts:AssumeRoleWithSAML',
  'sts:AssumeRoleWithWebIdentity',
];

function list(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/**
 * Flattens the intrinsics the templates use in policies (`Fn::Sub`, `Fn::Join`, `Ref` of a
 * pseudo parameter) into `${AWS::…}` placeholder strings; anything else (an import, a
 * `GetAtt`) can be any value and reads as `*`.
 */
export function flattenIntrinsic(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(flattenIntrinsic);
  if (typeof value !== 'object' || value === null) return value;
  const entries = Object.entries(value as Record<string, unknown>);
  const [first] = entries;
  if (entries.length === 1 && first) {
    const [key, arg] = first;
    if (key === 'Fn::Sub') {
      if (typeof arg === 'string') return arg;
      if (Array.isArray(arg) && typeof arg[0] === 'string') {
        const vars = (arg[1] ?? {}) as Record<string, unknown>;
        return arg[0].replace(/\$\{([^!}][^}]*)\}/g, (whole, name: string) => {
          if (!(name in vars)) return whole;
          const v = flattenIntrinsic(vars[name]);
          return typeof v === 'string' ? v : '*';
        });
      }
    }
    if (key === 'Fn::Join' && Array.isArray(arg) && typeof arg[0] === 'string') {
      const parts = Array.isArray(arg[1]) ? arg[1].map(flattenIntrinsic) : [];
      return parts.map((p) => (typeof p === 'string' ? p : '*')).join(arg[0]);
    }
    if (key === 'Ref' && typeof arg === 'string' && arg.startsWith('AWS::')) return `\${${arg}}`;
    if (key.startsWith('Fn::') || key === 'Ref') return '*';
  }
  return Object.fromEntries(entries.map(([k, v]) => [k, flattenIntrinsic(v)]));
}

/** The boundary's statements in one flat shape. */
export function boundaryStatements(boundary: BoundaryInput): BoundaryStatement[] {
  if (Array.isArray(boundary)) {
    return [
      {
        Sid: 'DeniedActions',
        Effect: 'Deny',
        Action: [...(boundary as string[])],
        Resource: ['*'],
      },
    ];
  }
  const flat = flattenIntrinsic(boundary) as { Statement?: unknown };
  const raws = Array.isArray(flat.Statement) ? (flat.Statement as unknown[]) : [flat.Statement];
  return raws.flatMap((raw) => {
    if (typeof raw !== 'object' || raw === null) return [];
    const s = raw as Record<string, unknown>;
    const out: BoundaryStatement = { Effect: String(s.Effect) };
    if (typeof s.Sid === 'string') out.Sid = s.Sid;
    for (const key of ['Action', 'NotAction', 'Resource', 'NotResource'] as const) {
      if (s[key] !== undefined) out[key] = list(s[key]);
    }
    if (s.Condition !== undefined) out.Condition = s.Condition;
    return [out];
  });
}

/** Placeholders to concrete values, or to `*` when the environment is not known. */
function resolver(env: AwsEnv | undefined): (value: string) => string {
  return (value) => {
    const known = env ? resolvePattern(value, env) : value;
    // Policy variables (`${aws:username}`) and any placeholder left can be any value.
    return known.replace(/\$\{[^}]*\}/g, '*');
  };
}

function describeStatement(statement: unknown, index: number): string {
  const sid = (statement as { Sid?: unknown } | null)?.Sid;
  return typeof sid === 'string'
    ? `build.extraStatements[${index}] ("${sid}")`
    : `build.extraStatements[${index}]`;
}

/** An ARN's six fields, the resource keeping its colons; null for `*` or a non-ARN. */
function arnFields(value: string): string[] | null {
  const parts = value.split(':');
  if (parts[0] !== 'arn' || parts.length < 6) return null;
  return [...parts.slice(0, 5), parts.slice(5).join(':')];
}

/**
 * ARN patterns compared the way IAM reads them: field by field, so that a `*` in the region
 * or account cannot swallow colons, while the resource field may hold colons and slashes.
 */
function arnCompare(a: string, b: string, compare: (x: string, y: string) => boolean): boolean {
  const x = arnFields(a);
  const y = arnFields(b);
  if (x === null || y === null) return compare(a, b);
  return x.every((field, i) => compare(field, y[i] ?? ''));
}

const resourcesMeet = (a: string, b: string): boolean => arnCompare(a, b, patternsIntersect);
const resourceCovers = (outer: string, inner: string): boolean =>
  outer === '*' || arnCompare(outer, inner, patternCovers);

interface Hit {
  action: string;
  resource: string;
}

/**
 * The first action/resource pair of `statement` that `deny` denies in every request it could
 * authorize, or null. A pair only partly inside the Deny (`s3:PutObject` on `arn:aws:s3:::*`)
 * still grants something, so it passes: the boundary caps it at run time anyway.
 */
function denyHit(
  statement: PolicyStatement,
  deny: BoundaryStatement,
  resolve: (value: string) => string,
): Hit | null {
  // A conditional Deny depends on the request: the statement is not denied "anyway".
  if (deny.Effect !== 'Deny' || deny.Condition !== undefined) return null;

  const action = list(statement.Action).find((a) =>
    deny.Action
      ? deny.Action.some((d) => patternCovers(d.toLowerCase(), a.toLowerCase()))
      : !(deny.NotAction ?? []).some((n) => patternsIntersect(n, a, true)),
  );
  const resource = list(statement.Resource).find((raw) => {
    const r = resolve(raw);
    return deny.Resource
      ? deny.Resource.some((d) => resourceCovers(resolve(d), r))
      : !(deny.NotResource ?? []).some((n) => resourcesMeet(resolve(n), r));
  });
  return action !== undefined && resource !== undefined ? { action, resource } : null;
}

/** The first rule of ours (not the boundary's) that refuses the statement, or null. */
function ruleRefusal(
  statement: PolicyStatement,
  name: string,
  appRoles: string,
  resolve: (value: string) => string,
): Omit<StatementRefusal, 'index' | 'statement'> | null {
  const actions = list(statement.Action);

  const everything = actions.find((a) => a === '*' || /:\*+$/.test(a));
  if (everything !== undefined) {
    return {
      reason: 'wildcard-action',
      message: `${name} grants "${everything}": every action of ${everything === '*' ? 'every service' : 'a service'}, to code any committer controls.`,
      fix: 'List the actions the build needs, e.g. "s3:GetObject" instead of "s3:*".',
    };
  }

  const passRole = actions.find((a) => wildcardMatches(a, 'iam:PassRole', true));
  if (passRole !== undefined) {
    return {
      reason: 'pass-role',
      message: `${name} grants "${passRole}", which covers iam:PassRole: the build could hand a role to a service and act as it.`,
      fix: 'Remove it; roles are passed by CloudFormation with the execution role, never by the build.',
    };
  }

  const iamWrite = actions.find((a) => /^iam:/i.test(a) && !IAM_READ.test(a));
  if (iamWrite !== undefined) {
    return {
      reason: 'iam-write',
      message: `${name} grants "${iamWrite}": IAM changes from a build would escape the application's scope (and the boundary denies them).`,
      fix: 'Define the role or policy in the application template; the pipeline deploys it with the execution role.',
    };
  }

  const assume = actions.find((a) => ASSUME_ACTIONS.some((x) => wildcardMatches(a, x, true)));
  if (assume !== undefined) {
    const outside = list(statement.Resource).find((r) => !resourceCovers(appRoles, resolve(r)));
    if (outside !== undefined) {
      return {
        reason: 'assume-role-outside-app',
        message: `${name} grants "${assume}" on "${outside}", which is not one of the application's roles (${appRoles}).`,
        fix: "Limit the Resource to the application's roles under its IAM path.",
      };
    }
  }
  return null;
}

/**
 * Splits extra statements into those the build role may get and those it may not, each
 * refusal saying which statement, which rule or boundary Deny, and why. Refused are
 * malformed statements, `*` and `service:*` actions, `iam:PassRole` (also through a
 * wildcard), IAM actions other than `Get*`/`List*`, `sts:AssumeRole*` on roles outside the
 * application's IAM path, and statements an unconditional Deny of the boundary covers
 * entirely for some action and resource it names (IAM-style wildcards on both sides).
 */
export function validateExtraStatements(
  statements: readonly unknown[],
  boundary: BoundaryInput,
  options: ValidateExtraStatementsOptions = {},
): ExtraStatementsResult {
  const resolve = resolver(options.env);
  const prefix = options.prefix ?? DEFAULT_PREFIX;
  const appRoles = resolve(delegatedPatterns(prefix, options.env ?? TEMPLATE_ENV).roles);
  const denies = boundaryStatements(boundary);
  const result: ExtraStatementsResult = { accepted: [], refused: [] };

  statements.forEach((statement, index) => {
    const name = describeStatement(statement, index);
    const issues = checkPolicyStatement(statement, `$[${index}]`);
    if (issues.length > 0) {
      result.refused.push({
        index,
        statement,
        reason: 'malformed',
        message: `${name} is malformed: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
        fix: issues[0]?.fix ?? '',
      });
      return;
    }
    const valid = statement as PolicyStatement;

    const rule = ruleRefusal(valid, name, appRoles, resolve);
    if (rule) {
      result.refused.push({ index, statement, ...rule });
      return;
    }

    for (const deny of denies) {
      const hit = denyHit(valid, deny, resolve);
      if (!hit) continue;
      const sid = deny.Sid ?? null;
      result.refused.push({
        index,
        statement,
        reason: 'boundary-deny',
        message: `${name} grants ${hit.action} on ${hit.resource}, but the workload boundary's Deny ${sid === null ? '(no Sid)' : `"${sid}"`} denies exactly that to every role under the boundary: the grant could never take effect.`,
        fix: "Narrow the statement to the application's own resources, or ask an admin whether the boundary should change (`aiproxy setup`).",
        deny: { sid, statement: deny },
      });
      return;
    }
    result.accepted.push(valid);
  });
  return result;
}
