/**
 * A small HTTP proxy in front of moto for the deploy flow. moto 5.2 creates the stack of a
 * CREATE change set with no cross-stack exports at all (`Stack(...)` without
 * `cross_stack_resources` in `create_change_set`), so every `Fn::ImportValue` fails with "No
 * export named … found", and it records no outputs (hence no exports) for stacks made by change
 * sets either, so the global stack's exports never exist. The proxy resolves the pipeline
 * template's imports to the values the global stack exports (the caller says which), and
 * forwards everything else untouched. It also records what each stack operation asked for, so
 * the test can check that the CLI always sent `RoleARN` and `ResourceTypes`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

import { parse } from 'yaml';

import { relay, serveLocally } from '../support/http-proxy.js';

/** One stack operation as the CLI sent it. */
export interface SeenStackCall {
  action: string;
  stackName: string | null;
  roleArn: string | null;
  resourceTypes: string[];
}

/** The running proxy. */
export interface MotoImports {
  endpoint: string;
  /** CreateChangeSet, ExecuteChangeSet and DeleteStack calls, in order. */
  stackCalls: SeenStackCall[];
  /** Imports the proxy resolved (export names), in order. */
  resolved: string[];
  close(): Promise<void>;
}

const STACK_ACTIONS = new Set(['CreateChangeSet', 'ExecuteChangeSet', 'DeleteStack']);

async function body(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Replaces every `{ "Fn::ImportValue": name }` with the export's value. */
function resolveImports(value: unknown, exports: Record<string, string>, seen: string[]): unknown {
  if (Array.isArray(value)) return value.map((v) => resolveImports(v, exports, seen));
  if (typeof value !== 'object' || value === null) return value;
  const entries = Object.entries(value);
  const [first] = entries;
  if (entries.length === 1 && first?.[0] === 'Fn::ImportValue' && typeof first[1] === 'string') {
    const resolved = exports[first[1]];
    if (resolved === undefined) return value;
    seen.push(first[1]);
    return resolved;
  }
  return Object.fromEntries(entries.map(([k, v]) => [k, resolveImports(v, exports, seen)]));
}

/** Starts the proxy on a free port in front of `upstream` (moto's endpoint). */
export async function startMotoImports(
  upstream: string,
  exports: Record<string, string>,
): Promise<MotoImports> {
  const stackCalls: SeenStackCall[] = [];
  const resolved: string[] = [];

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    let payload: Buffer | string = await body(request);
    // Only the query-protocol services (CloudFormation among them) are read; S3 bodies pass as bytes.
    const form = /x-www-form-urlencoded/.test(request.headers['content-type'] ?? '');
    const params = new URLSearchParams(form ? payload.toString('utf8') : '');
    const action = params.get('Action') ?? '';

    if (STACK_ACTIONS.has(action)) {
      stackCalls.push({
        action,
        stackName: params.get('StackName'),
        roleArn: params.get('RoleARN'),
        resourceTypes: [...params.entries()]
          .filter(([key]) => key.startsWith('ResourceTypes.member.'))
          .map(([, value]) => value),
      });
    }
    const template = params.get('TemplateBody');
    if (action === 'CreateChangeSet' && template !== null) {
      const document = parse(template, { version: '1.1' }) as unknown;
      params.set('TemplateBody', JSON.stringify(resolveImports(document, exports, resolved)));
      payload = params.toString();
    }

    const headers = new Headers();
    for (const [name, value] of Object.entries(request.headers)) {
      if (name === 'host' || name === 'content-length' || value === undefined) continue;
      headers.set(name, Array.isArray(value) ? value.join(', ') : value);
    }
    const method = request.method ?? 'GET';
    const answer = await fetch(`${upstream}${request.url ?? '/'}`, {
      method,
      headers,
      ...(method === 'GET' || method === 'HEAD' ? {} : { body: payload }),
    });
    await relay(answer, response);
  }

  const proxy = await serveLocally(handle);
  return {
    endpoint: proxy.endpoint,
    stackCalls,
    resolved,
    close: () => proxy.close(),
  };
}
