/**
 * Live progress of a stack operation. On a terminal, a listr2 task per phase (waiting,
 * deleting, executing) whose output shows each resource's latest status; elsewhere (CI
 * logs, pipes, `NO_COLOR`, `TERM=dumb`) one plain line per event, so logs read top to bottom.
 * Progress goes to stderr: stdout is kept for the result (and `--json`).
 */
import { DefaultRenderer, Listr, ListrLogger, ProcessOutput } from 'listr2';

import type { DeployProgress } from '../stacks/deploy.js';
import type { StackActivity } from '../stacks/types.js';
import { toSingleLine } from '../text.js';
import { colorEnabled, makeStyle, type Style } from './style.js';

/** Options for {@link createStackProgress}. */
export interface StackProgressOptions {
  /** Where to write (default: stderr). */
  stream?: NodeJS.WriteStream;
  /** Live listr2 display (default: on a TTY, outside CI, without NO_COLOR or TERM=dumb). */
  live?: boolean;
  /** Colours (default: as the stream allows). */
  color?: boolean;
  /** Print nothing at all (`--json` without `--verbose`). */
  silent?: boolean;
}

/** Feeds a stack operation's progress to the display. */
export interface StackProgress {
  /** Pass as `deployStack`'s `onProgress`. */
  report(event: DeployProgress): void;
  /** Pass as `deleteStack`'s `onActivity`. */
  activity(activity: StackActivity): void;
  /** Ends the live display; call before printing the result or prompting. */
  finish(): Promise<void>;
}

/** Whether the live renderer suits `stream`. */
export function liveRendering(stream: { isTTY?: boolean }): boolean {
  const ci = process.env.CI !== undefined && process.env.CI !== '' && process.env.CI !== 'false';
  return colorEnabled(stream) && !ci;
}

/** Creates the display; nothing is drawn until the first event. */
export function createStackProgress(options: StackProgressOptions = {}): StackProgress {
  const stream = options.stream ?? process.stderr;
  const style = makeStyle(options.color ?? colorEnabled(stream));
  if (options.silent === true) {
    return { report: () => undefined, activity: () => undefined, finish: () => Promise.resolve() };
  }
  return (options.live ?? liveRendering(stream))
    ? new LiveProgress(stream, style)
    : new PlainProgress(stream, style);
}

/** The sentence for a step of the flow (not for stack events). */
export function describeStep(
  event: Exclude<DeployProgress, { type: 'activity' }>,
): string | undefined {
  switch (event.type) {
    case 'state':
      return event.state.kind === 'absent'
        ? `Stack ${event.state.stackName} does not exist yet.`
        : `Stack ${event.state.stackName} is ${event.state.status}.`;
    case 'waiting':
      return `Waiting for ${event.stackName} to finish ${event.status}`;
    case 'deleting':
      return event.why === 'recreate'
        ? `Deleting ${event.stackName} before creating it again`
        : `Deleting the empty stack ${event.stackName} (nothing was deployed)`;
    case 'change-set':
      return `Creating a change set (${event.changeSetType}) for ${event.stackName}…`;
    case 'executing':
      return `${event.changeSetType === 'CREATE' ? 'Creating' : 'Updating'} ${event.stackName}`;
  }
}

/** One event as one line: time, status, type, logical ID and reason. */
export function formatActivity(activity: StackActivity, style: Style): string {
  // Every field comes from AWS, and a custom resource writes its own reason: one clean line.
  const time = activity.timestamp.toISOString().slice(11, 19);
  const status = colourStatus(toSingleLine(activity.status), style);
  const where = activity.nested ? `${toSingleLine(activity.stackName)}/` : '';
  const reason =
    activity.reason === undefined ? '' : `  ${style.dim(toSingleLine(activity.reason))}`;
  return `${time}  ${status}  ${toSingleLine(activity.resourceType)}  ${where}${toSingleLine(activity.logicalId)}${reason}`;
}

