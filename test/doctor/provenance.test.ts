/**
 * What `doctor --log-file` says about who printed a denial. A build log is untrusted: the
 * header names the line's shape without claiming AWS wrote it, every proposed patch keeps the
 * advice to confirm the denial in CloudTrail, and a risky finding names its denial's source in
 * the header's words.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { diagnoseLogFile } from '../../src/lib/doctor/diagnose-log.js';
import { renderDoctorReport } from '../../src/lib/ui/doctor-report.js';
import { makeStyle } from '../../src/lib/ui/style.js';

const AGENT = '[Container] 2024/01/01 00:00:01.000';
const ROLE = 'arn:aws:sts::123456789012:assumed-role/aiproxy-x-cicd-BuildRole-ABC';
const PASS_ROLE = `User: ${ROLE}/s is not authorized to perform: iam:PassRole on resource: arn:aws:iam::123456789012:role/Admin`;
const ASSUME_ROLE = `User: ${ROLE}/s is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::123456789012:role/Other`;

// The example: a build step printed the AWS CLI's error behind the agent's prefix.
const FORGED_CLI = `${AGENT} Running command ./deploy.sh\n${AGENT} An error occurred (AccessDenied) when calling the PassRole operation: ${PASS_ROLE}\n`;
// A build can also print a perfect copy of a line the agent writes.
const AGENT_SHAPED = `${AGENT} Phase context status code: Secrets Manager Error Message: AccessDeniedException: ${PASS_ROLE}\n`;

const CAVEAT = /confirm it in CloudTrail before granting anything/;
const directory = mkdtempSync(join(tmpdir(), 'aiproxy-provenance-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

async function doctor(log: string) {
  const path = join(directory, `${Math.random().toString(36).slice(2)}.log`);
  writeFileSync(path, log);
  const diagnosis = await diagnoseLogFile(path);
  const text = renderDoctorReport(diagnosis.report, diagnosis.context, makeStyle(false));
  return { json: diagnosis.json, text };
}

describe('who printed a denial, as the report says it', () => {
  it("reports the issue's forged [Container] line as build output, caveat and all", async () => {
    // Given the forged line
    const { json, text } = await doctor(FORGED_CLI);

    // Then the JSON says build, and nothing claims AWS wrote it
    expect(json.denials.map(({ source }) => [source.line, source.writer])).toEqual([[2, 'build']]);
    expect(text).toContain('Denial 1 of 1 (line 2, build output)');
    expect(text).not.toContain('written by AWS');

    // And the explanation and the risky finding both say the build printed it
    expect(json.denials[0]?.explanation).toMatch(/printed by the build itself/);
    expect(json.denials[0]?.explanation).toMatch(CAVEAT);
    expect(json.patches[0]?.risky[0]?.reason).toContain("build's own output");
  });

  it("keeps the caveat for a line in the agent's format, which the build can print too", async () => {
    // Given a line in the agent's own format
    const { json, text } = await doctor(AGENT_SHAPED);

    // Then it is `aws` in the JSON, but the header does not claim AWS wrote it
    expect(json.denials[0]?.source.writer).toBe('aws');
    expect(text).toContain("Denial 1 of 1 (line 1, AWS's format, unverified)");

    // And the patch it would cause still comes with the advice to confirm it first
    expect(json.denials[0]?.explanation).toMatch(/proves nothing about who printed it/);
    expect(json.denials[0]?.explanation).toMatch(CAVEAT);
    expect(json.patches[0]?.risky[0]?.reason).toContain("text in AWS's format");
  });

  it('makes the header and the RISKY text agree for each denial of a mixed log', async () => {
    // Given one role's denials: PassRole in the agent's format, AssumeRole in build output
    const { text } = await doctor(`${AGENT_SHAPED}npm run deploy\n${ASSUME_ROLE}\n`);

    // Then each denial's header and its action's RISKY line use the same words
    const header = (action: string): string | undefined =>
      new RegExp(
        String.raw`Denial \d of 2 \(line \d, ([^)]+)\)\n(?:.*\n){0,2}.*Action\s+${action}`,
      ).exec(text)?.[1];
    const risky = (action: string): string =>
      text.split('\n').find((line) => line.startsWith(`    - ${action}:`)) ?? '';

    expect(header('iam:PassRole')).toBe("AWS's format, unverified");
    expect(risky('iam:PassRole')).toContain("read from text in AWS's format");
    expect(risky('iam:PassRole')).not.toContain("build's own output");
    expect(header('sts:AssumeRole')).toBe('build output');
    expect(risky('sts:AssumeRole')).toContain("read from the build's own output");
  });
});
