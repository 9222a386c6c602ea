import { Args, Command, loadHelpClass } from '@oclif/core';

/** `aiproxy help [COMMAND]`: the same pages as `--help`, for those who type it first. */
export default class Help extends Command {
  static override summary = 'Show help for aiproxy, or for one of its commands.';

  static override args = {
    command: Args.string({ description: 'Command to show help for.', required: false }),
  };

  static override strict = false;

  static override examples = ['<%= config.bin %> help', '<%= config.bin %> help doctor'];

  async run(): Promise<void> {
    const { argv } = await this.parse(Help);
    const HelpClass = await loadHelpClass(this.config);
    await new HelpClass(this.config, { all: false }).showHelp(argv as string[]);
  }
}
