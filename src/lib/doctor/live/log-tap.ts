/**
 * Watches a CodeBuild log as it streams to the parser and keeps what a person needs when the
 * failure is not an access denial: the phase that failed, the command that failed with its exit
 * status, and the last lines that command printed. Memory stays bounded whatever the log's size.
 */
import { StringDecoder } from 'node:string_decoder';

import { redactSecretLines } from '../../text.js';
import type { FailureSummary } from './types.js';

// `[Container] 2024/08/03 05:12:45.019034 Running command …`: the CodeBuild agent's own lines.
const AGENT_LINE = /^\s{0,4}\[Container\] \d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d(?:\.\d+)? (.*)$/;
const RUNNING = /^Running command (.*)$/;
const COMMAND_FAILED = /^Command did not exit successfully (.*) exit status (\d+)\s*$/;
const PHASE_FAILED = /^Phase complete: (\w+) State: (FAILED|FAULT|TIMED_OUT|STOPPED)\b/;
const PHASE_CONTEXT = /^Phase context status code: (\S*) Message:\s?(.*)$/;

/** Lines of output kept per command, and shown in the summary. */
const KEPT_LINES = 200;
const SHOWN_LINES = 20;
/** A line longer than this is cut: a 50 MB line must not be held in memory. */
const MAX_LINE = 2000;
const SHOWN_LINE = 500;

/** What the tap saw. */
export interface LogTapSummary {
  failedPhase: string | null;
  phaseContext: string | null;
  command: string | null;
  exitStatus: number | null;
  /** The failing command's last lines, or the log's last lines when no command failed. */
  lines: string[];
}

/** Observes log chunks (strings or bytes) line by line. */
export class LogTap {
  private readonly decoder = new StringDecoder('utf8');
  private pending = '';
  private pendingCut = false;
  private output: string[] = [];
  private readonly tail: string[] = [];
  private failed: { command: string; exitStatus: number; lines: string[] } | null = null;
  private failedPhase: string | null = null;
  private phaseContext: string | null = null;
  private awaitingContext = false;

  /** Feeds one chunk of the log. */
  observe(chunk: string | Buffer): void {
    const text = typeof chunk === 'string' ? chunk : this.decoder.write(chunk);
    let start = 0;
    for (let nl = text.indexOf('\n', start); nl >= 0; nl = text.indexOf('\n', start)) {
      this.append(text.slice(start, nl));
      this.line(this.pending);
      this.pending = '';
      this.pendingCut = false;
      start = nl + 1;
    }
    this.append(text.slice(start));
  }

  /** Flushes the last line (a log need not end with a newline). */
  finish(): void {
    this.append(this.decoder.end());
    if (this.pending !== '') this.line(this.pending);
    this.pending = '';
  }

  /** What failed, as far as the log tells. */
  summary(): LogTapSummary {
    return {
      failedPhase: this.failedPhase,
      phaseContext: this.phaseContext,
      command: this.failed?.command ?? null,
      exitStatus: this.failed?.exitStatus ?? null,
      // Shown to whoever runs doctor, who may not be allowed to see the build's secrets.
      lines: redactSecretLines((this.failed?.lines ?? this.tail).slice(-SHOWN_LINES)),
    };
  }

  private append(text: string): void {
    if (this.pendingCut) return;
    this.pending += text;
    if (this.pending.length > MAX_LINE) {
      this.pending = this.pending.slice(0, MAX_LINE);
      this.pendingCut = true;
    }
  }

  private line(raw: string): void {
    const line = raw.replace(/\r$/, '');
    const agent = AGENT_LINE.exec(line);
    if (agent === null) {
      this.keepOutput(line);
      return;
    }
    const message = agent[1] ?? '';
    const running = RUNNING.exec(message);
    if (running !== null) {
      this.output = [];
      return;
    }
    const failed = COMMAND_FAILED.exec(message);
    // The first failure is the cause: POST_BUILD commands still run after a failed BUILD.
    if (failed !== null && this.failed === null) {
      this.failed = {
        command: failed[1] ?? '',
        exitStatus: Number(failed[2]),
        lines: this.output.slice(-SHOWN_LINES),
      };
      return;
    }
    const phase = PHASE_FAILED.exec(message);
    if (phase !== null && this.failedPhase === null) {
      this.failedPhase = phase[1] ?? null;
      this.awaitingContext = true;
      return;
    }
    const context = PHASE_CONTEXT.exec(message);
    if (context !== null && this.awaitingContext) {
      this.phaseContext = [context[1], context[2]].filter((s) => s !== '').join(': ') || null;
      this.awaitingContext = false;
    }
  }

  private keepOutput(line: string): void {
    if (line.trim() === '') return;
    const shown = line.length > SHOWN_LINE ? `${line.slice(0, SHOWN_LINE)}…` : line;
    this.output.push(shown);
    if (this.output.length > KEPT_LINES) this.output.shift();
    this.tail.push(shown);
    if (this.tail.length > SHOWN_LINES) this.tail.shift();
  }
}

/** Passes a log through unchanged while the tap watches it. */
export async function* tapped<T extends string | Buffer>(
  source: AsyncIterable<T>,
  tap: LogTap,
): AsyncGenerator<T> {
  for await (const chunk of source) {
    tap.observe(chunk);
    yield chunk;
  }
  tap.finish();
}

/** The failure summary of a build from its phases and what its log showed. */
export function buildFailureSummary(
  failedPhase: string | null,
  phaseContext: string | null,
  log: LogTapSummary,
): FailureSummary {
  const phase = failedPhase ?? log.failedPhase;
  // "Error while executing command: X. Reason: exit status 1": the context names the command
  // even when the log could not be read.
  const fromContext = /Error while executing command: (.*)\. Reason: exit status (\d+)/.exec(
    phaseContext ?? '',
  );
  return {
    phase,
    command: log.command ?? fromContext?.[1] ?? null,
    exitStatus: log.exitStatus ?? (fromContext ? Number(fromContext[2]) : null),
    reason: phaseContext ?? log.phaseContext,
    lines: log.lines,
  };
}
