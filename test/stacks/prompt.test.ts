import { describe, expect, it, vi } from 'vitest';

import { confirmAction } from '../../src/lib/ui/prompt.js';

/** The error @inquirer/prompts throws when the user presses Ctrl-C at a prompt. */
function ctrlC(): Error {
  return Object.assign(new Error('User force closed the prompt with SIGINT'), {
    name: 'ExitPromptError',
  });
}

describe('confirmAction', () => {
  it('answers yes for --yes without asking anyone', async () => {
    const ask = vi.fn();
    await expect(
      confirmAction('Deploy?', { yes: true, json: false, interactive: false, ask }),
    ).resolves.toBe(true);
    expect(ask).not.toHaveBeenCalled();
  });

  it('refuses without a terminal and without --yes (exit 4), naming --yes', async () => {
    await expect(
      confirmAction('Deploy?', { yes: false, json: false, interactive: false }),
    ).rejects.toMatchObject({
      code: 'NEEDS_YES',
      exitCode: 4,
      suggestions: [expect.stringContaining('--yes') as unknown],
    });
  });

  it('names a way to review first only when the command has one', async () => {
    const refusal = (review?: string) =>
      confirmAction('Delete?', {
        yes: false,
        json: false,
        interactive: false,
        ...(review === undefined ? {} : { review }),
      }).catch((error: unknown) => error);

    expect(await refusal()).toMatchObject({
      suggestions: [expect.not.stringContaining('--dry-run') as unknown],
    });
    expect(await refusal('Review the template with --dry-run.')).toMatchObject({
      suggestions: ['Review the template with --dry-run.', expect.stringContaining('--yes')],
    });
  });

  it('refuses under --json without --yes, even on a terminal', async () => {
    const ask = vi.fn();
    await expect(
      confirmAction('Deploy?', { yes: false, json: true, interactive: true, ask }),
    ).rejects.toMatchObject({ code: 'NEEDS_YES' });
    expect(ask).not.toHaveBeenCalled();
  });

  it('goes ahead when the person answers yes', async () => {
    const ask = vi.fn(() => Promise.resolve(true));
    await expect(
      confirmAction('Deploy?', { yes: false, json: false, interactive: true, ask }),
    ).resolves.toBe(true);
    expect(ask).toHaveBeenCalledWith('Deploy?');
  });

  it('turns a no into DECLINED (exit 4)', async () => {
    await expect(
      confirmAction('Deploy?', {
        yes: false,
        json: false,
        interactive: true,
        ask: () => Promise.resolve(false),
      }),
    ).rejects.toMatchObject({ code: 'DECLINED', exitCode: 4 });
  });

  it('treats Ctrl-C at the prompt as declined, not a crash', async () => {
    await expect(
      confirmAction('Deploy?', {
        yes: false,
        json: false,
        interactive: true,
        ask: () => Promise.reject(ctrlC()),
      }),
    ).rejects.toMatchObject({ code: 'DECLINED' });
  });
});
