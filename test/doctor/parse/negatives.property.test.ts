/**
 * Property tests: text that only looks like an access denial gives nothing, whatever disguise
 * it wears. The near-misses are the corpus's negative cases and generated lines from the same
 * families: Docker Hub, GitHub, MySQL, Spring, other clouds, Kubernetes, shell traces of a
 * script that greps for AccessDenied, test names.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { parseDenialText, scanDenials } from '../../../src/lib/doctor/parse/index.js';
import { CORPUS, caseText } from './corpus.js';
import {
  crlf,
  hardWrap,
  inShipperRecords,
  repeated,
  withColours,
  withLineNumbers,
} from './disguises.js';
import { cut, streamOf } from './streams.js';

const NEGATIVE = CORPUS.filter((corpusCase) => corpusCase.denials.length === 0);

const word = fc.stringMatching(/^[a-z][a-z0-9-]{1,12}$/);
const id = fc.stringMatching(/^[0-9a-f]{8}$/);

/** Lines from tools that deny access but are not AWS IAM, with random names in them. */
const nearMissArb = fc.oneof(
  fc
    .tuple(word, word)
    .map(
      ([user, host]) =>
        `ERROR 1045 (28000): Access denied for user '${user}'@'${host}' (using password: YES)`,
    ),
  fc.constant('denied: requested access to the resource is denied'),
  fc.constant(
    'toomanyrequests: You have reached your pull rate limit. You may increase the limit by authenticating and upgrading',
  ),
  fc
    .constantFrom('org.springframework.security.access', 'com.example.auth', 'javax.ws.rs')
    .map((pkg) => `${pkg}.AccessDeniedException: Access is denied`),
  fc.constant("+ grep -q -E 'AccessDenied|UnauthorizedOperation|AuthorizationError'"),
  word.map((name) => `test/test_${name}.py::test_${name}_access_denied PASSED [ 60%]`),
  fc
    .tuple(word, word)
    .map(
      ([org, repo]) => `remote: Permission to ${org}/${repo}.git denied to github-actions[bot].`,
    ),
  word.map(
    (repo) =>
      `fatal: unable to access 'https://github.com/org/${repo}/': The requested URL returned error: 403`,
  ),
  fc.constant('HTTP/1.1 403 Forbidden'),
  word.map(
    (pkg) =>
      `npm ERR! 403 403 Forbidden - PUT https://registry.npmjs.org/${pkg} - You do not have permission to publish "${pkg}".`,
  ),
  fc
    .tuple(word, word)
    .map(
      ([user, project]) =>
        `ERROR: (gcloud.compute.instances.list) User [${user}@example.com] does not have permission to access projects instance [${project}] (or it may not exist)`,
    ),
  id.map(
    (client) =>
      `AuthorizationFailed: The client '${client}' with object id '${client}' does not have authorization to perform action 'Microsoft.Resources/subscriptions/resourcegroups/read' over scope '/subscriptions/${client}'`,
  ),
  fc
    .tuple(word, word)
    .map(
      ([ns, sa]) =>
        `Error from server (Forbidden): pods is forbidden: User "system:serviceaccount:${ns}:${sa}" cannot list resource "pods" in API group "" in the namespace "${ns}"`,
    ),
  fc.constant('You are not authorized to perform this operation.'),
  word.map((user) => `User: ${user} is not authorized to view this page`),
  fc.constant('Code: 403. Errors: * permission denied'),
  fc.constant(
    'if errors.Is(err, ErrAccessDenied) { return nil, status.Error(codes.PermissionDenied, "access denied") }',
  ),
  fc.constant('class AccessDeniedException extends RuntimeException {'),
  fc.constant(
    'expect(() => handler(event)).rejects.toThrow("User: x is not authorized to perform")',
  ),
);

type Disguise = (text: string) => string;
const disguiseArb: fc.Arbitrary<Disguise> = fc.oneof(
  fc.constant<Disguise>((text) => text),
  fc.constant<Disguise>(crlf),
  fc.constant<Disguise>((text) => withLineNumbers(text, 'pipe')),
  fc.constant<Disguise>((text) => inShipperRecords(text, 2)),
  fc.constant<Disguise>((text) => repeated(text, 3, '\n')),
  fc
    .array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 12 })
    .map<Disguise>((positions) => (text) => withColours(text, positions, true)),
  fc.integer({ min: 12, max: 200 }).map<Disguise>((width) => (text) => hardWrap(text, width)),
);

async function denialsIn(text: string, sizes: number[]): Promise<[number, number]> {
  const fromText = parseDenialText(text, { file: 'text', line: 1, writer: 'build' }).length;
  const scan = await scanDenials(streamOf(cut(Buffer.from(text, 'utf8'), sizes)), { file: 's' });
  return [fromText, scan.denials.length];
}

const sizesArb = fc.array(fc.integer({ min: 1, max: 2048 }), { minLength: 1, maxLength: 4 });

describe('text that only looks like a denial gives nothing', () => {
  it.each(NEGATIVE.map((corpusCase) => corpusCase.file))(
    'the negative case %s, plain',
    async (file) => {
      expect(await denialsIn(caseText(file), [65536])).toEqual([0, 0]);
    },
  );

  it('the negative cases under any disguise', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...NEGATIVE),
        disguiseArb,
        disguiseArb,
        sizesArb,
        async (corpusCase, first, second, sizes) => {
          // Given a near-miss log, disguised twice over
          const text = second(first(caseText(corpusCase.file)));

          // Then neither reader reports a denial
          expect(await denialsIn(text, sizes)).toEqual([0, 0]);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('generated near-misses, alone or together, under any disguise', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(nearMissArb, { minLength: 1, maxLength: 8 }),
        disguiseArb,
        sizesArb,
        async (lines, disguise, sizes) => {
          expect(await denialsIn(disguise(lines.join('\n')), sizes)).toEqual([0, 0]);
        },
      ),
      { numRuns: 300 },
    );
  });
});
