/**
 * Two denials printed on consecutive lines stay two lines: a line that opens a denial sentence
 * of its own (`User: … is not authorized to perform: …`) after a line that already holds one is
 * never read as the wrapped tail of that line, whatever disguise the log wears. Each denial
 * keeps its own source line and its own operation (none when its line names none). Genuine
 * wraps, where the tail starts with `User:` but the head holds no sentence yet, stay joined.
 */
import { describe, expect, it } from 'vitest';

import { parseDenialText, scanDenials } from '../../../src/lib/doctor/parse/index.js';
import type { ParsedDenial } from '../../../src/lib/doctor/types.js';
import { crlf, hardWrap, inAppJson, inShipperRecords, withLineNumbers } from './disguises.js';
import { cut, streamOf } from './streams.js';

const BUILD_ROLE =
  'arn:aws:sts::123456789012:assumed-role/aiproxy-x-cicd-BuildRole-ABC/AWSCodeBuild-1234';
const ADMIN = 'arn:aws:iam::123456789012:role/Admin';
const PASS_ROLE_CLI = `An error occurred (AccessDenied) when calling the PassRole operation: User: ${BUILD_ROLE} is not authorized to perform: iam:PassRole on resource: ${ADMIN}`;
const PUT_OBJECT = `User: ${BUILD_ROLE} is not authorized to perform: s3:PutObject on resource: "arn:aws:s3:::other-bucket/x" because no identity-based policy allows the s3:PutObject action`;
const AGENT_PREFIX = '[Container] 2024/05/01 10:00:00.123456 ';

type Where = Pick<
  ParsedDenial,
  'action' | 'operation' | 'resource' | 'policyType' | 'deny' | 'principal'
> & { line: number };

function whereOf(denial: ParsedDenial): Where {
  const { action, operation, resource, policyType, deny, principal } = denial;
  return { line: denial.source.line, action, operation, resource, policyType, deny, principal };
}

/** The PassRole denial as read from line `line`; `operation` is what its own line names. */
function passRole(line: number, operation: string | null = 'PassRole', resource = ADMIN): Where {
  const principal = BUILD_ROLE;
  return {
    line,
    action: 'iam:PassRole',
    operation,
    resource,
    policyType: null,
    deny: null,
    principal,
  };
}

/** The PutObject denial as read from line `line`: its line names no operation. */
function putObject(line: number): Where {
  return {
    line,
    action: 's3:PutObject',
    operation: null,
    resource: 'arn:aws:s3:::other-bucket/x',
    policyType: 'identity',
    deny: 'implicit',
    principal: BUILD_ROLE,
  };
}

/** The PassRole line padded (in its role name) to exactly `multiple` columns, or a multiple. */
function passRoleFilling(multiple: number, line = PASS_ROLE_CLI): { text: string; arn: string } {
  const length = Math.ceil((line.length + 1) / multiple) * multiple;
  const arn = ADMIN + 'x'.repeat(length - line.length);
  return { text: line.replace(ADMIN, arn), arn };
}

/** What the text gives when parsed whole, and when streamed in odd-sized chunks. */
async function readBoth(text: string): Promise<[Where[], Where[]]> {
  const fromText = parseDenialText(text, { file: 'build.log', line: 1, writer: 'build' });
  const chunks = streamOf(cut(Buffer.from(text, 'utf8'), [97, 13]));
  const fromStream = (await scanDenials(chunks, { file: 'build.log' })).denials;
  return [fromText.map(whereOf), fromStream.map(whereOf)];
}

