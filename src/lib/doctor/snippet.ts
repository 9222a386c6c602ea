/**
 * A patch as text to paste: a CloudFormation YAML entry for the role's `Policies:` list, and
 * the policy document as JSON. Both are serialised from objects by libraries, so no value from
 * a log can change their structure.
 */
import { Document } from 'yaml';

import type { PolicyPatch } from './types.js';

// IAM inline policy names: letters, digits and `+=,.@_-`, at most 128 characters.
const POLICY_NAME_UNSAFE = /[^A-Za-z0-9+=,.@_-]/g;
const MAX_POLICY_NAME = 128;
const POLICY_NAME_PREFIX = 'aiproxy-doctor-';

/** The inline policy's name: the role's name made safe for IAM, prefixed so it is recognisable. */
export function patchPolicyName(patch: PolicyPatch): string {
  const roleName = patch.roleName ?? patch.roleArn.slice(patch.roleArn.lastIndexOf('/') + 1);
  const safe = roleName.replace(POLICY_NAME_UNSAFE, '') || 'role';
  return `${POLICY_NAME_PREFIX}${safe}`.slice(0, MAX_POLICY_NAME);
}

/**
 * A YAML list entry to paste under the role's `Policies:` in a CloudFormation template. A patch
 * with no statement gives a comment only: an empty policy is not valid CloudFormation.
 */
export function patchToCloudFormationYaml(patch: PolicyPatch): string {
  if (patch.document.Statement.length === 0) {
    return '# Nothing to add: no denied action could be covered (see the uncovered list).\n';
  }
  const entry = [{ PolicyName: patchPolicyName(patch), PolicyDocument: patch.document }];
  // YAML 1.1 rules make the library quote what CloudFormation's parser would otherwise read
  // as another type, such as the date-like `2012-10-17`.
  const doc = new Document(entry, { version: '1.1' });
  doc.commentBefore = " Paste under the role's Policies: (proposed by aiproxy doctor)";
  return doc.toString({ lineWidth: 0 });
}

/** The patch's policy document as JSON, for `aws iam put-role-policy --policy-document`. */
export function patchToJson(patch: PolicyPatch): string {
  return `${JSON.stringify(patch.document, null, 2)}\n`;
}
