/**
 * `aiproxy setup` as a library: the caller check, the template, the squatter check, the
 * guard, the deploy and the developers' hand-off, each returning typed results. Rendering
 * is `src/lib/ui/setup-output.ts`; the command only wires the two.
 */
export { checkCaller, callerKind, missingPermissionsError, requiredPermissions } from './caller.js';
export type { CallerCheck, CallerKind, PermissionCheck, RequiredPermission } from './caller.js';
export { deleteGlobalStack, findBranchStacks } from './delete.js';
export type { BranchStack, DeleteGlobalResult } from './delete.js';
export { inspectGlobalStack, planVersion } from './existing-stack.js';
export type { ExistingGlobalStack, VersionPlan } from './existing-stack.js';
export { explainFailure } from './failure.js';
export type { ExplainedFailure } from './failure.js';
export { PROTECTED_RESOURCES, setupGuard } from './guard.js';
export {
  attachDeveloperPolicy,
  connectionConsoleUrl,
  developerHandoff,
  setupOutputs,
} from './handoff.js';
export type {
  AttachTarget,
  Attachment,
  DeveloperHandoff,
  PendingConnection,
  SetupOutputs,
} from './handoff.js';
export { runSetup, runSetupDelete } from './run.js';
export type {
  RunSetupDeleteOptions,
  RunSetupOptions,
  SetupEvent,
  SetupQuestion,
  SetupResult,
} from './run.js';
export { findSquatters, sanctionedBoundary } from './squatters.js';
export type { Squatter } from './squatters.js';
export {
  buildSetupTemplate,
  connectionChoice,
  CONNECTION_PROVIDERS,
  writeSetupTemplate,
} from './template.js';
export type { ConnectionChoice, SetupTemplate } from './template.js';
