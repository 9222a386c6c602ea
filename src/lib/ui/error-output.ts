import { inspect } from 'node:util';

import type { AiproxyError } from '../errors.js';
import { stripControl } from '../text.js';
import { makeStyle } from './style.js';

/** How to print an error. */
export interface ErrorOutputOptions {
  json: boolean;
  verbose: boolean;
  color: boolean;
}

/**
 * Formats an error for the terminal (message, code, suggestions) or as one JSON object.
 * Messages can quote AWS or log text, so control characters are stripped.
 */
export function formatError(error: AiproxyError, options: ErrorOutputOptions): string {
  const message = stripControl(error.message);
  const suggestions = error.suggestions.map(stripControl);

  if (options.json) {
    const body: Record<string, unknown> = {
      error: { code: error.code, message, suggestions, exitCode: error.exitCode },
    };
    if (options.verbose && error.cause !== undefined) {
      (body.error as Record<string, unknown>).cause = inspect(error.cause, { depth: 4 });
    }
    return `${JSON.stringify(body, null, 2)}\n`;
  }

  const style = makeStyle(options.color);
  const lines = [`${style.red(style.bold('Error'))} ${style.dim(`[${error.code}]`)}: ${message}`];
  for (const suggestion of suggestions) lines.push(`  ${style.cyan('→')} ${suggestion}`);
  if (options.verbose) {
    lines.push('', style.dim(stripControl(inspect(error.cause ?? error, { depth: 6 }))));
  } else if (error.exitCode === 70) {
    lines.push(style.dim('  (run with --verbose for the stack trace)'));
  }
  return `${lines.join('\n')}\n`;
}
