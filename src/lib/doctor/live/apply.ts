/**
 * Applying a fix, only when asked and only when safe. Each patch goes where its placement
 * says:
 *
 * - the build role of a pipeline stack: its statements into `build.extraStatements` of the
 *   project config (shown as a diff first), then `aiproxy deploy` ships it through a change set;
 * - a role of the application's template, or a global role: the exact change is printed, for
 *   a pull request to the application, or to aiproxy's global policies (which `aiproxy setup`
 *   then deploys);
 * - `--direct`: one inline policy on the role, named `aiproxy-doctor-<date>`, with exactly
 *   the document that was shown; CloudFormation will not know it (drift), so the permanent fix
 *   is printed too.
 *
 * Refused (exit 4), with the reason and what to do instead: risky patches, resources outside
 * the role's account, roles that are not this application's in the caller's account,
 * service-linked roles, and denials no patch can fix.
 */
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';

import { PutRolePolicyCommand } from '@aws-sdk/client-iam';

import { callAws } from '../../aws/call.js';
import type { AwsContext } from '../../aws/clients.js';
import { addBuildStatements } from '../../config/edit-config.js';
import { findProjectConfig } from '../../config/project-config.js';
import { InputError, RefusedError } from '../../errors.js';
import { parseArn } from '../../policy/arn.js';
import type { PolicyPatch, PolicyStatement } from '../types.js';
import { unifiedDiff } from './diff.js';
import { deployCommand, fixFor, GLOBAL_FIX } from './placement.js';
import type { LiveDiagnosis, Placement, Verification } from './types.js';

/** One change to make, as it will be shown before anyone confirms it. */
export type ApplyPlan =
  | {
      mode: 'config';
      roleArn: string;
      configPath: string;
      statements: PolicyStatement[];
      /** The unified diff of the config; empty when the statements are already there. */
      diff: string;
      /** The command that ships the change. */
      deployCommand: string;
    }
  | {
      mode: 'direct';
      roleArn: string;
      roleName: string;
      policyName: string;
      /** The document exactly as shown and as sent to `PutRolePolicy`. */
      document: string;
      warning: string;
      permanentFix: string;
    }
  | {
      mode: 'print';
      roleArn: string;
      kind: Placement['kind'];
      /** What to change, and who changes it. */
      instructions: string;
      /** The statements as a CloudFormation snippet. */
      snippet: string;
    };

/** What applying one plan did. */
export interface ApplyResult {
  mode: ApplyPlan['mode'];
  roleArn: string;
  /** True when something was written (the config, or the role's inline policy). */
  changed: boolean;
  /** What happened and what to do next. */
  message: string;
  next: string | null;
  /** `config`: the file written and its diff. */
  configPath?: string;
  diff?: string;
  /** `direct`: the inline policy's name and the exact document sent. */
  policyName?: string;
  document?: string;
}

/** Options for {@link planApply}. */
export interface PlanApplyOptions {
  /** `--direct`: an inline policy on the role instead of the config. */
  direct: boolean;
  /** Where to look for `aiproxy.config.json` (it and its parents, up to the git root). */
  cwd: string;
  /** Today, for the inline policy's name. */
  now?: Date;
}

function refuse(code: string, message: string, suggestions: string[]): RefusedError {
  return new RefusedError(code, message, { suggestions });
}

function resourcesOf(patch: PolicyPatch): string[] {
  return patch.document.Statement.flatMap((s) =>
    typeof s.Resource === 'string' ? [s.Resource] : s.Resource,
  );
}

