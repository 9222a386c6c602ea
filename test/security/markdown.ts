import { fileURLToPath } from 'node:url';

import { format, resolveConfig } from 'prettier';

/**
 * Formats a generated document as `npm run lint` (prettier --check .) expects it, so the
 * committed file is both current and lint-clean.
 */
export async function formatMarkdown(markdown: string, path: URL): Promise<string> {
  const file = fileURLToPath(path);
  const config = (await resolveConfig(file)) ?? {};
  return format(markdown, { ...config, filepath: file, parser: 'markdown' });
}
