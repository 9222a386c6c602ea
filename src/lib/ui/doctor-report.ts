import { writerLabel } from '../doctor/provenance.js';
import type { Denial, DoctorReport, PolicyPatch } from '../doctor/types.js';
import { stripControl } from '../text.js';
import type { Style } from './style.js';

/** What the report says about the input besides its denials. */
export interface ReportContext {
  /** The source read, as the user named it. */
  file: string;
  lines: number;
  notes: string[];
  /** CloudFormation YAML for each patch, keyed by role ARN. */
  snippets: Map<string, string>;
}

const POLICY_TYPE_WORDS: Record<string, string> = {
  identity: 'an identity-based policy',
  resource: 'a resource-based policy',
  boundary: 'a permissions boundary',
  scp: 'a service control policy (SCP)',
  rcp: 'a resource control policy (RCP)',
  session: 'a session policy',
  'vpc-endpoint': 'a VPC endpoint policy',
};

/**
 * Renders the doctor's report for people: each denial (who, what, on what, denied by what,
 * why), then each patch with its risks, as JSON and as a CloudFormation snippet. Every value
 * that came from the log is stripped of control characters before it is shown.
 */
export function renderDoctorReport(
  report: DoctorReport,
  context: ReportContext,
  style: Style,
): string {
  const out: string[] = [];
  const count = report.denials.length;
  const where = `${clean(context.file)} (${context.lines} lines)`;

  if (count === 0) {
    out.push(`${style.green('✓')} No AWS access denial found in ${where}.`);
  } else {
    const noun = count === 1 ? 'access denial' : 'access denials';
    out.push(`${style.red('✗')} ${style.bold(`${count} ${noun}`)} found in ${where}.`);
  }
  for (const note of context.notes) out.push(style.dim(`  note: ${clean(note)}`));

  report.denials.forEach((denial, index) => {
    out.push('', ...renderDenial(denial, index + 1, count, style));
  });

  for (const patch of report.patches) {
    out.push('', ...renderPatch(patch, context.snippets.get(patch.roleArn), style));
  }

  if (count > 0 && report.patches.length === 0) {
    out.push('', 'No identity-policy patch is proposed: see each explanation for what to change.');
  }
  return `${out.join('\n')}\n`;
}

function renderDenial(denial: Denial, index: number, total: number, style: Style): string[] {
  // A log line in AWS's format is still untrusted text: the label says so (provenance.ts).
  const writer = writerLabel(denial.source.writer);
  const seen = denial.count > 1 ? `, seen ${denial.count}×` : '';
  const lines = [
    style.bold(`Denial ${index} of ${total}`) +
      style.dim(` (line ${denial.source.line}, ${writer}${seen})`),
  ];
  const field = (label: string, value: string | null | undefined): void => {
    if (value) lines.push(`  ${label.padEnd(10)} ${value}`);
  };

  const principal = denial.principal ? clean(denial.principal) : 'not named in the message';
  field('Principal', denial.principalType ? `${principal} (${denial.principalType})` : principal);
  if (denial.roleArn && denial.roleArn !== denial.principal) field('Role', clean(denial.roleArn));
  field('Action', actionText(denial));
  field('Resource', denial.resource === null ? 'not named in the message' : clean(denial.resource));
  field('Denied by', deniedByText(denial));
  if (denial.policyArn) field('Policy', clean(denial.policyArn));
  if (denial.encoded) field('Encoded', 'yes: `aws sts decode-authorization-message` decodes it');
  lines.push(
    ...wrap(clean(denial.explanation), 88).map(
      (line, i) => `  ${i === 0 ? 'Why'.padEnd(10) : ' '.repeat(10)} ${line}`,
    ),
  );
  return lines;
}

function actionText(denial: Denial): string {
  const operation = denial.operation ? `operation ${clean(denial.operation)}` : null;
  if (denial.action)
    return [clean(denial.action), operation && `(${operation})`].filter(Boolean).join(' ');
  if (denial.likelyAction)
    return `${clean(denial.likelyAction)} (likely, from ${operation ?? 'the operation'})`;
  return operation ?? 'not named in the message';
}

function deniedByText(denial: Denial): string {
  const policy = denial.policyType
    ? POLICY_TYPE_WORDS[denial.policyType]
    : 'a policy the message does not name';
  if (denial.deny === 'explicit') return `${policy}, explicitly (a Deny statement matched)`;
  if (denial.deny === 'implicit') return `${policy}, implicitly (no statement allows it)`;
  return policy ?? 'unknown';
}

function renderPatch(patch: PolicyPatch, snippet: string | undefined, style: Style): string[] {
  const name = clean(patch.roleName ?? patch.roleArn);
  const lines = [style.bold(`Proposed patch for role ${name}`), `  ${clean(patch.roleArn)}`];

  if (patch.risky.length === 0) {
    lines.push(
      `  ${style.green('Risk:')} none found (no escalation technique, IAM write or foreign resource).`,
    );
  } else {
    lines.push(`  ${style.red(style.bold('RISKY:'))} do not apply this patch as it stands.`);
    for (const risk of patch.risky) {
      lines.push(`    - ${clean(risk.action)}: ${clean(risk.reason)}`);
    }
  }
  for (const item of patch.uncovered ?? []) {
    const what = [item.action, item.resource]
      .filter(Boolean)
      .map((s) => clean(s ?? ''))
      .join(' on ');
    lines.push(`  ${style.yellow('Not covered:')} ${what || 'a denial'}: ${clean(item.reason)}`);
  }
  if (patch.hints && patch.hints.length > 0) {
    lines.push(`  Often needed next (not added): ${patch.hints.map(clean).join(', ')}`);
  }
  if (patch.document.Statement.length > 0) {
    lines.push('  Policy document (JSON):', indent(JSON.stringify(patch.document, null, 2), 4));
    if (snippet)
      lines.push("  CloudFormation (under the role's Policies):", indent(snippet.trimEnd(), 4));
  }
  return lines;
}

function clean(text: string): string {
  return stripControl(text);
}

function indent(text: string, spaces: number): string {
  const pad = ' '.repeat(spaces);
  return text
    .split('\n')
    .map((line) => pad + line)
    .join('\n');
}

/** Greedy word wrap; long tokens (ARNs) stay whole. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let current = '';
  for (const word of text.split(/\s+/)) {
    if (current && current.length + 1 + word.length > width) {
      lines.push(current);
      current = word;
    } else {
      current = current ? `${current} ${word}` : word;
    }
  }
  if (current) lines.push(current);
  return lines;
}
