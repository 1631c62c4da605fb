// Waiting for an import's end from the CLI, through Temporal restarts and missing workers: follow-run.ts
// awaits the result (reconnecting on a lost server, bounded) and draws the progress, while a loop of
// the import's own says when no worker polls the task queue. Pure over its deps, so unit tests drive it.

import { WorkflowFailedError } from '@temporalio/client';
import type { ImportProgress, ImportReport } from '../domain/import/index.js';
import { followRun, isTransientTemporalError, type Beside } from './follow-run.js';
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
  // Two loops beside the result: a progress query with no worker to answer it hangs until its
  // deadline, and the worker check must not wait for it.
  const workerLoop = async (loop: Beside): Promise<void> => {
    let nextCheck = loop.now() + limits.firstPollerCheckMs;
    let warned = false;
    while (!loop.done()) {
      if (loop.now() >= nextCheck) {
        nextCheck = loop.now() + limits.pollerCheckEveryMs;
        const pollers = await loop.untilEnd(() => deps.pollers());
        if (loop.done()) return;
        if (pollers === 0 && !warned) {
          warned = true;
          ui.note(
            `no worker is polling task queue "${deps.taskQueue}" at ${deps.address}: ${deps.workflowId} waits until one starts ` +
              '(`pressroom worker`, or `pressroom dev`; TASK_QUEUE must match). Still waiting …',
          );
        } else if (pollers !== undefined && pollers > 0 && warned) {
          warned = false;
          ui.note(`a worker polls task queue "${deps.taskQueue}" now; continuing`);
        }
      }
      await loop.pause(limits.drawEveryMs);
    }
  };

  try {
    const outcome = await followRun<WaitOutcome, ImportProgress>(
      {
        kind: 'import',
        workflowId: deps.workflowId,
        address: deps.address,
        lookLater: `\`pressroom import status ${deps.workflowId}\``,
        result: async () => {
          try {
            return { kind: 'completed', report: await deps.result() };
          } catch (error) {
            if (isTransientTemporalError(error)) throw error;
            return settle(error);
          }
        },
        watch: () => deps.progress(),
        reconnect: () => deps.reconnect(),
        ...(deps.now ? { now: deps.now } : {}),
        ...(deps.sleep ? { sleep: deps.sleep } : {}),
      },
      { note: (text) => ui.note(text), show: (progress) => ui.update(progress) },
      { giveUpAfterMs: limits.giveUpAfterMs, retryEveryMs: limits.retryEveryMs, pollEveryMs: limits.drawEveryMs },
      [workerLoop],
    );
    ui.finish(outcome.kind === 'completed' ? finalProgress(outcome.report) : undefined);
    return outcome;
  } catch (error) {
    ui.finish();
    throw error;
  }
}
