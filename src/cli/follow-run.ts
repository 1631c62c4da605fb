// Following a workflow run from the CLI to its end, through restarts of Temporal: one loop awaits the
// run's result and, when the server is lost, reconnects and awaits it again, for a bounded time; a
// second loop asks the run how it is going and shows the answer. `import --wait`, `release --wait`,
// `rollback --wait` and `reindex --wait` all follow through it. Pure over its deps, so unit tests drive
// it with stand-ins for Temporal.

import { ServiceError, WorkflowFailedError, WorkflowNotFoundError } from '@temporalio/client';
import { ErrorType, errorTypeOf, PressroomError } from '../domain/errors.js';

// gRPC codes a restarting or overloaded server answers with: CANCELLED, UNKNOWN, DEADLINE_EXCEEDED,
// RESOURCE_EXHAUSTED, ABORTED, INTERNAL, UNAVAILABLE.
const TRANSIENT_GRPC_CODES: ReadonlySet<number> = new Set([1, 2, 4, 8, 10, 13, 14]);

/** Whether waiting again can help: the server was unreachable, not the workflow over. */
export function isTransientTemporalError(error: unknown): boolean {
  if (error instanceof WorkflowFailedError || error instanceof WorkflowNotFoundError) return false;
  if (error instanceof ServiceError) {
    const code = (error.cause as { code?: unknown } | undefined)?.code;
    return typeof code !== 'number' || TRANSIENT_GRPC_CODES.has(code);
  }
  return errorTypeOf(error) === ErrorType.TemporalUnavailable;
}

/** How long a wait's query may take: one with no worker to answer it hangs until then. */
export const QUERY_DEADLINE_MS = 3_000;

export type FollowLimits = { giveUpAfterMs: number; retryEveryMs: number; pollEveryMs: number };

export const FOLLOW_LIMITS: FollowLimits = { giveUpAfterMs: 120_000, retryEveryMs: 1_000, pollEveryMs: 1_000 };

export type FollowDeps<R, V> = {
  /** What the run is, for the messages: import, release, rollback, reindex. */
  kind: string;
  workflowId: string;
  /** `host:port`, for the messages. */
  address: string;
  /** How to look at the run later, when the wait gives up: "`pressroom import status import-…`". */
  lookLater: string;
  /** The run's end (follows continue-as-new); a lost server is thrown, and awaited again. */
  result(): Promise<R>;
  /** How the run is going (a query, bounded by a short deadline). */
  watch(): Promise<V>;
  /** A fresh connection after a lost one (gRPC's own reconnect backs off up to two minutes). */
  reconnect(): Promise<void>;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
};

export type FollowUi<V> = {
  /** A line for the person waiting: the server was lost. */
  note(text: string): void;
  /** What the last `watch` answered. */
  show(view: V): void;
};

/** What a further loop beside the watch gets: whether the run ended, and a way to make calls that stop mattering then. */
export type Beside = {
  done(): boolean;
  /** A call whose answer is dropped once the run ended; an answer means Temporal is back. */
  untilEnd<T>(call: () => Promise<T>): Promise<T | undefined>;
  /** Sleeps `ms`, or less when the run ends. */
  pause(ms: number): Promise<void>;
  now(): number;
};

/**
 * Awaits the run's result, reconnecting on a lost server for up to `giveUpAfterMs` without any answer
 * (a result, a watch or a call made through `untilEnd` ends the outage), while the watch loop and any
 * `beside` loops run. Errors that are not an outage end the wait at once.
 */
export async function followRun<R, V>(
  deps: FollowDeps<R, V>,
  ui: FollowUi<V>,
  limits: FollowLimits = FOLLOW_LIMITS,
  beside: ReadonlyArray<(loop: Beside) => Promise<void>> = [],
): Promise<R> {
  const now = deps.now ?? Date.now;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const state: { done: boolean; lostSince: number | undefined } = { done: false, lostSince: undefined };

  const resultLoop = (async (): Promise<R> => {
    try {
      for (;;) {
        try {
          return await deps.result();
        } catch (error) {
          if (!isTransientTemporalError(error)) throw error;
          if (state.lostSince === undefined) {
            state.lostSince = now();
            ui.note(
              `lost Temporal at ${deps.address} (${error instanceof Error ? error.message : String(error)}); reconnecting and still waiting for ${deps.workflowId}, for up to ${limits.giveUpAfterMs / 1000} s`,
            );
          } else if (now() - state.lostSince >= limits.giveUpAfterMs) {
            throw new PressroomError(
              ErrorType.TemporalUnavailable,
              `lost Temporal at ${deps.address} for ${Math.round((now() - state.lostSince) / 1000)} s while waiting for ${deps.kind} ${deps.workflowId} (TEMPORAL_ADDRESS sets the address). ` +
                `The ${deps.kind} itself may have finished or still be running: ${deps.lookLater} once Temporal answers.`,
            );
          }
          await sleep(limits.retryEveryMs);
          await deps.reconnect().catch(() => undefined);
        }
      }
    } finally {
      state.done = true;
    }
  })();

  const ended = resultLoop.then(
    () => undefined,
    () => undefined,
  );
  const loop: Beside = {
    done: () => state.done,
    untilEnd: async <T>(call: () => Promise<T>): Promise<T | undefined> => {
      const answer = await Promise.race([call().catch(() => undefined), ended]);
      if (answer !== undefined) state.lostSince = undefined;
      return answer;
    },
    pause: (ms) => Promise.race([ended, sleep(ms)]),
    now,
  };

  // Loops of their own: a query with no worker to answer it hangs until its deadline, and nothing
  // else may wait for it.
  const watchLoop = async (): Promise<void> => {
    while (!state.done) {
      const view = await loop.untilEnd(() => deps.watch());
      if (state.done) return;
      if (view !== undefined) ui.show(view);
      await loop.pause(limits.pollEveryMs);
    }
  };

  const watching = Promise.all([watchLoop(), ...beside.map((run) => run(loop))]);
  try {
    return await resultLoop;
  } finally {
    await watching;
  }
}
