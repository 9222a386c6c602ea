/**
 * The shapes of a live diagnosis: what was looked at (the target), what failed (the failed
 * actions and what they printed), where each role's fix belongs (placement) and what the
 * policy simulator said about each patch (verification). `schemas/doctor.schema.json`
 * describes the same fields as `target`, `failedActions`, `placement` and `verification`.
 */
import type { DoctorReport } from '../types.js';

/** What the user asked `doctor` to look at. */
export type TargetRequest =
  | {
      kind: 'pipeline';
      /** The pipeline's name. */
      name: string;
      /** A pipeline execution to diagnose instead of the latest failed one. */
      executionId?: string;
      /** How the name was found, for the header: `argument`, `--branch X`, `git branch X`. */
      from?: string;
    }
  | { kind: 'build'; buildId: string }
  | { kind: 'stack'; stackName: string };

/** How the pipeline execution was chosen. */
export type ExecutionSelection = 'named' | 'latest' | 'latest-failed';

/** A run newer than the one diagnosed. */
export interface NewerRun {
  executionId: string;
  status: string;
  /** ISO 8601. */
  startTime: string | null;
}

/** The pipeline execution, build or stack operation that was diagnosed. */
export interface LiveTarget {
  kind: 'pipeline' | 'build' | 'stack';
  /** The pipeline name, the build id or the stack name. */
  name: string;
  /** The pipeline execution id (pipelines only). */
  executionId: string | null;
  /** `Failed`, `Succeeded`, `InProgress` (pipelines), `FAILED` (builds), a stack status. */
  status: string | null;
  /** ISO 8601 times of the run, when AWS gave them. */
  startTime: string | null;
  lastUpdateTime: string | null;
  selection: ExecutionSelection;
  /** The most recent successful run newer than this one: the failure may already be fixed. */
  newerSuccess: NewerRun | null;
  /** Other runs newer than this one (in progress, stopped, superseded). */
  newerRuns: NewerRun[];
  account: string;
  region: string;
}

/** Where a build log was read from. */
export interface LogSourceInfo {
  kind: 'cloudwatch' | 's3' | 'none';
  /** `group/stream`, `s3://bucket/key`, or why there is none. */
  location: string;
  bytes: number;
  lines: number;
  /** GetLogEvents pages read (the final, empty one included); 0 for S3. */
  pages: number;
  /** True when the byte budget stopped the read before the end of the log. */
  truncated: boolean;
}

/** A phase context of a CodeBuild build: why a phase failed. */
export interface PhaseContext {
  statusCode: string | null;
  message: string | null;
}

/** What was read of a CodeBuild build. */
export interface BuildDetails {
  id: string;
  status: string | null;
  projectName: string | null;
  /** The build's service role ARN (with its path). */
  serviceRole: string | null;
  failedPhase: string | null;
  phaseContexts: PhaseContext[];
  log: LogSourceInfo;
}

/** The event that explains a failed stack operation. */
export interface StackEventSummary {
  stackName: string;
  logicalId: string;
  resourceType: string;
  status: string;
  reason: string | null;
  /** ISO 8601. */
  timestamp: string;
}

/** What was read of a CloudFormation stack's last operation. */
export interface StackDetails {
  name: string;
  stackId: string | null;
  /** The stack status now, when read. */
  status: string | null;
  /** The status that began the operation (`UPDATE_IN_PROGRESS`), and when (ISO 8601). */
  operation: string | null;
  operationStart: string | null;
  /** Events of the operation read, nested stacks included. */
  events: number;
  nestedStacks: string[];
  firstFailure: StackEventSummary | null;
}

/** A failure summary for a person, whether or not it was an access denial. */
export interface FailureSummary {
  /** The CodeBuild phase or CloudFormation status that failed. */
  phase: string | null;
  /** The command that failed (CodeBuild), or the resource (`Logical (Type)`) for stacks. */
  command: string | null;
  exitStatus: number | null;
  /** The reason AWS gave: a phase context, a stack event reason or the action's message. */
  reason: string | null;
  /** The last relevant log lines: what the failing command printed, at most 20. */
  lines: string[];
}

/**
 * Evidence of a failed action that doctor could not read: its build log or its stack events.
 * A denial may hide there, so a diagnosis without one is undetermined, never "not a denial".
 */
export interface UnreadEvidence {
  /** `build-log`: a CodeBuild build's log; `stack-events`: a stack's (or nested stack's) events. */
  kind: 'build-log' | 'stack-events';
  /**
   * Where it was looked for: `group stream` (CloudWatch Logs), `s3://bucket/key`, a stack name
   * or id; null when the build names no log.
   */
  location: string | null;
  /**
   * `access-denied`: the caller lacks `permission`; `not-found`: deleted, or expired by the
   * log retention; `no-location`: the build names no log (it logs nowhere, or never started).
   */
  reason: 'access-denied' | 'not-found' | 'no-location';
  /** The IAM action the caller lacks (`logs:GetLogEvents`), when denied. */
  permission: string | null;
  /** What could not be read and why, in a sentence. */
  message: string;
  /** What to do about it, most direct first. */
  suggestions: string[];
}