/** Why this patch must not be applied by aiproxy, or null. */
function refusalOf(
  patch: PolicyPatch,
  place: Placement | undefined,
  check: Verification | undefined,
): RefusedError | null {
  const role = patch.roleName ?? patch.roleArn;
  if (place === undefined || place.kind === 'foreign') {
    const why = place?.serviceLinked
      ? `${role} is a service-linked role: its policies belong to AWS and cannot carry this patch.`
      : `${role} is not a role of this application in the caller’s account: ${place?.reason ?? 'it could not be resolved.'}`;
    return refuse('APPLY_FOREIGN_ROLE', `Refusing to apply: ${why}`, [
      place?.fix ?? 'Ask the role’s owner to make the change.',
    ]);
  }
  if (patch.risky.length > 0) {
    return refuse(
      'APPLY_RISKY',
      `Refusing to apply a risky patch to ${role}: ${patch.risky.map((r) => `${r.action}: ${r.reason}`).join(' ')}`,
      [
        'Review the denial: a build can print any message, and this grant would reach beyond the application.',
        'If it is truly needed, it is scoped by hand and reviewed: in the application’s template, or for a global role in aiproxy’s global policies (src/lib/templates/global-policies.ts, against docs/escalation-matrix.md).',
      ],
    );
  }
  const account = parseArn(place.resolvedArn ?? patch.roleArn)?.account;
  const foreign = resourcesOf(patch).filter((r) => {
    const owner = parseArn(r)?.account;
    return owner !== undefined && owner !== '' && owner !== account;
  });
  if (foreign.length > 0) {
    return refuse(
      'APPLY_FOREIGN_RESOURCE',
      `Refusing to apply: ${foreign.join(', ')} lies outside the role’s account ${account ?? '?'}.`,
      [
        'Cross-account access needs the other account’s resource policy too: agree it with that account’s owner.',
      ],
    );
  }
  if (check?.status === 'still-denied') {
    return refuse(
      'APPLY_WOULD_NOT_HELP',
      `Refusing to apply: the policy simulator says the patch would not help (${check.summary}).`,
      ['Change what still denies it instead; see the explanation of each denial.'],
    );
  }
  return null;
}

function inlinePolicyName(now: Date, taken: readonly string[]): string {
  const base = `aiproxy-doctor-${now.toISOString().slice(0, 10).replace(/-/g, '')}`;
  let name = base;
  for (let n = 2; taken.includes(name); n += 1) name = `${base}-${n}`;
  return name;
}

