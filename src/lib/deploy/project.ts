/**
 * The project settings `deploy` works from: `aiproxy.config.json` when there is one, each
 * field replaced by its flag when given. A complete set of flags works without a file, so a
 * one-off deploy (or a CI job for another repository) needs no committed config.
 */
import {
  loadProjectConfig,
  mergeFlags,
  validateProjectConfig,
  type ProjectConfig,
  type ProjectConfigFlags,
} from '../config/project-config.js';
import { AiproxyError } from '../errors.js';
import { DEFAULT_PREFIX, validatePrefix } from '../names.js';

/** Where the settings came from, for the summary and `--json`. */
export interface ResolvedProject {
  config: ProjectConfig;
  /** The config file that was read, or null when the flags alone made the config. */
  path: string | null;
  /** The application prefix: `--prefix`, else the config's, else `aiproxy`. */
  prefix: string;
  /** Fields given by flags, which replaced the file's values. */
  overridden: string[];
  /** `appTemplate`/`buildspec` paths missing from this checkout (the branch may still have them). */
  missingFiles: string[];
}

/**
 * Reads the project config from `cwd` (or a parent, up to the git root) and applies `flags`.
 *
 * @throws InputError when there is no config and the flags do not make a complete one, or when
 *   a field or a flag breaks a rule.
 */
export async function resolveProject(
  cwd: string,
  flags: ProjectConfigFlags,
): Promise<ResolvedProject> {
  const overridden = Object.entries(flags)
    .filter(([, value]) => value !== undefined)
    .map(([key]) => key);

  let loaded: Awaited<ReturnType<typeof loadProjectConfig>> | null = null;
  try {
    loaded = await loadProjectConfig(cwd);
  } catch (error) {
    // Without a file, the flags may still say everything; if they do not, the file's own
    // message (where to create it, which flags replace it) is the one to show.
    if (!(error instanceof AiproxyError && error.code === 'CONFIG_NOT_FOUND')) throw error;
    if (flags.repository === undefined || flags.appTemplate === undefined) throw error;
    if (flags.buildspec === undefined) throw error;
  }

  const config =
    loaded === null
      ? validateProjectConfig(withoutUndefined(flags), 'the flags (no aiproxy.config.json)')
      : mergeFlags(loaded.config, flags);
  return {
    config,
    path: loaded?.path ?? null,
    prefix: validatePrefix(config.prefix ?? DEFAULT_PREFIX),
    overridden: loaded === null ? [] : overridden,
    missingFiles: loaded?.missingFiles ?? [],
  };
}

/**
 * The prefix for commands that need no project config (`list`, `destroy`): `--prefix`, else
 * the config's when one is readable, else `aiproxy`.
 */
export async function resolvePrefix(cwd: string, flag: string | undefined): Promise<string> {
  if (flag !== undefined) return validatePrefix(flag);
  try {
    const loaded = await loadProjectConfig(cwd);
    return validatePrefix(loaded.config.prefix ?? DEFAULT_PREFIX);
  } catch (error) {
    if (error instanceof AiproxyError && error.code === 'CONFIG_NOT_FOUND') return DEFAULT_PREFIX;
    throw error;
  }
}

function withoutUndefined(flags: ProjectConfigFlags): Record<string, string> {
  return Object.fromEntries(
    Object.entries(flags).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
}
