/**
 * Runs `aiproxy setup` in-process against `aws-sdk-client-mock` stubs and captures what it
 * prints and the exit code it ends with, as `src/main.ts` would. The command's test seams
 * answer questions and make polling instant.
 */
import { fileURLToPath } from 'node:url';

import { ListStacksCommand } from '@aws-sdk/client-cloudformation';
import {
  GetRoleCommand,
  IAMClient,
  ListRolesCommand,
  SimulatePrincipalPolicyCommand,
  type Role,
} from '@aws-sdk/client-iam';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { vi } from 'vitest';

import Setup, { type SetupSeams } from '../../src/commands/setup.js';
import { AiproxyError } from '../../src/lib/errors.js';
import { formatError } from '../../src/lib/ui/error-output.js';
import {
  ACCOUNT,
  awsError,
  FakeCloudFormation,
  instantPolling,
  REGION,
} from '../support/aws-mock.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The admin the stories run as: a role session, as with SSO. */
export const ADMIN_SESSION = `arn:aws:sts::${ACCOUNT}:assumed-role/Admin/alice`;
export const ADMIN_ROLE = `arn:aws:iam::${ACCOUNT}:role/Admin`;
export const DEVELOPER_POLICY = `arn:aws:iam::${ACCOUNT}:policy/aiproxy-global/aiproxy-global-developer-${REGION}`;
export const BOUNDARY = `arn:aws:iam::${ACCOUNT}:policy/aiproxy-global/aiproxy-global-workload-boundary-${REGION}`;

/** What a run printed and how it ended. */
export interface SetupRun {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Every AWS service `setup` talks to, stubbed, with an admin who may do everything. */
export class FakeAws {
  readonly cfn = new FakeCloudFormation('aiproxy-global');
  readonly sts = mockClient(STSClient);
  readonly iam = mockClient(IAMClient);
  readonly ssm = mockClient(SSMClient);

  constructor() {
    this.sts.on(GetCallerIdentityCommand).resolves({ Account: ACCOUNT, Arn: ADMIN_SESSION });
    this.iam.on(GetRoleCommand, { RoleName: 'Admin' }).resolves({ Role: role('Admin', '/') });
    this.iam.on(SimulatePrincipalPolicyCommand).callsFake((input: { ActionNames: string[] }) => ({
      EvaluationResults: [{ EvalActionName: input.ActionNames[0], EvalDecision: 'allowed' }],
    }));
    this.iam.on(ListRolesCommand).resolves({ Roles: [] });
    this.ssm
      .on(GetParameterCommand)
      .rejects(awsError('ParameterNotFound', 'Parameter /aiproxy-global/version not found.'));
    this.cfn.mock.on(ListStacksCommand).resolves({ StackSummaries: [] });
  }

  /** Given: roles under `/aiproxy/`, each with the boundary GetRole reports (none when undefined). */
  givenDelegatedRoles(roles: { name: string; boundaryArn?: string }[]): void {
    this.iam.on(ListRolesCommand).resolves({ Roles: roles.map((r) => role(r.name, '/aiproxy/')) });
    for (const r of roles) {
      const found = role(r.name, '/aiproxy/');
      if (r.boundaryArn !== undefined) {
        found.PermissionsBoundary = {
          PermissionsBoundaryType: 'PermissionsBoundaryPolicy',
          PermissionsBoundaryArn: r.boundaryArn,
        };
      }
      this.iam.on(GetRoleCommand, { RoleName: r.name }).resolves({ Role: found });
    }
  }

  /** The AWS calls made to any service, for "nothing was called" assertions. */
  callCount(): number {
    return [this.cfn.mock, this.sts, this.iam, this.ssm].reduce(
      (sum, mock) => sum + mock.calls().length,
      0,
    );
  }

  restore(): void {
    this.cfn.restore();
    this.sts.restore();
    this.iam.restore();
    this.ssm.restore();
  }
}

function role(name: string, path: string): Role {
  return {
    RoleName: name,
    Path: path,
    RoleId: `AROA${name.toUpperCase()}`,
    Arn: `arn:aws:iam::${ACCOUNT}:role${path}${name}`,
    CreateDate: new Date('2026-01-01T00:00:00Z'),
  };
}

/** Seams for a person at a terminal who answers every question with `answer`. */
export function person(answer: boolean | ((message: string) => boolean), asked: string[] = []) {
  return {
    interactive: true,
    ask: (message: string) => {
      asked.push(message);
      return Promise.resolve(typeof answer === 'function' ? answer(message) : answer);
    },
    polling: instantPolling,
  } satisfies SetupSeams;
}

/** Seams for CI: no terminal, instant polling. */
export const ci: SetupSeams = { interactive: false, polling: instantPolling };

/**
 * Runs `aiproxy setup ARGV` with `seams`. Errors are printed and mapped to exit codes the
 * way `src/main.ts` does it.
 */
export async function runSetup(argv: string[], seams: SetupSeams = ci): Promise<SetupRun> {
  class TestSetup extends Setup {
    protected override seams = seams;
  }
  const stdout: string[] = [];
  const stderr: string[] = [];
  const capture = (into: string[]) => (chunk: string | Uint8Array) => {
    into.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString());
    return true;
  };
  const out = vi.spyOn(process.stdout, 'write').mockImplementation(capture(stdout));
  const err = vi.spyOn(process.stderr, 'write').mockImplementation(capture(stderr));
  process.exitCode = undefined;
  let exitCode: number;
  try {
    await TestSetup.run(argv, ROOT);
    exitCode = Number(process.exitCode ?? 0);
  } catch (error) {
    if (!(error instanceof AiproxyError)) throw error;
    const json = argv.includes('--json');
    (json ? stdout : stderr).push(formatError(error, { json, verbose: false, color: false }));
    exitCode = error.exitCode;
  } finally {
    out.mockRestore();
    err.mockRestore();
    process.exitCode = undefined;
  }
  return { exitCode, stdout: stdout.join(''), stderr: stderr.join('') };
}
