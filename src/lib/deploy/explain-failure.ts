/**
 * The doctor's reading of a failed stack operation: the first failed event's reason run
 * through the same parser and explanations as `aiproxy doctor`, so a denial during a deploy
 * is explained where it happened rather than in a second command.
 */
import { buildReport } from '../doctor/enrich.js';
import { parseDenialText } from '../doctor/parse/index.js';
import { patchToCloudFormationYaml } from '../doctor/snippet.js';
import type { DoctorReport } from '../doctor/types.js';
import type { StackActivity } from '../stacks/types.js';
import type { ReportContext } from '../ui/doctor-report.js';

/** A doctor report about one stack event, with what its renderer needs. */
export interface FailureExplanation {
  report: DoctorReport;
  context: ReportContext;
}

/**
 * Explains the failed event's reason; null when it names no access denial (the reason itself
 * is then the whole story).
 */
export async function explainStackFailure(
  stackName: string,
  failure: StackActivity | undefined,
  prefix: string,
): Promise<FailureExplanation | null> {
  if (failure?.reason === undefined) return null;
  const file = `stack-events:${failure.stackName || stackName}`;
  const denials = parseDenialText(failure.reason, { file, line: 1, writer: 'aws' });
  if (denials.length === 0) return null;

  const report = await buildReport(denials, { appPrefix: prefix });
  return {
    report,
    context: {
      file: `${file} ${failure.logicalId}`,
      lines: 1,
      notes: [],
      snippets: new Map(report.patches.map((p) => [p.roleArn, patchToCloudFormationYaml(p)])),
    },
  };
}
