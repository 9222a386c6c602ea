/**
 * Who a denial's line looks written by. The CodeBuild agent's `[Container]` prefix is only a
 * shape, which any build step can print. The agent (a Go program on the SDK for Go v1) never
 * prints the AWS CLI's wrapper, another SDK's or a stack trace, and the buildspec commands it
 * echoes are the build's text: a denial in any of these is build output whatever its prefix.
 */
import { describe, expect, it } from 'vitest';

import { openLogSource } from '../../../src/lib/doctor/log-source.js';
import { scanDenials } from '../../../src/lib/doctor/parse/index.js';
import type { LogWriter } from '../../../src/lib/doctor/types.js';
import { CORPUS, casePath } from './corpus.js';
import { crlf, inShipperRecords } from './disguises.js';
import { streamOf } from './streams.js';

const AGENT = '[Container] 2024/01/01 00:00:01.000';
const ROLE = 'arn:aws:sts::123456789012:assumed-role/aiproxy-x-cicd-BuildRole-ABC';
const PASS_ROLE = `User: ${ROLE}/s is not authorized to perform: iam:PassRole on resource: arn:aws:iam::123456789012:role/Admin`;

// What the agent prints itself: an error it got while fetching the source, or secrets for the
// environment, in the SDK for Go v1's format (the status line comes on a line of its own).
const AGENT_SOURCE_DENIAL = `${AGENT} Phase context status code: CLIENT_ERROR Message: error while downloading key s3://bucket/source.zip, error: AccessDenied: Access Denied\n\tstatus code: 403, request id: 4Q0Z, host id: abc=`;
const AGENT_SSM_DENIAL = `${AGENT} Phase context status code: Decrypted Variables Error Message: AccessDeniedException: User: ${ROLE}/AWSCodeBuild-1 is not authorized to perform: ssm:GetParameters on resource: arn:aws:ssm:eu-west-1:123456789012:parameter/app/token\n\tstatus code: 400, request id: 0c1d`;

async function writersOf(log: string): Promise<{ line: number; writer: LogWriter }[]> {
  const { denials } = await scanDenials(streamOf([log]), { file: 'build.log' });
  return denials.map(({ source }) => ({ line: source.line, writer: source.writer }));
}

describe('who a denial looks written by', () => {
  it("calls the issue's forged [Container] line build output", async () => {
    // Given a build step that printed the AWS CLI's error behind the agent's prefix
    const log = `${AGENT} Running command ./deploy.sh\n${AGENT} An error occurred (AccessDenied) when calling the PassRole operation: ${PASS_ROLE}`;

    // Then the denial on line 2 is the build's output: the agent never prints the CLI wrapper
    expect(await writersOf(log)).toEqual([{ line: 2, writer: 'build' }]);
  });

  it.each<[string, string]>([
    [
      'behind the old CLI wrapper',
      `${AGENT} A client error (AccessDenied) occurred when calling the PassRole operation: ${PASS_ROLE}`,
    ],
    [
      'with a Java SDK suffix',
      `${AGENT} ${PASS_ROLE} (Service: Iam; Status Code: 403; Error Code: AccessDenied; Request ID: 1)`,
    ],
    [
      'behind a Go SDK v2 wrapper',
      `${AGENT} operation error IAM: PassRole, https response error StatusCode: 403, RequestID: 1, api error AccessDenied: ${PASS_ROLE}`,
    ],
    [
      'with a JavaScript SDK stack trace under it',
      `${AGENT} AccessDeniedException: ${PASS_ROLE}\n    at de_PassRoleCommandError (/app/node_modules/@aws-sdk/client-iam/dist-cjs/index.js:1:2)`,
    ],
    [
      'behind a .NET SDK exception',
      `${AGENT} Amazon.IdentityManagement.AmazonIdentityManagementServiceException: ${PASS_ROLE}`,
    ],
    ['echoed by the agent as the command it runs', `${AGENT} Running command echo "${PASS_ROLE}"`],
    [
      "echoed in the agent's report of a failed command",
      `${AGENT} Phase context status code: COMMAND_EXECUTION_ERROR Message: Error while executing command: echo "${PASS_ROLE}". Reason: exit status 1`,
    ],
    ['after an escaped newline on an agent line', `${AGENT} done\\n${PASS_ROLE}`],
    ['after a carriage return on an agent line', `${AGENT} done\r${PASS_ROLE}`],
    ['behind a prefix without the timestamp the agent writes', `[Container] ${PASS_ROLE}`],
  ])('calls a [Container] line build output %s', async (_form, log) => {
    const writers = await writersOf(log);

    expect(writers).toHaveLength(1);
    expect(writers[0]?.writer).toBe('build');
  });

  it.each<[string, string]>([
    ['source download denied (no detail)', AGENT_SOURCE_DENIAL],
    ['parameter store denied (a full sentence)', AGENT_SSM_DENIAL],
    ['after CRLF line endings', crlf(AGENT_SSM_DENIAL)],
    ["in a log shipper's records", inShipperRecords(AGENT_SOURCE_DENIAL, 2)],
  ])("keeps `aws` for the agent's own report: %s", async (_form, log) => {
    expect(await writersOf(`${AGENT} Entering phase INSTALL\n${log}`)).toEqual([
      { line: 2, writer: 'aws' },
    ]);
  });

  it('keeps every corpus denial as it was: none is on an agent line, all are build output', async () => {
    // Given the corpus, where the CodeBuild logs put their denials on the build's lines
    for (const corpusCase of CORPUS) {
      const path = casePath(corpusCase.file);
      const { denials } = await scanDenials(await openLogSource(path), { file: path });

      // Then the agent's [Container] lines around them change nothing
      expect(denials.map((denial) => denial.source.writer)).toEqual(denials.map(() => 'build'));
    }
  });
});
