// Waiting for an import's end from the CLI, through Temporal restarts and missing workers: the
// result is awaited in one loop that reconnects on a lost server (bounded), while another loop draws
// the progress and says when no worker polls the task queue. Pure over its deps, so unit tests drive it.

import { ServiceError, WorkflowFailedError, WorkflowNotFoundError } from '@temporalio/client';
import { ErrorType, errorTypeOf, PressroomError } from '../domain/errors.js';
import type { ImportProgress, ImportReport } from '../domain/import/index.js';
import { finalProgress, type Progress } from './output.js';

export type WaitDeps = {
  workflowId: string;
  /** `host:port` and task queue, for the messages. */
  address: string;
  taskQueue: string;
  /** The import's final report (follows continue-as-new); throws WorkflowFailedError when it did not complete. */
  result(): Promise<ImportReport>;
  /** The progress query, bounded by a short deadline. */
  progress(): Promise<ImportProgress>;
  /** How many workers poll the task queue for workflow tasks. */
  pollers(): Promise<number>;
  /** A fresh connection after a lost one (gRPC's own reconnect backs off up to two minutes). */
  reconnect(): Promise<void>;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
};

export type WaitLimits = { giveUpAfterMs: number; firstPollerCheckMs: number; pollerCheckEveryMs: number; retryEveryMs: number; drawEveryMs: number };

export const WAIT_LIMITS: WaitLimits = { giveUpAfterMs: 120_000, firstPollerCheckMs: 2_000, pollerCheckEveryMs: 5_000, retryEveryMs: 1_000, drawEveryMs: 500 };

export type Failure = { message: string; type: string; nonRetryable?: boolean };

export type WaitOutcome = { kind: 'completed'; report: ImportReport } | { kind: 'cancelled' } | { kind: 'failed'; status: string; failure: Failure };

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

/** What ended a workflow that did not complete: the innermost failure's message and type. */
export function describeFailure(error: WorkflowFailedError): { status: string; failure: Failure } {
  let leaf: Error | undefined = error.cause;
  while (leaf?.cause instanceof Error) leaf = leaf.cause;
  const failure = leaf ?? error;
  const type = (failure as { type?: unknown }).type;
  const nonRetryable = (failure as { nonRetryable?: unknown }).nonRetryable;
  const status = error.cause?.name === 'TerminatedFailure' ? 'terminated' : error.cause?.name === 'TimeoutFailure' ? 'timed out' : 'failed';
  return {
    status,
    failure: {
      message: failure.message || error.message,
      type: typeof type === 'string' && type ? type : failure.name,
      ...(typeof nonRetryable === 'boolean' ? { nonRetryable } : {}),
    },
  };
}

export function settle(error: unknown): WaitOutcome {
  if (error instanceof WorkflowFailedError) {
    if (error.cause?.name === 'CancelledFailure') return { kind: 'cancelled' };
    return { kind: 'failed', ...describeFailure(error) };
  }
  throw error;
}

export async function waitForImport(deps: WaitDeps, ui: Progress, limits: WaitLimits = WAIT_LIMITS): Promise<WaitOutcome> {
  const now = deps.now ?? Date.now;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const state: { done: boolean; lostSince: number | undefined } = { done: false, lostSince: undefined };

  const resultLoop = (async (): Promise<WaitOutcome> => {
    try {
      for (;;) {
        try {
          return { kind: 'completed', report: await deps.result() };
        } catch (error) {
          if (!isTransientTemporalError(error)) return settle(error);
          if (state.lostSince === undefined) {
            state.lostSince = now();
            ui.note(
              `lost Temporal at ${deps.address} (${error instanceof Error ? error.message : String(error)}); reconnecting and still waiting for ${deps.workflowId}, for up to ${limits.giveUpAfterMs / 1000} s`,
            );
          } else if (now() - state.lostSince >= limits.giveUpAfterMs) {
            throw new PressroomError(
              ErrorType.TemporalUnavailable,
              `lost Temporal at ${deps.address} for ${Math.round((now() - state.lostSince) / 1000)} s while waiting for import ${deps.workflowId} (TEMPORAL_ADDRESS sets the address). ` +
                `The import itself may have finished or still be running: \`pressroom import status ${deps.workflowId}\` once Temporal answers.`,
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
  const pause = () => Promise.race([ended, sleep(limits.drawEveryMs)]);
  /** A call that stops mattering once the import ended (its answer, if any, is dropped). */
  const untilEnd = <T>(call: () => Promise<T>): Promise<T | undefined> => Promise.race([call().catch(() => undefined), ended]);

  // Two loops: a progress query with no worker to answer it hangs until its deadline, and the
  // worker check must not wait for it.
  const drawLoop = async (): Promise<void> => {
    while (!state.done) {
      const progress = await untilEnd(() => deps.progress());
      if (state.done) return;
      if (progress) {
        state.lostSince = undefined;
        ui.update(progress);
      }
      await pause();
    }
  };

  const workerLoop = async (): Promise<void> => {
    let nextCheck = now() + limits.firstPollerCheckMs;
    let warned = false;
    while (!state.done) {
      if (now() >= nextCheck) {
        nextCheck = now() + limits.pollerCheckEveryMs;
        const pollers = await untilEnd(() => deps.pollers());
        if (state.done) return;
        if (pollers !== undefined) {
          state.lostSince = undefined;
          if (pollers === 0 && !warned) {
            warned = true;
            ui.note(
              `no worker is polling task queue "${deps.taskQueue}" at ${deps.address}: ${deps.workflowId} waits until one starts ` +
                '(`pressroom worker`, or `pressroom dev`; TASK_QUEUE must match). Still waiting …',
            );
          } else if (pollers > 0 && warned) {
            warned = false;
            ui.note(`a worker polls task queue "${deps.taskQueue}" now; continuing`);
          }
        }
      }
      await pause();
    }
  };

  const monitoring = Promise.all([drawLoop(), workerLoop()]);
  try {
    const outcome = await resultLoop;
    ui.finish(outcome.kind === 'completed' ? finalProgress(outcome.report) : undefined);
    return outcome;
  } catch (error) {
    ui.finish();
    throw error;
  } finally {
    await monitoring;
  }
}
