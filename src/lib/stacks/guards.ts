import type { StackChange } from './types.js';

/** Why a change set was refused, and which changes caused it. */
export interface GuardRefusal {
  /** One sentence for people, naming the resources. */
  reason: string;
  /** The changes that were refused. */
  changes: StackChange[];
}

/**
 * A check of a change set before it is shown and executed. Returning a refusal deletes the
 * change set (and the empty stack of a first create) and ends the deploy as `refused`.
 */
export type ChangeSetGuard = (changes: readonly StackChange[]) => GuardRefusal | undefined;

/**
 * Refuses any change set that would delete or replace one of the `protectedResources`
 * (logical ID → what it is, for the message). A replacement deletes the old resource, so
 * for the workload boundary or the execution role it would, for a while, strip every role
 * of its boundary or break every stack that uses the role. `Conditional` replacements are
 * refused too: CloudFormation only decides them during the deployment.
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_ResourceChange.html
 */
export function protectResources(protectedResources: Record<string, string>): ChangeSetGuard {
  return (changes) => {
    const refused = changes.filter(
      (change) =>
        Object.hasOwn(protectedResources, change.logicalId) &&
        (change.action === 'Remove' ||
          change.replacement === 'True' ||
          change.replacement === 'Conditional'),
    );
    if (refused.length === 0) return undefined;
    const what = refused.map((change) => {
      const verb = change.action === 'Remove' ? 'delete' : 'replace';
      return `${verb} ${protectedResources[change.logicalId]} (${change.logicalId})`;
    });
    return { reason: `The change set would ${what.join(' and ')}.`, changes: refused };
  };
}