/** The config change as a diff, computed on a copy so nothing is written before the yes. */
async function previewConfig(configPath: string, statements: PolicyStatement[]): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'aiproxy-apply-'));
  try {
    const copy = join(dir, basename(configPath));
    await copyFile(configPath, copy);
    const preview = await addBuildStatements(copy, statements);
    return preview.changed ? unifiedDiff(preview.before, preview.after, configPath) : '';
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * The changes `--apply` would make, one per patch with statements, or the refusal.
 *
 * @throws RefusedError (exit 4) when any patch must not be applied or nothing can be;
 *   InputError when the config is needed and not found.
 */
export async function planApply(
  diagnosis: LiveDiagnosis,
  options: PlanApplyOptions,
): Promise<ApplyPlan[]> {
  const patches = diagnosis.report.patches.filter((p) => p.document.Statement.length > 0);
  if (patches.length === 0) {
    const reasons = [
      ...diagnosis.report.patches.flatMap((p) => (p.uncovered ?? []).map((u) => u.reason)),
      ...diagnosis.report.denials.filter((d) => d.roleArn === null).map((d) => d.explanation),
    ];
    throw refuse(
      'APPLY_NOTHING',
      diagnosis.report.denials.length === 0
        ? 'Nothing to apply: no access denial was found.'
        : 'Nothing to apply: no patch to a role can fix these denials.',
      reasons.length > 0 ? [...new Set(reasons)].slice(0, 5) : ['See each denial’s explanation.'],
    );
  }

  const plans: ApplyPlan[] = [];
  for (const patch of patches) {
    const place = diagnosis.placement.find((p) => p.roleArn === patch.roleArn);
    const check = diagnosis.verification.find((v) => v.roleArn === patch.roleArn);
    const refusal = refusalOf(patch, place, check);
    if (refusal !== null) throw refusal;
    plans.push(await planOne(patch, place as Placement, diagnosis, options));
  }
  return plans;
}

async function planOne(
  patch: PolicyPatch,
  place: Placement,
  diagnosis: LiveDiagnosis,
  options: PlanApplyOptions,
): Promise<ApplyPlan> {
  const snippet = diagnosis.snippets.get(patch.roleArn) ?? '';
  if (options.direct) {
    return {
      mode: 'direct',
      roleArn: patch.roleArn,
      roleName: place.roleName ?? patch.roleName ?? '',
      policyName: inlinePolicyName(options.now ?? new Date(), place.policies?.inline ?? []),
      document: JSON.stringify(patch.document, null, 2),
      warning:
        'CloudFormation does not know this inline policy: the stack now drifts from its template, and the next change to the role may keep or lose it unpredictably.',
      permanentFix: fixFor(place.kind, place),
    };
  }
  if (place.kind === 'pipeline-template' && place.buildRole) {
    const configPath = await findProjectConfig(options.cwd);
    if (configPath === null) {
      throw new InputError(
        'CONFIG_NOT_FOUND',
        `No aiproxy.config.json in ${options.cwd} or above it.`,
        {
          suggestions: [
            'Run `aiproxy doctor --apply` from the application’s repository, where aiproxy.config.json lives.',
            'Or, in an emergency, `--apply --direct` puts the patch on the role itself.',
          ],
        },
      );
    }
    const statements = patch.document.Statement;
    return {
      mode: 'config',
      roleArn: patch.roleArn,
      configPath,
      statements,
      diff: await previewConfig(configPath, statements),
      deployCommand: deployCommand(place.branch),
    };
  }
  return {
    mode: 'print',
    roleArn: patch.roleArn,
    kind: place.kind,
    instructions: printInstructions(place),
    snippet,
  };
}

function printInstructions(place: Placement): string {
  const role = place.roleName ?? place.roleArn;
  const where = place.logicalId === null ? role : `${place.logicalId} (${role})`;
  switch (place.kind) {
    case 'app-template':
      return `Add this entry under Properties.Policies of ${where} in the application’s template (stack ${place.stackName ?? '?'}), open a pull request, and let the pipeline deploy it.`;
    case 'global':
      return `These statements would go on ${where}, a global role. ${GLOBAL_FIX}`;
    default:
      return fixFor(place.kind, place);
  }
}

/** Applies one confirmed plan. `print` plans change nothing. */
export async function executeApply(ctx: AwsContext, plan: ApplyPlan): Promise<ApplyResult> {
  switch (plan.mode) {
    case 'config': {
      const result = await addBuildStatements(plan.configPath, plan.statements);
      return {
        mode: 'config',
        roleArn: plan.roleArn,
        changed: result.changed,
        message: result.changed
          ? `Added ${result.added.length} statement(s) to build.extraStatements in ${plan.configPath}.`
          : `${plan.configPath} already holds these statements.`,
        next: `Commit the config, then run \`${plan.deployCommand}\`: the change goes through a change set.`,
        configPath: plan.configPath,
        diff: plan.diff,
      };
    }
    case 'direct': {
      await callAws({ service: 'iam', operation: 'PutRolePolicy' }, () =>
        ctx.iam.send(
          new PutRolePolicyCommand({
            RoleName: plan.roleName,
            PolicyName: plan.policyName,
            PolicyDocument: plan.document,
          }),
        ),
      );
      return {
        mode: 'direct',
        roleArn: plan.roleArn,
        changed: true,
        message: `Put inline policy ${plan.policyName} on role ${plan.roleName}. ${plan.warning}`,
        next: `Permanent fix: ${plan.permanentFix} Then remove the emergency policy: \`aws iam delete-role-policy --role-name ${plan.roleName} --policy-name ${plan.policyName}\`.`,
        policyName: plan.policyName,
        document: plan.document,
      };
    }
    case 'print':
      return {
        mode: 'print',
        roleArn: plan.roleArn,
        changed: false,
        message: plan.instructions,
        next: null,
      };
  }
}
