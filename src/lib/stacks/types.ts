/**
 * The data the stack workflow hands to its callers: typed results and progress events,
 * never printed text (the commands and `src/lib/ui` render them).
 */
import type { ChangeAction, Replacement } from '@aws-sdk/client-cloudformation';

/** One stack event, as CloudFormation reported it, for the live progress display. */
export interface StackActivity {
  /** The event's ID, unique per stack. */
  eventId: string;
  /** The stack the event belongs to (a nested stack's own name for its events). */
  stackName: string;
  /** The resource's logical ID (the stack's name for the stack's own events). */
  logicalId: string;
  /** The physical ID, when the resource has one yet. */
  physicalId?: string;
  /** The CloudFormation resource type, e.g. `AWS::IAM::Role`. */
  resourceType: string;
  /** The resource status, e.g. `CREATE_IN_PROGRESS`, `UPDATE_FAILED`. */
  status: string;
  /** Why: CloudFormation's `ResourceStatusReason`, often the service's own error message. */
  reason?: string;
  /** When CloudFormation recorded the event (server clock). */
  timestamp: Date;
  /** True for events of nested stacks, false for the stack being deployed. */
  nested: boolean;
}

/** One resource change of a change set. */
export interface StackChange {
  /** Add, Modify, Remove, Import or Dynamic. */
  action: ChangeAction;
  /** The resource's logical ID in the template. */
  logicalId: string;
  /** The existing resource's physical ID (modifications and removals). */
  physicalId?: string;
  /** The CloudFormation resource type. */
  resourceType: string;
  /**
   * Whether a modification replaces the resource: `True`, `False` or `Conditional` (it
   * depends on a value CloudFormation only knows while it deploys).
   */
  replacement?: Replacement;
  /** The names of the properties that change (modifications only). */
  properties: string[];
}

/** How the workflow waits between polls; tests make it instant. */
export interface PollingOptions {
  /** Milliseconds between polls (default 3000; CloudFormation's own waiters use 5000-30000). */
  intervalMs?: number;
  /**
   * Waits `ms`, resolving early when `signal` aborts; resolves to false when aborted.
   * Tests pass a function that returns at once.
   */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<boolean>;
  /** The clock, for change-set names. */
  now?: () => Date;
}

/** The first failure of an operation: the event whose reason explains it. */
export type StackFailure = StackActivity;
