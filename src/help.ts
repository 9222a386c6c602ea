import { Help } from '@oclif/core';

import { EXIT_CODES_HELP } from './base-command.js';

/** oclif's help, with the exit-code table that every command shares added to the root page. */
export default class AiproxyHelp extends Help {
  override async showRootHelp(): Promise<void> {
    await super.showRootHelp();
    this.log(`\nEXIT CODES (every command)\n${EXIT_CODES_HELP.replace(/^/gm, '  ')}\n`);
  }
}
