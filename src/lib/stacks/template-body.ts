/**
 * Reads a CloudFormation template body (JSON or YAML) into an object, for the diff. YAML
 * templates use short-form intrinsic tags (`!Ref`, `!GetAtt A.B`, `!Sub`), which a plain YAML
 * parser rejects; they are read back into their long form (`{ "Fn::GetAtt": ["A", "B"] }`).
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference.html
 */
import { parse, type Tags, type YAMLMap, type YAMLSeq } from 'yaml';

/** A parsed template: only its top-level shape is assumed. */
export type TemplateObject = Record<string, unknown>;

const FUNCTIONS = [
  'Ref',
  'Condition',
  'And',
  'Base64',
  'Cidr',
  'Equals',
  'FindInMap',
  'GetAtt',
  'GetAZs',
  'If',
  'ImportValue',
  'Join',
  'Length',
  'Not',
  'Or',
  'Select',
  'Split',
  'Sub',
  'ToJsonString',
  'Transform',
];

function longForm(name: string, value: unknown): Record<string, unknown> {
  if (name === 'Ref' || name === 'Condition') return { [name]: value };
  // `!GetAtt Resource.Attribute` is the one short form that is not just a renaming.
  if (name === 'GetAtt' && typeof value === 'string') {
    const dot = value.indexOf('.');
    return { 'Fn::GetAtt': [value.slice(0, dot), value.slice(dot + 1)] };
  }
  return { [`Fn::${name}`]: value };
}

const CFN_TAGS: Tags = FUNCTIONS.flatMap((name) => [
  { tag: `!${name}`, resolve: (value: string) => longForm(name, value) },
  {
    tag: `!${name}`,
    collection: 'seq' as const,
    resolve: (seq: YAMLSeq) => longForm(name, seq.toJSON()),
  },
  {
    tag: `!${name}`,
    collection: 'map' as const,
    resolve: (map: YAMLMap) => longForm(name, map.toJSON()),
  },
]) as unknown as Tags;

/** Parses a template body; an empty or unreadable body gives an empty template. */
export function parseTemplate(body: string | undefined): TemplateObject {
  if (body === undefined || body.trim() === '') return {};
  const value: unknown = body.trimStart().startsWith('{')
    ? JSON.parse(body)
    : parse(body, { customTags: CFN_TAGS });
  return typeof value === 'object' && value !== null ? (value as TemplateObject) : {};
}
