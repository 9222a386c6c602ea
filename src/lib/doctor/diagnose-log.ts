import createDebug from 'debug';

import type { ReportContext } from '../ui/doctor-report.js';
import { buildReport } from './enrich.js';
import { openLogSource } from './log-source.js';
import { scanDenials } from './parse/index.js';
import { patchToCloudFormationYaml } from './snippet.js';
import type { DoctorReport } from './types.js';

const debug = createDebug('aiproxy:doctor');

/** The offline doctor's result: the report, what the renderer needs, and the JSON document. */
export interface LogDiagnosis {
  report: DoctorReport;
  context: ReportContext;
  /** Exactly the object `--json` prints; `schemas/doctor.schema.json` describes it. */
  json: DoctorJson;
}

/** The `--json` document of `doctor --log-file`. */
export interface DoctorJson extends DoctorReport {
  source: { file: string; bytes: number; lines: number };
  notes: string[];
}

/**
 * Diagnoses one build log: streams it through the parser, explains each denial and builds the
 * patches. Reads nothing from AWS.
 */
export async function diagnoseLogFile(path: string): Promise<LogDiagnosis> {
  const started = Date.now();
  const input = await openLogSource(path);
  const scan = await scanDenials(input, { file: path });
  debug(
    'scanned %s: %d bytes, %d lines, %d denials in %dms',
    path,
    scan.bytes,
    scan.lines,
    scan.denials.length,
    Date.now() - started,
  );

  const report = await buildReport(scan.denials);
  debug('explained them and built %d patches in %dms', report.patches.length, Date.now() - started);

  const snippets = new Map(report.patches.map((p) => [p.roleArn, patchToCloudFormationYaml(p)]));
  return {
    report,
    context: { file: path, lines: scan.lines, notes: scan.notes, snippets },
    json: {
      source: { file: path, bytes: scan.bytes, lines: scan.lines },
      denials: report.denials,
      patches: report.patches,
      notes: scan.notes,
    },
  };
}
