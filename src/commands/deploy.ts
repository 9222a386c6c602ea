import { AiproxyCommand, EXIT_CODES_HELP } from '../base-command.js';
import { AiproxyError, ExitCode, type ExitCodeValue } from '../lib/errors.js';

export default class Deploy extends AiproxyCommand {
  static override summary = 'Deploy the CI/CD pipeline stack for a branch.';

  static override description = `Not built yet: tracked as issue #5.

EXIT CODES
${EXIT_CODES_HELP}`;

  protected async execute(): Promise<ExitCodeValue> {
    await this.parse(Deploy);
    throw new AiproxyError('NOT_BUILT', '`aiproxy deploy` is not built yet (issue #5).', {
      exitCode: ExitCode.Usage,
      suggestions: ['Use `aiproxy doctor --log-file PATH` to diagnose a build log today.'],
    });
  }
}
