/**
 * Step 5's failure report: the first failed stack event, and when its reason is an access
 * denial, the doctor's explanation of it (which principal, which action, why, who fixes it).
 */
import { buildReport } from '../doctor/enrich.js';
import { parseDenialText } from '../doctor/parse/index.js';
import type { Denial } from '../doctor/types.js';
import type { StackActivity } from '../stacks/index.js';

/** A failed operation, explained. */
export interface ExplainedFailure {
  /** The event whose reason explains the failure, when one was seen. */
  event?: StackActivity;
  /** The access denials the doctor found in its reason (empty when it is another error). */
  denials: Denial[];
}

/** Runs the doctor's parser and explanation on the first failed event's reason. */
export async function explainFailure(
  event: StackActivity | undefined,
  options: { prefix: string },
): Promise<ExplainedFailure> {
  if (event?.reason === undefined)
    return event === undefined ? { denials: [] } : { event, denials: [] };
  const parsed = parseDenialText(event.reason, {
    file: `stack-events:${event.stackName}`,
    line: 1,
    writer: 'aws',
  });
  if (parsed.length === 0) return { event, denials: [] };
  const report = await buildReport(parsed, { appPrefix: options.prefix });
  return { event, denials: report.denials };
}