function colourStatus(status: string, style: Style): string {
  if (status.endsWith('_FAILED')) return style.red(status);
  if (status.includes('ROLLBACK')) return style.yellow(status);
  if (status.endsWith('_COMPLETE')) return style.green(status);
  return style.cyan(status);
}

/** A line per event: for CI logs and pipes. */
class PlainProgress implements StackProgress {
  constructor(
    private readonly stream: NodeJS.WritableStream,
    private readonly style: Style,
  ) {}

  report(event: DeployProgress): void {
    if (event.type === 'activity') {
      this.activity(event.activity);
      return;
    }
    const line = describeStep(event);
    if (line !== undefined) this.stream.write(`${line}\n`);
  }

  activity(activity: StackActivity): void {
    this.stream.write(`${formatActivity(activity, this.style)}\n`);
  }

  finish(): Promise<void> {
    return Promise.resolve();
  }
}

/**
 * listr2's default renderer, told that it may draw without `process.stdout` being a TTY:
 * we draw on our own stream (stderr) and decided ourselves that it is a terminal. The
 * alternative, `forceTTY`, rewrites `process.stdout.isTTY` for the whole process.
 */
class StreamRenderer extends DefaultRenderer {
  static override nonTTY = true;
}

/** How many resource lines the live task shows under its title. */
const LIVE_LINES = 12;

/** A listr2 task per waiting phase, showing each resource's latest event. */
class LiveProgress implements StackProgress {
  /** The running listr task's output: what is shown under its title. */
  private task: { output: string } | undefined;
  private endPhase: (() => void) | undefined;
  private running: Promise<void> = Promise.resolve();
  private readonly latest = new Map<string, StackActivity>();

  constructor(
    private readonly stream: NodeJS.WriteStream,
    private readonly style: Style,
  ) {}

  report(event: DeployProgress): void {
    if (event.type === 'activity') {
      this.activity(event.activity);
      return;
    }
    this.stopPhase();
    const line = describeStep(event);
    if (event.type === 'waiting' || event.type === 'deleting' || event.type === 'executing') {
      this.startPhase(line ?? event.type);
    } else if (line !== undefined && event.type !== 'state') {
      this.stream.write(`${line}\n`);
    }
  }

  activity(activity: StackActivity): void {
    if (this.endPhase === undefined) this.startPhase(`Following ${activity.stackName}`);
    // Newest last: a resource that changes again moves to the bottom.
    const key = `${activity.stackName}/${activity.logicalId}`;
    this.latest.delete(key);
    this.latest.set(key, activity);
    this.render();
  }

  private render(): void {
    if (this.task === undefined) return;
    const lines = [...this.latest.values()].slice(-LIVE_LINES);
    this.task.output = lines.map((line) => formatActivity(line, this.style)).join('\n');
  }

  async finish(): Promise<void> {
    this.stopPhase();
    await this.running;
  }

  private startPhase(title: string): void {
    this.latest.clear();
    let resolve: () => void = () => undefined;
    const ended = new Promise<void>((done) => (resolve = done));
    this.endPhase = resolve;
    const logger = new ListrLogger({ processOutput: new ProcessOutput(this.stream, this.stream) });
    const list = new Listr(
      [
        {
          title,
          task: async (_context, task) => {
            this.task = task;
            this.render();
            await ended;
          },
          rendererOptions: { outputBar: LIVE_LINES, persistentOutput: true },
        },
      ],
      {
        renderer: StreamRenderer,
        rendererOptions: { logger },
        // Ctrl-C belongs to the stack wait, which then says how to follow the operation.
        registerSignalListeners: false,
        exitOnError: false,
      },
    );
    const previous = this.running;
    this.running = previous.then(() => list.run().then(() => undefined));
  }

  private stopPhase(): void {
    this.endPhase?.();
    this.endPhase = undefined;
    this.task = undefined;
  }
}
