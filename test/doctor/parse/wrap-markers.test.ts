/**
 * A row that starts with `---` or `===` after a row as wide as the terminal: a test runner's or
 * a build tool's marker (`--- FAIL`, `=== RUN`, `===>`, a rule) starts a line of its own, while
 * the tail of a name cut right before its dashes (`deploy` / `---blue`) is glued back.
 */
import { describe, expect, it } from 'vitest';

import { parseDenialText } from '../../../src/lib/doctor/parse/index.js';
import { hardWrap } from './disguises.js';

const PRINCIPAL = 'arn:aws:iam::123456789012:user/ci';

function resourcesIn(text: string): (string | null)[] {
  return parseDenialText(text, { file: 'build.log', line: 1, writer: 'build' }).map(
    (denial) => denial.resource,
  );
}

describe('a row starting with dashes or equals signs after a full-width row', () => {
  it.each(['deploy---blue', 'deploy===blue', 'a--------b'])(
    'is the rest of a name cut before its run: role %s',
    (name) => {
      // Given a denial cut by a terminal right before the run of dashes in a role's name
      const line = `Error: User: ${PRINCIPAL} is not authorized to perform: iam:PassRole on resource: role ${name}`;
      const width = line.indexOf(name) + name.search(/[-=]/);

      // When it is read
      const resources = resourcesIn(hardWrap(line, width));

      // Then the name is whole
      expect(resources).toEqual([`role ${name}`]);
    },
  );

  it.each(['--- FAIL: TestDeploy (0.01s)', '=== RUN   TestDeploy', '===> Packaging', '-----'])(
    'starts a line of its own when it is a marker: %s',
    (marker) => {
      // Given a denial exactly 120 columns wide, so it may have been cut at its end, then a marker
      const head = `Error: User: ${PRINCIPAL} is not authorized to perform: iam:PassRole on resource: role `;
      const line = head + 'x'.repeat(120 - head.length);
      const text = [`# ${'-'.repeat(118)}`, line, marker].join('\n');

      // Then the marker is not read as the rest of the role's name
      expect(resourcesIn(text)).toEqual([`role ${'x'.repeat(120 - head.length)}`]);
    },
  );
});
