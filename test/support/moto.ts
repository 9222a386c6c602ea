/**
 * A moto server for integration tests: `python3 -m moto.server` on 127.0.0.1 and a free
 * port, with the test process pointed at it through `AWS_ENDPOINT_URL`, dummy credentials
 * and a region, so code under test builds its clients exactly as in production.
 *
 * One server per test file (started in `beforeAll`, stopped in `afterAll`), not one per run:
 * vitest runs files in parallel workers, and a shared server's `/moto-api/reset` between
 * suites would wipe another file's stacks mid-test. Starting moto takes one to two seconds.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll } from 'vitest';

/** A running moto server. */
export interface MotoServer {
  /** `http://127.0.0.1:PORT`. */
  endpoint: string;
  /** Forgets every resource (POST /moto-api/reset). */
  reset(): Promise<void>;
  /** Stops the server. */
  stop(): Promise<void>;
}

/** The region and account moto uses for the tests. */
export const MOTO_REGION = 'us-east-1';
export const MOTO_ACCOUNT = '123456789012';

/** Starts moto on a free port and resolves once it answers. */
export async function startMoto(timeoutMs = 30_000): Promise<MotoServer> {
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const child = spawn('python3', ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  // Never leave a server behind, even when the worker exits without running afterAll.
  const kill = (): void => void child.kill('SIGTERM');
  process.once('exit', kill);

  try {
    await waitUntilAnswering(endpoint, child, timeoutMs);
  } catch (error) {
    kill();
    throw new Error(`moto did not start on ${endpoint}: ${String(error)}\n${stderr}`);
  }

  return {
    endpoint,
    reset: async () => {
      const response = await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
      if (!response.ok) throw new Error(`moto reset failed: ${response.status}`);
    },
    stop: () => stopChild(child, kill),
  };
}

/**
 * Registers `beforeAll`/`afterAll` hooks for a test file: a fresh moto, the AWS variables
 * pointing at it (restored afterwards), and no shared config file from the developer's
 * machine. Returns a getter for the server (available once `beforeAll` ran).
 */
export function useMoto(): () => MotoServer {
  let server: MotoServer | undefined;
  const saved = new Map<string, string | undefined>();

  beforeAll(async () => {
    server = await startMoto();
    const dir = mkdtempSync(join(tmpdir(), 'aiproxy-moto-'));
    const env: Record<string, string | undefined> = {
      AWS_ENDPOINT_URL: server.endpoint,
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      AWS_SESSION_TOKEN: undefined,
      AWS_REGION: MOTO_REGION,
      AWS_DEFAULT_REGION: MOTO_REGION,
      AWS_PROFILE: undefined,
      AWS_CONFIG_FILE: join(dir, 'config'),
      AWS_SHARED_CREDENTIALS_FILE: join(dir, 'credentials'),
      AWS_EC2_METADATA_DISABLED: 'true',
    };
    for (const [name, value] of Object.entries(env)) {
      saved.set(name, process.env[name]);
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  afterAll(async () => {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    await server?.stop();
  });

  return () => {
    if (server === undefined) throw new Error('useMoto(): the server starts in beforeAll');
    return server;
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

async function waitUntilAnswering(
  endpoint: string,
  child: ChildProcess,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`exited with code ${child.exitCode}`);
    try {
      const response = await fetch(`${endpoint}/moto-api/`);
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no answer within ${timeoutMs} ms`);
}

function stopChild(child: ChildProcess, kill: () => void): Promise<void> {
  process.removeListener('exit', kill);
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    kill();
  });
}
