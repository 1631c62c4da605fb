// Following a run to its end (follow-run.ts), with stand-ins for Temporal: what reindex --wait and
// release --wait do when the server is lost, comes back, or never does.
import { ServiceError, WorkflowNotFoundError } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { followRun, type FollowDeps, type FollowLimits } from '../../src/cli/follow-run.js';
import { followRelease } from '../../src/cli/release.js';
import { ErrorType, PressroomError } from '../../src/domain/errors.js';

const FAST: FollowLimits = { giveUpAfterMs: 300, retryEveryMs: 10, pollEveryMs: 5 };
const unavailable = () =>
  new ServiceError('Failed to get Workflow execution history', {
    cause: Object.assign(new Error('14 UNAVAILABLE: Connection refused'), { code: 14, details: 'Connection refused', metadata: {} }),
  });

function deps(overrides: Partial<FollowDeps<string, number>>): FollowDeps<string, number> {
  return {
    kind: 'reindex',
    workflowId: 'reindex-full-x',
    address: '127.0.0.1:7233',
    lookLater: '`pressroom reindex generations`',
    result: () => Promise.resolve('done'),
    watch: () => Promise.resolve(1),
    reconnect: () => Promise.resolve(),
    ...overrides,
  };
}

describe('following a run', () => {
  it('reconnects while the server is lost, shows what the run answers, and returns its result', async () => {
    let calls = 0;
    let reconnects = 0;
    let answered = 0;
    const notes: string[] = [];
    const shown: number[] = [];
    const result = await followRun(
      deps({
        // Lost for three tries, then the run's end; the watch answers between the outages.
        result: () => (++calls <= 3 ? Promise.reject(unavailable()) : new Promise<string>((resolve) => setTimeout(() => resolve('done'), 30))),
        watch: () => Promise.resolve(++answered),
        reconnect: () => Promise.resolve(void reconnects++),
      }),
      { note: (text) => notes.push(text), show: (view) => shown.push(view) },
      FAST,
    );
    expect(result).toBe('done');
    expect(reconnects).toBe(3);
    // One note per outage (an answer from the watch between two losses ends the first).
    expect(notes.length).toBeGreaterThan(0);
    for (const note of notes)
      expect(note).toMatch(
        /^lost Temporal at 127\.0\.0\.1:7233 \(Failed to get Workflow execution history\); reconnecting and still waiting for reindex-full-x, for up to 0\.3 s$/,
      );
    expect(shown.length).toBeGreaterThan(0);
    expect(shown).toEqual([...shown].sort((a, b) => a - b));
  });

  it('gives up after the bound without an answer, naming the run, the address and where to look later', async () => {
    const started = Date.now();
    const error = await followRun(
      deps({ result: () => Promise.reject(unavailable()), watch: () => Promise.reject(unavailable()) }),
      { note() {}, show() {} },
      FAST,
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PressroomError);
    expect((error as PressroomError).type).toBe(ErrorType.TemporalUnavailable);
    expect((error as Error).message).toBe(
      `lost Temporal at 127.0.0.1:7233 for ${Math.round((Date.now() - started) / 1000)} s while waiting for reindex reindex-full-x (TEMPORAL_ADDRESS sets the address). ` +
        'The reindex itself may have finished or still be running: `pressroom reindex generations` once Temporal answers.',
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(FAST.giveUpAfterMs);
  });

  it('an answer from the watch ends an outage: the bound counts from the last answer, not the first loss', async () => {
    let released = false;
    const wait = followRun(
      deps({
        // The result's long poll keeps failing for longer than the bound, as it can while a server restarts...
        result: () => (released ? Promise.resolve('done') : Promise.reject(unavailable())),
        // ...but the run answers its queries: the server is there, so the wait must not give up.
        watch: () => Promise.resolve(1),
      }),
      { note() {}, show() {} },
      { ...FAST, giveUpAfterMs: 100 },
    );
    await new Promise((resolve) => setTimeout(resolve, 400));
    released = true;
    expect(await wait).toBe('done');
  });

  it('an error that is not an outage ends the wait at once', async () => {
    const error = await followRun(
      deps({ result: () => Promise.reject(new WorkflowNotFoundError('gone', 'reindex-full-x', undefined)) }),
      { note() {}, show() {} },
      FAST,
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkflowNotFoundError);
  });

  it('a rollback is named as one when its wait gives up, with the command that shows it', async () => {
    const error = await followRelease(
      {
        workflowId: 'rollback-previous',
        address: 'x:1',
        result: () => Promise.reject(unavailable()),
        status: () => Promise.reject(unavailable()),
        reconnect: async () => undefined,
      },
      { note() {} },
      FAST,
    ).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(
      /while waiting for rollback rollback-previous .*`pressroom release status rollback-previous` once Temporal answers\.$/,
    );
  });
});
