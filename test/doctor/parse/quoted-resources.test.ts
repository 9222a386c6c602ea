/**
 * S3's current access-denied message quotes the resource (`on resource: "arn:aws:s3:::b/k"`),
 * and log layers escape those quotes once or twice. Every quoted form reads exactly like the
 * same message without quotes: the resource without its quotes, then the policy type, the
 * kind of deny and the denying policy's ARN.
 */
import { describe, expect, it } from 'vitest';

import { parseDenialText, scanDenials } from '../../../src/lib/doctor/parse/index.js';
import type { ParsedDenial } from '../../../src/lib/doctor/types.js';
import { hardWrap, inAppJson, inShipperRecords } from './disguises.js';
import { streamOf } from './streams.js';

const SCP_ARN = 'arn:aws:organizations::111111111111:policy/o-abc/service_control_policy/p-xyz';

// The two lines a new user reported, each alone in a log.
const S3_SCP = `User: arn:aws:sts::123456789012:assumed-role/aiproxy-x-cicd-BuildRole-ABC/AWSCodeBuild-1234 is not authorized to perform: s3:PutObject on resource: "arn:aws:s3:::other-bucket/x" with an explicit deny in a service control policy: ${SCP_ARN}`;
const S3_CLI =
  'An error occurred (AccessDenied) when calling the CreateBucket operation: User: arn:aws:iam::123456789012:user/dev is not authorized to perform: s3:CreateBucket on resource: "arn:aws:s3:::my-bucket" because no identity-based policy allows the s3:CreateBucket action';

type Fields = Pick<
  ParsedDenial,
  'principal' | 'action' | 'operation' | 'resource' | 'policyType' | 'deny' | 'policyArn'
>;

function fieldsOf(denial: ParsedDenial | undefined): Fields | undefined {
  if (denial === undefined) return undefined;
  const { principal, action, operation, resource, policyType, deny, policyArn } = denial;
  return { principal, action, operation, resource, policyType, deny, policyArn };
}

function readText(text: string): ParsedDenial[] {
  return parseDenialText(text, { file: 'build.log', line: 1, writer: 'build' });
}

/** The same message with its quotes taken off: what the quoted form must read as. */
function unquoted(line: string): string {
  return line.replace(/\\*["'`](arn:[^"'`\\]+|\*)\\*["'`]/g, '$1');
}

describe('a quoted resource', () => {
  it("reads S3's explicit SCP deny in full", () => {
    // Given S3's current message, which quotes the object's ARN
    const [denial] = readText(S3_SCP);

    // Then the resource comes without quotes, and the reason clause after it is read
    expect(fieldsOf(denial)).toEqual({
      principal:
        'arn:aws:sts::123456789012:assumed-role/aiproxy-x-cicd-BuildRole-ABC/AWSCodeBuild-1234',
      action: 's3:PutObject',
      operation: null,
      resource: 'arn:aws:s3:::other-bucket/x',
      policyType: 'scp',
      deny: 'explicit',
      policyArn: SCP_ARN,
    });
  });

  it("reads S3's implicit identity deny inside the CLI's wrapper", () => {
    const [denial] = readText(S3_CLI);

    expect(fieldsOf(denial)).toEqual({
      principal: 'arn:aws:iam::123456789012:user/dev',
      action: 's3:CreateBucket',
      operation: 'CreateBucket',
      resource: 'arn:aws:s3:::my-bucket',
      policyType: 'identity',
      deny: 'implicit',
      policyArn: null,
    });
  });

  const sqs =
    "User: arn:aws:sts::123456789012:assumed-role/r/s is not authorized to perform: sqs:SendMessage on resource: 'arn:aws:sqs:eu-west-1:123456789012:jobs' with an explicit deny in a resource-based policy";
  const logfmt = `level=error msg="upload failed" err="${S3_CLI.replace(/"/g, '\\"')}"`;

  it.each<[string, string, string]>([
    ['escaped once in an application JSON log', S3_CLI, inAppJson(S3_CLI, 1)],
    ['escaped twice in an application JSON log', S3_SCP, inAppJson(S3_SCP, 2)],
    ["in a log shipper's record of a record", S3_SCP, inShipperRecords(S3_SCP, 2)],
    ['escaped by a logfmt logger (`\\"`), no JSON around it', S3_CLI, logfmt],
    ['in single quotes, as other services and tools print it', sqs, sqs],
    ['with the denying policy ARN quoted too', S3_SCP, S3_SCP.replace(SCP_ARN, `"${SCP_ARN}"`)],
    ['cut by a terminal right after the opening quote', S3_SCP, hardWrap(S3_SCP, 149)],
    ['cut by a terminal inside the ARN', S3_CLI, hardWrap(S3_CLI, 185)],
  ])('reads like the unquoted message when %s', async (_form, message, printed) => {
    // Given the message as some log layer printed it, quotes and all
    // When it is read as a text and streamed
    const fromText = readText(printed);
    const fromStream = (await scanDenials(streamOf([printed]), { file: 'build.log' })).denials;

    // Then it gives exactly what the same message without quotes gives
    const expected = readText(unquoted(message)).map(fieldsOf);
    expect(expected[0]?.resource).toMatch(/^arn:[^"'\\]+$/);
    expect(fromText.map(fieldsOf)).toEqual(expected);
    expect(fromStream.map(fieldsOf)).toEqual(expected);
  });

  it('counts the quoted and the unquoted message as one denial', () => {
    // Given a retry loop that printed the message once quoted and once not
    const denials = readText(`${S3_SCP}\n${unquoted(S3_SCP)}`);

    // Then they are the same denial, seen twice
    expect(denials).toHaveLength(1);
    expect(denials[0]?.count).toBe(2);
  });

  it('keeps the resource when the closing quote was cut off', () => {
    // Given a message truncated right after the ARN
    const [denial] = readText(S3_CLI.slice(0, S3_CLI.indexOf('" because')));

    // Then the resource is still read, without the opening quote
    expect(denial?.resource).toBe('arn:aws:s3:::my-bucket');
  });
});
