/**
 * The plumbing of the small HTTP proxies some moto tests put in front of moto to fill what it
 * lacks (test/deploy/moto-imports.ts, test/doctor/live/moto-gaps.ts): a local server that
 * runs a handler per request, and the relay of an upstream answer back to the client.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

/** A running proxy. */
export interface LocalProxy {
  /** `http://127.0.0.1:PORT`. */
  endpoint: string;
  close(): Promise<void>;
}

/** Starts a server on a free local port; a handler that throws answers 502 with the error. */
export async function serveLocally(
  handle: (request: IncomingMessage, response: ServerResponse) => Promise<void>,
): Promise<LocalProxy> {
  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      response.writeHead(502, { 'content-type': 'text/plain' });
      response.end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/**
 * Sends an upstream answer to the client as it came, minus the framing headers that no longer
 * hold once fetch has decoded and buffered the body.
 */
export async function relay(answer: Response, response: ServerResponse): Promise<void> {
  const headers: Record<string, string> = {};
  answer.headers.forEach((value, name) => {
    if (!['content-length', 'content-encoding', 'transfer-encoding'].includes(name)) {
      headers[name] = value;
    }
  });
  response.writeHead(answer.status, headers);
  response.end(Buffer.from(await answer.arrayBuffer()));
}
