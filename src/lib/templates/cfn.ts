/**
 * Small helpers shared by the templates: IAM policy shapes, and the conversion of plain values
 * holding `${AWS::…}` placeholders into CloudFormation intrinsics.
 *
 * Policies are built once as plain JSON whose strings may hold placeholders (see
 * `TEMPLATE_ENV` in `../names.ts`). The template wraps such strings in `Fn::Sub` with
 * {@link toCfn}; the tests resolve the same strings to concrete ARNs and feed them to a policy
 * simulator. What is deployed and what is tested are therefore the same document.
 */

/** A condition block: operator → key → value(s). */
export type PolicyCondition = Record<string, Record<string, string | string[]>>;

/** One IAM policy statement, in the subset aiproxy writes. */
export interface PolicyStatement {
  Sid: string;
  Effect: 'Allow' | 'Deny';
  Principal?: { Service: string | string[] } | { AWS: string | string[] };
  Action?: string[];
  NotAction?: string[];
  Resource?: string[];
  NotResource?: string[];
  Condition?: PolicyCondition;
}

/** An IAM policy document. */
export interface PolicyDocument {
  Version: '2012-10-17';
  Statement: PolicyStatement[];
}

/** Wraps statements in a policy document. */
export function policy(...statements: PolicyStatement[]): PolicyDocument {
  return { Version: '2012-10-17', Statement: statements };
}

/**
 * Variables an `Fn::Sub` string may use besides pseudo parameters, each with the intrinsic
 * that yields it. Only the created connection's id needs one: `Fn::Sub` cannot split an ARN.
 */
export type SubVariables = Record<string, unknown>;

/**
 * Deep-copies `value`, turning every string that holds `${…}` into `Fn::Sub` (with the
 * variables it uses from `variables`). Other values are copied as they are.
 */
export function toCfn(value: unknown, variables: SubVariables = {}): unknown {
  if (typeof value === 'string') {
    if (!value.includes('${')) return value;
    const used = Object.keys(variables).filter((name) => value.includes(`\${${name}}`));
    if (used.length === 0) return { 'Fn::Sub': value };
    return { 'Fn::Sub': [value, Object.fromEntries(used.map((name) => [name, variables[name]]))] };
  }
  if (Array.isArray(value)) return value.map((item) => toCfn(item, variables));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, toCfn(item, variables)]),
    );
  }
  return value;
}

/**
 * The size IAM counts for a managed policy: the JSON without whitespace. AWS allows 6,144
 * characters for a managed policy and 10,240 for all inline policies of a role together.
 */
export function policySize(document: PolicyDocument): number {
  return JSON.stringify(document).length;
}

/** The IAM limit for one customer-managed policy. */
export const MANAGED_POLICY_MAX_SIZE = 6144;

/** The IAM limit for all inline policies of one role together. */
export const INLINE_POLICIES_MAX_SIZE = 10240;
