import { Command, Flags, type Interfaces } from '@oclif/core';

import { EXIT_CODE_TABLE, type ExitCodeValue } from './lib/errors.js';
import { colorEnabled, makeStyle, type Style } from './lib/ui/style.js';

/** The exit-code table as a help section, shown by every command's `--help`. */
export const EXIT_CODES_HELP = EXIT_CODE_TABLE.map(
  // Padded after the code: oclif trims each help line's leading spaces.
  ([code, meaning]) => `${String(code).padEnd(2)}  ${meaning}`,
).join('\n');

/** Flags every command understands. */
export const commonFlags = {
  profile: Flags.string({
    description: 'AWS profile to use (default: the AWS_PROFILE variable, then the default chain).',
    helpGroup: 'GLOBAL',
  }),
  region: Flags.string({
    description: 'AWS region (default: AWS_REGION, then the profile).',
    helpGroup: 'GLOBAL',
  }),
  json: Flags.boolean({
    description: 'Print exactly one JSON object on stdout (errors too).',
    helpGroup: 'GLOBAL',
    default: false,
  }),
  verbose: Flags.boolean({
    description: 'More detail, and stack traces on errors. DEBUG=aiproxy:* adds diagnostics.',
    helpGroup: 'GLOBAL',
    default: false,
  }),
};

export type CommonFlags = Interfaces.InferredFlags<typeof commonFlags>;

/**
 * The base of every aiproxy command: common flags, one way to print, and an exit code that
 * comes from the command's result rather than from oclif's defaults.
 */
export abstract class AiproxyCommand extends Command {
  static override baseFlags = commonFlags;

  /** Colour functions for stdout, off under NO_COLOR or when stdout is not a terminal. */
  protected style: Style = makeStyle(false);

  /** Runs the command and returns its exit code (see EXIT_CODE_TABLE). */
  protected abstract execute(): Promise<ExitCodeValue>;

  override async run(): Promise<void> {
    this.style = makeStyle(colorEnabled(process.stdout));
    process.exitCode = await this.execute();
  }

  /** Prints one JSON document on stdout. */
  protected printJson(value: unknown): void {
    process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  }

  /** Prints text for people on stdout. */
  protected print(text: string): void {
    process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  /** Prints progress and warnings on stderr, so stdout stays clean for pipes. */
  protected note(text: string): void {
    process.stderr.write(text.endsWith('\n') ? text : `${text}\n`);
  }
}