/** One failed pipeline action (or the build or stack asked for directly). */
export interface FailedAction {
  /** Null when a build or stack was named directly. */
  stage: string | null;
  action: string | null;
  /** `CodeBuild`, `CloudFormation`, `S3`, … */
  provider: string;
  category: string | null;
  status: string;
  externalExecutionId: string | null;
  errorCode: string | null;
  errorMessage: string | null;
  summary: string | null;
  url: string | null;
  build: BuildDetails | null;
  stack: StackDetails | null;
  failure: FailureSummary;
  /** Its evidence that could not be read; empty when everything was. */
  unread: UnreadEvidence[];
}

/** Where a role's fix belongs. */
export type PlacementKind = 'pipeline-template' | 'app-template' | 'global' | 'foreign';

/** How sure the placement is. */
export type PlacementEvidence = 'stack-resource' | 'role-path' | 'role-name' | 'account' | 'none';

/** What the role's own policies say about a denied action, when they could be read. */
export interface PolicyFinding {
  action: string;
  resource: string;
  /** `allowed`: the role's identity policies and boundary already allow it. */
  verdict:
    'allowed' | 'explicit-deny' | 'boundary-blocks' | 'conditional' | 'not-allowed' | 'unknown';
  /** The policies that decided, by name or ARN. */
  policies: string[];
  explanation: string;
}

/** The role's current policies, when the caller may read them. */
export interface CurrentPolicies {
  read: boolean;
  inline: string[];
  attached: string[];
  boundary: string | null;
  /** Why they could not be read (a missing permission), when `read` is false. */
  reason: string | null;
  findings: PolicyFinding[];
}

/** Where one role's fix belongs, and why. */
export interface Placement {
  roleArn: string;
  roleName: string | null;
  kind: PlacementKind;
  evidence: PlacementEvidence;
  /** Why this kind, in a sentence. */
  reason: string;
  /** Where the fix goes and who makes it. */
  fix: string;
  account: string | null;
  /** The role's IAM path, from GetRole. */
  path: string | null;
  /** The role's ARN with its path, from GetRole. */
  resolvedArn: string | null;
  boundaryArn: string | null;
  tags: Record<string, string>;
  stackName: string | null;
  logicalId: string | null;
  serviceLinked: boolean;
  /** The branch whose pipeline stack made the role (pipeline-template roles). */
  branch: string | null;
  /** True when the role is the failed build's own service role. */
  buildRole: boolean;
  policies: CurrentPolicies | null;
}

/** One simulated (action, resource) pair. */
export interface SimulationResult {
  action: string;
  resource: string;
  decision: 'allowed' | 'explicitDeny' | 'implicitDeny';
  /** What still denies it, when it is denied: a policy id, `the permissions boundary`, … */
  deniedBy: string | null;
  /** Condition keys the simulator wanted but was not given. */
  missingContext: string[];
}

/** What `iam:SimulatePrincipalPolicy` said about one patch. */
export interface Verification {
  roleArn: string;
  status: 'allowed' | 'still-denied' | 'not-checked';
  /** One sentence: "allowed by the evaluated policies", "still denied by …", "not checked: …". */
  summary: string;
  /** What the check evaluated; empty when it did not run. */
  evaluated: string[];
  /** What it could not evaluate. */
  notEvaluated: string[];
  results: SimulationResult[];
}

/** How many AWS requests the diagnosis sent. */
export interface RequestCounts {
  /** Before any role was resolved: finding the failure and reading its logs. */
  beforeRoles: number;
  total: number;
}

/** Everything a live diagnosis found. */
export interface LiveDiagnosis {
  target: LiveTarget;
  failedActions: FailedAction[];
  report: DoctorReport;
  placement: Placement[];
  verification: Verification[];
  /** What was read, summed over every source. */
  source: { file: string; bytes: number; lines: number };
  notes: string[];
  /** CloudFormation YAML for each patch, keyed by role ARN. */
  snippets: Map<string, string>;
  requests: RequestCounts;
  outcome: LiveOutcome;
}

/**
 * What the diagnosis concluded: `denials` (exit 1); `failure`, everything was read and none of
 * it is a denial (exit 5); `undetermined`, no denial in what was read but some failed action's
 * log or events were not (exit 3: an AWS read problem); `none`, nothing failed (exit 0).
 */
export type LiveOutcome = 'denials' | 'failure' | 'undetermined' | 'none';
