import { AiproxyCommand, EXIT_CODES_HELP } from '../base-command.js';
import { AiproxyError, ExitCode, type ExitCodeValue } from '../lib/errors.js';

export default class Setup extends AiproxyCommand {
  static override summary = "Deploy the account's global aiproxy stack (admins, once per region).";

  static override description = `Not built yet: tracked as issue #4.

EXIT CODES
${EXIT_CODES_HELP}`;

  protected async execute(): Promise<ExitCodeValue> {
    await this.parse(Setup);
    throw new AiproxyError('NOT_BUILT', '`aiproxy setup` is not built yet (issue #4).', {
      exitCode: ExitCode.Usage,
      suggestions: ['Use `aiproxy doctor --log-file PATH` to diagnose a build log today.'],
    });
  }
}
