/**
 * What the scanner says about where a denial was: the original line number (whatever the
 * disguise and the chunking), who wrote it, and the log's size.
 */
import { describe, expect, it } from 'vitest';

import { parseDenialText, scanDenials } from '../../../src/lib/doctor/parse/index.js';
import { caseText } from './corpus.js';
import { crlf, hardWrap, inShipperRecords } from './disguises.js';
import { cut, streamOf } from './streams.js';

async function scan(text: string, sizes = [65536]) {
  return scanDenials(streamOf(cut(Buffer.from(text, 'utf8'), sizes)), { file: 'build.log' });
}

const AGENT_DENIAL =
  '[Container] 2023/01/01 00:00:00.000000 Phase context status code: CLIENT_ERROR Message: error while downloading key s3://bucket/source.zip, error: AccessDenied: Access Denied status code: 403, request id: 4Q0Z, host id: abc=';

describe('the scanner', () => {
  it('reports the line of the first occurrence in the original numbering', async () => {
    // Given the ECR example, with the denial on line 10, after CRLF and odd chunking
    const text = caseText('003-codebuild-docker-push-completelayerupload-oldstyle.log');

    for (const variant of [text, crlf(text), inShipperRecords(text, 1)]) {
      const [denial] = (await scan(variant, [5, 11, 3])).denials;
      expect(denial?.source).toEqual({ file: 'build.log', line: 10, writer: 'build' });
    }
  });

  it('counts lines and bytes as wc does', async () => {
    const text = 'one\ntwo\nthree';
    const result = await scan(text, [2]);
    expect(result).toMatchObject({ bytes: 13, lines: 3, denials: [] });
    expect((await scan(`${text}\n`)).lines).toBe(3);
  });

  it('keeps the first line of a denial cut by a terminal, and far down a big log', async () => {
    // Given 50,000 lines of build output, then a denial a console copy cut at 80 columns
    const noise = Array.from({ length: 50_000 }, (_, i) => `npm info step ${i}`).join('\n');
    const denialLine =
      'An error occurred (AccessDenied) when calling the AssumeRole operation: User: arn:aws:iam::123456789012:user/ci is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::123456789012:role/deploy';
    const text = `${noise}\n${hardWrap(denialLine, 80)}\n`;

    // When it is scanned in 64 KiB chunks
    const [denial] = (await scan(text)).denials;

    // Then it is read whole, at the line where it starts
    expect(denial?.resource).toBe('arn:aws:iam::123456789012:role/deploy');
    expect(denial?.source.line).toBe(50_001);
  });

  it("says `aws` for what the CodeBuild agent printed, `build` for the build's own output", async () => {
    // Given a denial on a [Container] agent line, and one a build command printed
    const text = `${AGENT_DENIAL}\n${caseText('041-cli-session-policy-federated-user.log')}`;

    const { denials } = await scan(text);

    expect(denials.map((denial) => denial.source.writer)).toEqual(['aws', 'build']);
    expect(denials[0]).toMatchObject({ principal: null, action: null, operation: null });
  });

  it('takes the writer from the caller for API text', () => {
    const [denial] = parseDenialText(AGENT_DENIAL.replace('[Container]', ''), {
      file: 'stack-events:app',
      line: 7,
      writer: 'aws',
    });
    expect(denial?.source).toEqual({ file: 'stack-events:app', line: 7, writer: 'aws' });
  });

  it('carries the operation and the service the envelope names', async () => {
    const { denials } = await scan(
      [
        caseText('054-go-v2-ecs-updateservice-passrole-email-session.log'),
        caseText('059-dotnet-secretsmanager-listsecrets-no-resource.log'),
        caseText('015-cli-s3-cp-old-client-error.log'),
      ].join('\n'),
    );
    expect(denials.map((d) => [d.operation, d.serviceHint])).toEqual([
      ['UpdateService', 'ecs'],
      [null, 'secretsmanager'],
      ['PutObject', null],
    ]);
  });

  it('reads the denying policy ARN at the end of an explicit deny', () => {
    const [denial] = parseDenialText(
      'User: arn:aws:sts::123456789012:assumed-role/ci/s is not authorized to perform: s3:PutObject on resource: arn:aws:s3:::b/k with an explicit deny in a service control policy: arn:aws:organizations::111111111111:policy/o-abc/service_control_policy/p-123.',
      { file: 'x', line: 1, writer: 'build' },
    );
    expect(denial).toMatchObject({
      policyType: 'scp',
      deny: 'explicit',
      policyArn: 'arn:aws:organizations::111111111111:policy/o-abc/service_control_policy/p-123',
    });
  });
});
