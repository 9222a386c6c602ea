/**
 * A reader that goes away: `aiproxy setup 2>&1 | head` against moto, with no terminal. The
 * pipe closes while setup is still printing the change set; setup must still refuse (no
 * `--yes`, exit 4) and delete the empty stack its change set made, not die of EPIPE with
 * exit 1 ("denials found") and leave a REVIEW_IN_PROGRESS stack behind.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { CloudFormationClient, ListStacksCommand } from '@aws-sdk/client-cloudformation';
import { describe, expect, it } from 'vitest';

import { useMoto } from '../support/moto.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

useMoto();

describe.skipIf(!existsSync(`${ROOT}dist/main.js`))('setup piped into head', () => {
  it('refuses (exit 4) and leaves no empty stack when the reader closes early', async () => {
    const run = spawnSync(
      'bash',
      ['-c', 'node bin/run.js setup </dev/null 2>&1 | head -3 >/dev/null; exit ${PIPESTATUS[0]}'],
      { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' }, encoding: 'utf8', timeout: 120_000 },
    );

    expect(run.status).toBe(4);
    const { StackSummaries } = await new CloudFormationClient({}).send(new ListStacksCommand({}));
    expect(StackSummaries?.map((s) => `${s.StackName} ${s.StackStatus}`)).toEqual([
      'aiproxy-global DELETE_COMPLETE',
    ]);
  });
});
