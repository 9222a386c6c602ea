/**
 * A small HTTP proxy in front of moto that fills the gaps moto 5.2 has for `doctor`, and
 * forwards everything else untouched, so the CLI under test talks plain HTTP to a real
 * emulator. The gaps, each checked by hand:
 *
 * - CodeBuild `BatchGetBuilds`: moto marks every build SUCCEEDED with all phases passed and
 *   its log group and stream `null`. The proxy keeps moto's build (id, project, service role)
 *   and sets what a failed build reports: FAILED, the PRE_BUILD phase with its context, and
 *   the log group and stream.
 * - CloudFormation `DescribeStackResources` by `PhysicalResourceId` alone: moto requires a
 *   stack name ("Stack with id None does not exist"). The proxy asks moto for every stack's
 *   resources and keeps the one with that physical id, as AWS does.
 * - IAM `SimulatePrincipalPolicy`: moto answers HTTP 500. The proxy answers `allowed` for
 *   every action asked (a mock, named as such in the README).
 * - CodeBuild times: moto writes ISO strings where the JSON protocol has epoch seconds, which
 *   the SDK refuses ("Expected real number"). The proxy converts them.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

import { relay, serveLocally } from '../../support/http-proxy.js';

/** A failed build's fields the proxy writes over moto's. */
export interface FailedBuildPatch {
  logGroup: string;
  logStream: string;
  phase: string;
  context: string;
}

/** The running proxy. */
export interface MotoGaps {
  endpoint: string;
  /** Operations seen, in order (`CodeBuild_20161006.BatchGetBuilds`, `DescribeStackResources`). */
  seen: string[];
  /** From now on, BatchGetBuilds reports every build failed as `patch` says. */
  failBuilds(patch: FailedBuildPatch): void;
  close(): Promise<void>;
}

const ISO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)?$/;

/** Replaces ISO time strings by epoch seconds, everywhere in a JSON value. */
function epochTimes(value: unknown): unknown {
  if (typeof value === 'string' && ISO_TIME.test(value)) return Date.parse(value) / 1000;
  if (Array.isArray(value)) return value.map(epochTimes);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, epochTimes(v)]));
  }
  return value;
}

async function body(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function operationOf(request: IncomingMessage, text: string): string {
  const target = request.headers['x-amz-target'];
  if (typeof target === 'string') return target;
  return new URLSearchParams(text).get('Action') ?? `${request.method ?? ''} ${request.url ?? ''}`;
}

/** Starts the proxy on a free port in front of `upstream` (moto's endpoint). */
export async function startMotoGaps(upstream: string): Promise<MotoGaps> {
  const seen: string[] = [];
  let build: FailedBuildPatch | null = null;

  async function forward(request: IncomingMessage, text: string): Promise<Response> {
    const headers = new Headers();
    for (const [name, value] of Object.entries(request.headers)) {
      if (name === 'host' || name === 'content-length' || value === undefined) continue;
      headers.set(name, Array.isArray(value) ? value.join(', ') : value);
    }
    return fetch(`${upstream}${request.url ?? '/'}`, {
      method: request.method ?? 'GET',
      headers,
      ...(request.method === 'GET' || request.method === 'HEAD' ? {} : { body: text }),
    });
  }

  async function query(request: IncomingMessage, params: Record<string, string>): Promise<string> {
    const response = await forward(request, new URLSearchParams(params).toString());
    return response.text();
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const text = await body(request);
    const operation = operationOf(request, text);
    seen.push(operation);

    if (operation.startsWith('CodeBuild_20161006.')) {
      const upstreamResponse = await forward(request, text);
      const upstreamAnswer = epochTimes(await upstreamResponse.json()) as {
        builds?: Record<string, unknown>[];
      };
      const patch = operation.endsWith('.BatchGetBuilds') ? build : null;
      for (const b of patch === null ? [] : (upstreamAnswer.builds ?? [])) {
        b.buildStatus = 'FAILED';
        b.currentPhase = 'COMPLETED';
        b.phases = [
          { phaseType: 'INSTALL', phaseStatus: 'SUCCEEDED' },
          {
            phaseType: patch?.phase,
            phaseStatus: 'FAILED',
            contexts: [{ statusCode: 'COMMAND_EXECUTION_ERROR', message: patch?.context }],
          },
        ];
        b.logs = {
          groupName: patch?.logGroup,
          streamName: patch?.logStream,
          cloudWatchLogs: { status: 'ENABLED' },
          s3Logs: { status: 'DISABLED' },
        };
      }
      response.writeHead(upstreamResponse.status, { 'content-type': 'application/x-amz-json-1.1' });
      response.end(JSON.stringify(upstreamAnswer));
      return;
    }

    const params = new URLSearchParams(text);
    if (operation === 'DescribeStackResources' && !params.has('StackName')) {
      const physical = params.get('PhysicalResourceId') ?? '';
      const version = params.get('Version') ?? '2010-05-15';
      const stacks = await query(request, { Action: 'ListStacks', Version: version });
      const names = [...stacks.matchAll(/<StackName>([^<]+)<\/StackName>/g)].map((m) => m[1] ?? '');
      let members: string[] = [];
      for (const name of new Set(names)) {
        const answer = await query(request, {
          Action: 'DescribeStackResources',
          StackName: name,
          Version: version,
        });
        const found = [...answer.matchAll(/<member>([\s\S]*?)<\/member>/g)]
          .map((m) => m[0])
          .filter((m) => m.includes(`<PhysicalResourceId>${physical}</PhysicalResourceId>`));
        members = [...members, ...found];
      }
      if (members.length === 0) {
        response.writeHead(400, { 'content-type': 'text/xml' });
        response.end(
          `<ErrorResponse><Error><Type>Sender</Type><Code>ValidationError</Code><Message>Stack for ${physical} does not exist</Message></Error><RequestId>proxy</RequestId></ErrorResponse>`,
        );
        return;
      }
      response.writeHead(200, { 'content-type': 'text/xml' });
      response.end(
        `<DescribeStackResourcesResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><DescribeStackResourcesResult><StackResources>${members.join('')}</StackResources></DescribeStackResourcesResult><ResponseMetadata><RequestId>proxy</RequestId></ResponseMetadata></DescribeStackResourcesResponse>`,
      );
      return;
    }

    if (operation === 'SimulatePrincipalPolicy') {
      const actions = [...params.entries()]
        .filter(([key]) => key.startsWith('ActionNames.member.'))
        .map(([, value]) => value);
      const resource = params.get('ResourceArns.member.1') ?? '*';
      const results = actions
        .map(
          (action) =>
            `<member><EvalActionName>${action}</EvalActionName><EvalResourceName>${resource}</EvalResourceName><EvalDecision>allowed</EvalDecision><MatchedStatements/><MissingContextValues/></member>`,
        )
        .join('');
      response.writeHead(200, { 'content-type': 'text/xml' });
      response.end(
        `<SimulatePrincipalPolicyResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><SimulatePrincipalPolicyResult><IsTruncated>false</IsTruncated><EvaluationResults>${results}</EvaluationResults></SimulatePrincipalPolicyResult><ResponseMetadata><RequestId>proxy</RequestId></ResponseMetadata></SimulatePrincipalPolicyResponse>`,
      );
      return;
    }

    await relay(await forward(request, text), response);
  }

  const proxy = await serveLocally(handle);
  return {
    endpoint: proxy.endpoint,
    seen,
    failBuilds: (patch) => {
      build = patch;
    },
    close: () => proxy.close(),
  };
}
