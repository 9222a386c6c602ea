/**
 * The stack workflow shared by `setup`, `deploy` and `destroy`: states, change sets, guards,
 * execution with live events, deletes. Nothing here prints; results are typed and progress
 * goes through callbacks (render it with `src/lib/ui/progress.ts` and `changes.ts`).
 */
export { prepareChangeSet, deleteChangeSet } from './change-set.js';
export type { PrepareChangeSetOptions, PrepareChangeSetResult } from './change-set.js';
export { deleteStack } from './delete.js';
export type { DeleteStackOptions, DeleteStackResult } from './delete.js';
export { deployStack } from './deploy.js';
export type {
  ChangeSetReview,
  ConfirmQuestion,
  DeployProgress,
  DeployStackOptions,
  DeployStackResult,
} from './deploy.js';
export { firstFailure, StackEventFollower } from './events.js';
export { protectResources } from './guards.js';
export type { ChangeSetGuard, GuardRefusal } from './guards.js';
export { describeStackState } from './state.js';
export type { StackState, StackStateKind } from './state.js';
export { parseTemplate } from './template-body.js';
export type { TemplateObject } from './template-body.js';
export type { PollingOptions, StackActivity, StackChange } from './types.js';
export { executeChangeSet, waitForStack } from './wait.js';
export type { WaitForStackOptions, WaitResult } from './wait.js';
