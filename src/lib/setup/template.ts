/**
 * The template `setup` deploys, built from its flags alone: no AWS call, so `--dry-run` and
 * `--output` work without credentials (the account, region and partition stay pseudo
 * parameters until CloudFormation resolves them).
 */
import { writeFile } from 'node:fs/promises';

import { InputError } from '../errors.js';
import { globalNames, type GlobalNames } from '../names.js';
import {
  GLOBAL_TEMPLATE_VERSION,
  globalTemplateYaml,
  type ConnectionProvider,
  type GlobalTemplateOptions,
} from '../templates/global.js';

/** The `--create-connection` values, as typed on the command line. */
export const CONNECTION_PROVIDERS = ['github', 'gitlab', 'bitbucket'] as const;

/** One of {@link CONNECTION_PROVIDERS}. */
export type ConnectionProviderFlag = (typeof CONNECTION_PROVIDERS)[number];

const PROVIDER_TYPES: Record<ConnectionProviderFlag, ConnectionProvider> = {
  github: 'GitHub',
  gitlab: 'GitLab',
  bitbucket: 'Bitbucket',
};

/** How the source connection is provided: given, created by the stack, or not yet. */
export type ConnectionChoice =
  | { kind: 'none' }
  | { kind: 'existing'; connectionArn: string }
  | { kind: 'create'; provider: ConnectionProvider };

/** Options for {@link buildSetupTemplate}. */
export interface SetupTemplateOptions {
  /** The `--prefix` flag (default `aiproxy`). */
  prefix?: string;
  connection: ConnectionChoice;
}

/** The template and what it is made of. */
export interface SetupTemplate {
  /** The YAML body, exactly as CloudFormation receives it. */
  body: string;
  /** The template version the marker records. */
  version: number;
  /** The global names of the prefix (placeholders for account and region). */
  names: GlobalNames;
  connection: ConnectionChoice;
}

/**
 * The connection from the two flags.
 *
 * @throws InputError when both are given.
 */
export function connectionChoice(flags: {
  connectionArn?: string | undefined;
  createConnection?: string | undefined;
}): ConnectionChoice {
  const { connectionArn, createConnection } = flags;
  if (connectionArn !== undefined && createConnection !== undefined) {
    throw new InputError(
      'CONFLICTING_CONNECTION',
      'Give either --connection-arn or --create-connection, not both.',
      { suggestions: ['Drop `--create-connection` to use the existing connection.'] },
    );
  }
  if (connectionArn !== undefined) return { kind: 'existing', connectionArn };
  if (createConnection === undefined) return { kind: 'none' };
  const provider = PROVIDER_TYPES[createConnection.toLowerCase() as ConnectionProviderFlag];
  if (provider === undefined) {
    throw new InputError('INVALID_PROVIDER', `Unknown provider "${createConnection}".`, {
      suggestions: [`Pass --create-connection ${CONNECTION_PROVIDERS.join('|')}.`],
    });
  }
  return { kind: 'create', provider };
}

/**
 * Builds the global template for the flags.
 *
 * @throws InputError for an invalid prefix or connection ARN.
 */
export function buildSetupTemplate(options: SetupTemplateOptions): SetupTemplate {
  const names = globalNames(options.prefix);
  const { connection } = options;
  const templateOptions: GlobalTemplateOptions = {
    prefix: names.prefix,
    version: GLOBAL_TEMPLATE_VERSION,
    ...(connection.kind === 'existing' ? { connectionArn: connection.connectionArn } : {}),
    ...(connection.kind === 'create' ? { createConnection: connection.provider } : {}),
  };
  return {
    body: globalTemplateYaml(templateOptions),
    version: GLOBAL_TEMPLATE_VERSION,
    names,
    connection,
  };
}

/**
 * Writes the template for review (`--output FILE`).
 *
 * @throws InputError when the file cannot be written.
 */
export async function writeSetupTemplate(path: string, template: SetupTemplate): Promise<void> {
  try {
    await writeFile(path, template.body, 'utf8');
  } catch (error) {
    throw new InputError('OUTPUT_UNWRITABLE', `Cannot write the template to ${path}.`, {
      suggestions: ['Pass an --output path in a directory you can write to.'],
      cause: error,
    });
  }
}
