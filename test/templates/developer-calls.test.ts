import { existsSync, readFileSync, writeFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import { delegatedPatterns, globalArns, globalNames, TEMPLATE_ENV } from '../../src/lib/names.js';
import {
  DEVELOPER_CALLS,
  developerStatements,
  renderDeveloperCallsMarkdown,
} from '../../src/lib/templates/developer-calls.js';
import { formatMarkdown } from '../security/markdown.js';

const scope = {
  n: globalNames('aiproxy'),
  g: globalArns('aiproxy'),
  d: delegatedPatterns('aiproxy'),
  env: TEMPLATE_ENV,
};

describe('developer calls', () => {
  it('docs/developer-calls.md is rendered from the committed table', async () => {
    const path = new URL('../../docs/developer-calls.md', import.meta.url);
    const expected = await formatMarkdown(renderDeveloperCallsMarkdown(scope), path);

    if (process.env.UPDATE_DOCS === '1') writeFileSync(path, expected);

    expect(existsSync(path), 'run UPDATE_DOCS=1 npx vitest run test/templates').toBe(true);
    expect(readFileSync(path, 'utf8')).toBe(expected);
  });

  it('lists every row in the document', () => {
    const doc = renderDeveloperCallsMarkdown(scope);

    for (const call of DEVELOPER_CALLS)
      expect(doc).toContain(`| ${call.service} | ${call.action} |`);
  });

  it('turns every row into a grant, and nothing else', () => {
    const granted = developerStatements(scope).flatMap((s) => s.Action ?? []);

    expect(new Set(granted)).toEqual(
      new Set(DEVELOPER_CALLS.map((c) => `${c.service}:${c.action}`)),
    );
  });

  it('covers the four developer commands', () => {
    const commands = new Set(DEVELOPER_CALLS.flatMap((c) => c.commands));

    expect([...commands].sort()).toEqual(['deploy', 'destroy', 'doctor', 'list']);
  });

  it('conditions every stack change on the execution role', () => {
    const changes = DEVELOPER_CALLS.filter((c) =>
      [
        'CreateChangeSet',
        'CreateStack',
        'UpdateStack',
        'DeleteStack',
        'ContinueUpdateRollback',
        'RollbackStack',
      ].includes(c.action),
    );

    expect(changes.length).toBeGreaterThan(0);
    for (const call of changes) expect(call.condition, call.action).toBe('executionRole');
  });
});
