// What an import's workflow histories show: each run of its continue-as-new chain with its length,
// which worker ran each batch (ActivityTaskStarted's identity), and how long the listing took.
import type { Client, WorkflowHandle } from '@temporalio/client';
import { tsToMs } from '@temporalio/common/lib/time.js';

export type ChainSummary = {
  /** History length of each run, in chain order. */
  runs: number[];
  longest: number;
  /** importBatch activities by the identity of the worker that ran their last attempt. */
  batchesByWorker: Map<string, number>;
  /** Scheduled to completed of the listSource activity (the first run), in ms. */
  listingMs: number | undefined;
};

const eventNumber = (id: unknown): number => Number(String(id));

/** Walks the chain from its first run, following each run's continued-as-new event. */
export async function summarizeChain(client: Client, workflowId: string, firstRunId: string): Promise<ChainSummary> {
  const runs: number[] = [];
  const batchesByWorker = new Map<string, number>();
  let listingMs: number | undefined;
  let runId: string | undefined = firstRunId;
  while (runId !== undefined) {
    const history: Awaited<ReturnType<WorkflowHandle['fetchHistory']>> = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    const events = history.events ?? [];
    let next: string | undefined;
    runs.push(events.length);
    const typeOf = new Map<number, { name: string; at: number }>();
    for (const event of events) {
      const id = eventNumber(event.eventId);
      const scheduled = event.activityTaskScheduledEventAttributes;
      if (scheduled) typeOf.set(id, { name: scheduled.activityType?.name ?? '', at: tsToMs(event.eventTime) });
      const started = event.activityTaskStartedEventAttributes;
      if (started && typeOf.get(eventNumber(started.scheduledEventId))?.name === 'importBatch') {
        const who = started.identity ?? '(unknown)';
        batchesByWorker.set(who, (batchesByWorker.get(who) ?? 0) + 1);
      }
      const completed = event.activityTaskCompletedEventAttributes;
      const of = completed ? typeOf.get(eventNumber(completed.scheduledEventId)) : undefined;
      if (of?.name === 'listSource') listingMs = tsToMs(event.eventTime) - of.at;
      next = event.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? next;
    }
    runId = next;
  }
  return { runs, longest: Math.max(0, ...runs), batchesByWorker, listingMs };
}
