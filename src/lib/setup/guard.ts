/**
 * Step 4's refusal: a change set that would delete or replace the workload boundary or the
 * execution role is never executed. Replacing the boundary detaches it from every role that
 * carries it (their caps gone at once); replacing the execution role breaks every delegated
 * stack, which stores the role's ARN. Such a change needs a deliberate migration, not `setup`.
 */
import { protectResources, type ChangeSetGuard } from '../stacks/index.js';
import { GLOBAL_LOGICAL_IDS } from '../templates/global.js';

/** The logical IDs `setup` protects, and what each is, for the refusal message. */
export const PROTECTED_RESOURCES: Readonly<Record<string, string>> = {
  [GLOBAL_LOGICAL_IDS.boundary]: 'the workload boundary',
  [GLOBAL_LOGICAL_IDS.executionRole]: 'the CloudFormation execution role',
};

/** The guard `setup` passes to `deployStack`. */
export function setupGuard(): ChangeSetGuard {
  return protectResources({ ...PROTECTED_RESOURCES });
}
