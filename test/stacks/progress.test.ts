import { PassThrough } from 'node:stream';

import { describe, expect, it } from 'vitest';

import type { StackActivity } from '../../src/lib/stacks/types.js';
import { createStackProgress } from '../../src/lib/ui/progress.js';

/** A writable that records what was written; `isTTY` when asked to pose as a terminal. */
function capture(tty: boolean) {
  const stream = new PassThrough() as PassThrough & { isTTY?: boolean; columns?: number };
  if (tty) Object.assign(stream, { isTTY: true, columns: 120 });
  // Recorded at write time: a PassThrough's 'data' events would arrive a tick later.
  const chunks: string[] = [];
  const write = stream.write.bind(stream);
  stream.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString());
    return write(chunk, ...rest);
  }) as typeof stream.write;
  stream.resume();
  return { stream: stream as unknown as NodeJS.WriteStream, text: () => chunks.join('') };
}

function activity(
  logicalId: string,
  status: string,
  extra: Partial<StackActivity> = {},
): StackActivity {
  return {
    eventId: `${logicalId}-${status}`,
    stackName: 'demo-stack',
    logicalId,
    resourceType: 'AWS::IAM::Role',
    status,
    timestamp: new Date('2026-01-01T10:00:05Z'),
    nested: false,
    ...extra,
  };
}

describe('stack progress, plain (CI logs, pipes)', () => {
  it('writes one line per step and per event, without colours', async () => {
    // Given a non-TTY stream
    const out = capture(false);
    const progress = createStackProgress({ stream: out.stream });

    // When a deploy reports its steps and events
    progress.report({ type: 'change-set', stackName: 'demo-stack', changeSetType: 'UPDATE' });
    progress.report({ type: 'executing', stackName: 'demo-stack', changeSetType: 'UPDATE' });
    progress.report({
      type: 'activity',
      activity: activity('ExecutionRole', 'UPDATE_IN_PROGRESS'),
    });
    progress.report({
      type: 'activity',
      activity: activity('Topic', 'CREATE_FAILED', {
        resourceType: 'AWS::SNS::Topic',
        stackName: 'demo-stack-Nested-1',
        nested: true,
        reason: 'Access denied',
      }),
    });
    await progress.finish();

    // Then each is one readable line, nested stacks named, with no escape codes
    expect(out.text()).toBe(
      [
        'Creating a change set (UPDATE) for demo-stack…',
        'Updating demo-stack',
        '10:00:05  UPDATE_IN_PROGRESS  AWS::IAM::Role  ExecutionRole',
        '10:00:05  CREATE_FAILED  AWS::SNS::Topic  demo-stack-Nested-1/Topic  Access denied',
        '',
      ].join('\n'),
    );
  });

  it('shows a reason a custom resource wrote as one clean line: no escapes, no line breaks', async () => {
    const out = capture(false);
    const progress = createStackProgress({ stream: out.stream });

    progress.report({
      type: 'activity',
      activity: activity('Custom', 'CREATE_FAILED', {
        reason: 'failed\u001b]0;pwned\u0007\n\u001b[2Jnow',
      }),
    });
    await progress.finish();

    expect(out.text()).toBe('10:00:05  CREATE_FAILED  AWS::IAM::Role  Custom  failed now\n');
  });

  it('prints nothing when silent (--json)', async () => {
    const out = capture(false);
    const progress = createStackProgress({ stream: out.stream, silent: true });
    progress.activity(activity('ExecutionRole', 'CREATE_COMPLETE'));
    await progress.finish();
    expect(out.text()).toBe('');
  });
});

describe('stack progress, live (terminal)', () => {
  it('renders a listr2 task with each resource, and ends cleanly on finish', async () => {
    // Given a terminal
    const out = capture(true);
    const progress = createStackProgress({ stream: out.stream, live: true, color: false });

    // When an execution reports events, and the deploy ends
    progress.report({ type: 'executing', stackName: 'demo-stack', changeSetType: 'CREATE' });
    progress.report({
      type: 'activity',
      activity: activity('ExecutionRole', 'CREATE_IN_PROGRESS'),
    });
    progress.report({ type: 'activity', activity: activity('ExecutionRole', 'CREATE_COMPLETE') });
    await progress.finish();

    // Then the final frame holds the title and the resource's latest status
    const text = out.text();
    expect(text).toContain('Creating demo-stack');
    expect(text).toContain('CREATE_COMPLETE  AWS::IAM::Role  ExecutionRole');
  });
});
