import { WorkflowClient, WorkflowNotFoundError, type Connection } from '@temporalio/client';
import type { WorkflowState, WorkflowStatusLookup } from '../http/routes/imports.js';

// How Temporal sees an import run, for the HTTP API's reconciliation: a workflow terminated through
// Temporal (or timed out) never runs its own code again, so only Temporal can say the run is over.

const STATES: Record<string, WorkflowState> = {
  RUNNING: 'running',
  COMPLETED: 'completed',
  FAILED: 'failed',
  CANCELLED: 'cancelled',
  TERMINATED: 'terminated',
  TIMED_OUT: 'timed_out',
};

/** Continue-as-new hops followed before giving up: an import continues every ~6,000 events, so this is millions of documents. */
const MAX_HOPS = 50;
// temporal.api.enums.v1.HistoryEventFilterType.HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT: only the closing event.
const CLOSE_EVENT_ONLY = 2;

/**
 * Looks a run up by its workflow id and first run id (the import's `runId`), following continue-as-new
 * to the run that ended the chain, so a later import under the same workflow id is never mistaken for it.
 */
export function temporalWorkflowStatus(connection: Connection, namespace: string): WorkflowStatusLookup {
  const client = new WorkflowClient({ connection, namespace });
  return async (workflowId, firstRunId) => {
    let runId = firstRunId;
    for (let hop = 0; hop < MAX_HOPS; hop++) {
      let description;
      try {
        description = await client.getHandle(workflowId, runId).describe();
      } catch (error) {
        if (error instanceof WorkflowNotFoundError) return { state: 'unknown' };
        throw error;
      }
      const name = description.status.name;
      if (name !== 'CONTINUED_AS_NEW') return { state: STATES[name] ?? 'unknown', closedAt: description.closeTime };
      const history = await client.workflowService.getWorkflowExecutionHistory({
        namespace,
        execution: { workflowId, runId },
        historyEventFilterType: CLOSE_EVENT_ONLY,
      });
      const next = history.history?.events?.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId;
      if (!next) return { state: 'unknown' };
      runId = next;
    }
    return { state: 'unknown' };
  };
}
