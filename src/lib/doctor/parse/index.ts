/**
 * The access-denied parser: finds every AWS access denial in a build log or in a message an
 * AWS API returned, whatever printed it (the CLI, an SDK in any language, CloudFormation,
 * Terraform, docker, a JSON logger) and however the log disguised it.
 */
import type { DenialSource, ParsedDenial } from '../types.js';
import { DenialAggregator } from './aggregate.js';
import { parseRegion } from './region.js';

export { parsePrincipal, type PrincipalInfo } from './principal.js';
export { scanDenials, type ScanOptions, type ScanResult } from './scan.js';

/**
 * Reads the denials in a short text that came from an AWS API (a CloudFormation stack event's
 * status reason, a pipeline action's error message). Uses the same grammars as the log
 * scanner. `source` says where the text came from; its `line` is the text's first line and its
 * `writer` is taken for every denial found.
 */
export function parseDenialText(text: string, source: DenialSource): ParsedDenial[] {
  const aggregator = new DenialAggregator(source.file);
  for (const occurrence of parseRegion(text, source.line, source.writer)) {
    aggregator.add(occurrence);
  }
  return aggregator.denials;
}
