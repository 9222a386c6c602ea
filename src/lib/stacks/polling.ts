import { setTimeout as delay } from 'node:timers/promises';

import type { PollingOptions } from './types.js';

/** Default milliseconds between DescribeStackEvents/DescribeChangeSet polls. */
export const DEFAULT_POLL_INTERVAL_MS = 3000;

/** Waits `ms`; resolves false (without throwing) when `signal` aborts first. */
export async function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted === true) return false;
  try {
    await delay(ms, undefined, signal === undefined ? {} : { signal });
    return true;
  } catch {
    return false;
  }
}

/** The polling settings with defaults filled in. */
export interface Poller {
  intervalMs: number;
  sleep: (ms: number, signal?: AbortSignal) => Promise<boolean>;
  now: () => Date;
}

/** Fills in the defaults of {@link PollingOptions}. */
export function poller(options: PollingOptions = {}): Poller {
  return {
    intervalMs: options.intervalMs ?? DEFAULT_POLL_INTERVAL_MS,
    sleep: options.sleep ?? sleep,
    now: options.now ?? (() => new Date()),
  };
}

/** An abort signal tied to Ctrl-C for the duration of a wait. */
export interface Interrupt {
  signal: AbortSignal;
  /** Removes the SIGINT listener; call it once the wait is over. */
  dispose(): void;
}

/**
 * Uses `signal` when the caller gave one; otherwise listens for SIGINT (Ctrl-C) until
 * disposed. While listening, Ctrl-C no longer kills the process: the wait returns an
 * `interrupted` result and the CloudFormation operation goes on without us, which is the
 * safe thing (cancelling an update half-way would start a rollback nobody asked for).
 */
export function interruptOnSigint(signal?: AbortSignal): Interrupt {
  if (signal !== undefined) return { signal, dispose: () => undefined };
  const controller = new AbortController();
  const onSigint = (): void => controller.abort();
  process.once('SIGINT', onSigint);
  return { signal: controller.signal, dispose: () => process.removeListener('SIGINT', onSigint) };
}