describe('two denials on consecutive lines', () => {
  const ci = 'arn:aws:iam::123456789012:user/ci';
  const short = `User: ${ci} is not authorized to perform: iam:PassRole on resource: ${ADMIN}`;
  const shortCli = PASS_ROLE_CLI.replace(BUILD_ROLE, ci);
  // A banner line as wide as the terminal: it confirms the width other lines were cut at.
  const rule = (width: number, char: string) => `# ${char.repeat(width - 2)}`;

  it.each<[string, string, Where[]]>([
    ['as printed', `${PASS_ROLE_CLI}\n${PUT_OBJECT}`, [passRole(1), putObject(2)]],
    [
      'with CRLF line endings',
      crlf(`${PASS_ROLE_CLI}\n${PUT_OBJECT}\n`),
      [passRole(1), putObject(2)],
    ],
    [
      "after the CodeBuild agent's prefix on both lines",
      `${AGENT_PREFIX}${PASS_ROLE_CLI}\n${AGENT_PREFIX}${PUT_OBJECT}`,
      [passRole(1), putObject(2)],
    ],
    [
      "after the CodeBuild agent's prefix on the second line only",
      `${PASS_ROLE_CLI}\n${AGENT_PREFIX}${PUT_OBJECT}`,
      [passRole(1), putObject(2)],
    ],
    [
      'behind a level and an exception class',
      `${PASS_ROLE_CLI}\nERROR AccessDeniedException: ${PUT_OBJECT}`,
      [passRole(1), putObject(2)],
    ],
    ['indented', `${PASS_ROLE_CLI}\n    ${PUT_OBJECT}`, [passRole(1), putObject(2)]],
    [
      "in a log shipper's records",
      inShipperRecords(`${PASS_ROLE_CLI}\n${PUT_OBJECT}`, 1),
      [passRole(1), putObject(2)],
    ],
    [
      "in a log shipper's records of records",
      inShipperRecords(`${PASS_ROLE_CLI}\n${PUT_OBJECT}`, 2),
      [passRole(1), putObject(2)],
    ],
    [
      'each JSON-escaped in an application log line',
      `${inAppJson(PASS_ROLE_CLI, 1)}\n${inAppJson(PUT_OBJECT, 2)}`,
      [passRole(1), putObject(2)],
    ],
    [
      'with console line numbers',
      withLineNumbers(`${PASS_ROLE_CLI}\n${PUT_OBJECT}`, 'pipe'),
      [passRole(1), putObject(2)],
    ],
    [
      'after a first line a tool word-wrapped',
      PASS_ROLE_CLI.replace(' arn:aws:iam::', '\narn:aws:iam::') + `\n${PUT_OBJECT}`,
      [passRole(1), putObject(3)],
    ],
    [
      'with the second principal unlabelled',
      `${PASS_ROLE_CLI}\n${PUT_OBJECT.replace('User: ', '')}`,
      [passRole(1), putObject(2)],
    ],
    [
      'the first exactly 200 columns wide, the second longer and not cut',
      `${passRoleFilling(200, shortCli).text}\n${PUT_OBJECT}`,
      [
        { ...passRole(1, 'PassRole', passRoleFilling(200, shortCli).arn), principal: ci },
        putObject(2),
      ],
    ],
    [
      'the first exactly 200 columns wide, after other lines that wide',
      [rule(200, '-'), rule(200, '='), passRoleFilling(200, shortCli).text, PUT_OBJECT].join('\n'),
      [
        { ...passRole(3, 'PassRole', passRoleFilling(200, shortCli).arn), principal: ci },
        putObject(4),
      ],
    ],
    [
      'the first exactly 160 columns wide with no wrapper, after other lines that wide',
      [rule(160, '-'), passRoleFilling(160, short).text, PUT_OBJECT].join('\n'),
      [{ ...passRole(2, null, passRoleFilling(160, short).arn), principal: ci }, putObject(3)],
    ],
  ])('keep their own lines and operations %s', async (_form, text, expected) => {
    // Given two independent denials, the first long, the second on the very next line
    // When the log is read as a text and streamed
    const [fromText, fromStream] = await readBoth(text);

    // Then the second is not taken for the tail of the first
    expect(fromText).toEqual(expected);
    expect(fromStream).toEqual(expected);
  });

  it.each([80, 120, 160, 200])(
    'keep their own lines when a terminal %i columns wide cut both and the first ends at its edge',
    async (width) => {
      // Given a console copy in which the first line fills its last row exactly, so that only
      // what the next row says tells a cut from a line of its own
      const first = passRoleFilling(width);
      const rows = first.text.length / width;
      const text = hardWrap(`${first.text}\n${PUT_OBJECT}`, width);

      const [fromText, fromStream] = await readBoth(text);

      // Then each denial starts on its own row, with its own operation
      const expected = [passRole(1, 'PassRole', first.arn), putObject(rows + 1)];
      expect(fromText).toEqual(expected);
      expect(fromStream).toEqual(expected);
    },
  );
});

describe('a denial wrapped right before its sentence', () => {
  it('stays one denial when the cut falls between the CLI wrapper and `User:`', async () => {
    // Given the CLI's line cut by a terminal exactly where its sentence starts
    const wrapper = PASS_ROLE_CLI.indexOf('User:');
    const text = hardWrap(PASS_ROLE_CLI, wrapper);

    // Then the head holds no sentence yet: the tail is its rest, with the wrapper's operation
    const [fromText, fromStream] = await readBoth(text);
    expect(fromText).toEqual([passRole(1)]);
    expect(fromStream).toEqual([passRole(1)]);
  });

  it("stays one denial when the cut falls after EC2's generic sentence", async () => {
    // Given EC2's message, whose generic sentence is no denial of its own
    const ec2 = `Error: operation error EC2: RunInstances, https response error StatusCode: 403, RequestID: 8a1c, api error UnauthorizedOperation: You are not authorized to perform this operation. User: ${BUILD_ROLE} is not authorized to perform: ec2:RunInstances on resource: arn:aws:ec2:us-east-1:123456789012:instance/* because no identity-based policy allows the ec2:RunInstances action. Encoded authorization failure message: abcDEF123`;
    const text = hardWrap(ec2, ec2.indexOf('User:'));

    const [fromText] = await readBoth(text);

    // Then it is one denial, from the first row, with the operation its wrapper names
    expect(fromText).toHaveLength(1);
    expect(fromText[0]).toMatchObject({
      line: 1,
      action: 'ec2:RunInstances',
      operation: 'RunInstances',
    });
  });
});
