import { Client, Connection } from '@temporalio/client';
import type { Config } from './config.js';
import { ErrorType, PressroomError } from './domain/errors.js';
import { connectionOptions } from './temporal/connection.js';
import type { PressroomClient } from './client/types.js';

// The client's entry: connects to Temporal and re-exports the typed starters of src/client/, one
// module per capability. Workflow ids are built in domain/names.ts; defaults are applied there too.

export type { PressroomClient } from './client/types.js';
export { cancelImport, importInput, importProgress, sourceHash, startImport, type ImportHandle } from './client/import.js';
export { runProbe } from './client/probe.js';
export { runReview, type ReviewRequest } from './client/review.js';
export { reindexInput, reindexProgress, reindexResult, startReindex, type ReindexRequest } from './client/reindex.js';

/** Long enough for a TLS handshake with Temporal Cloud, short enough that a stopped server is reported at once. */
export const CONNECT_TIMEOUT_MS = 2_500;

/** Temporal could not be reached: retryable once the server is up or TEMPORAL_ADDRESS points at it. */
export class TemporalUnavailableError extends PressroomError {
  constructor(
    readonly address: string,
    cause: unknown,
  ) {
    super(
      ErrorType.TemporalUnavailable,
      // The SDK's own text ("Failed to connect before the deadline") names neither; it stays the cause.
      `cannot reach Temporal at ${address}: no answer within ${CONNECT_TIMEOUT_MS / 1000} s. ` +
        'Start it (`pressroom dev`) or set TEMPORAL_ADDRESS to the server to use; a retry helps once it answers.',
      { cause },
    );
  }
}

export async function connectClient(config: Config): Promise<PressroomClient> {
  const { address } = config.temporal;
  let connection: Connection;
  try {
    connection = await Connection.connect({ ...connectionOptions(config), connectTimeout: CONNECT_TIMEOUT_MS });
  } catch (error) {
    throw new TemporalUnavailableError(address, error);
  }
  const client = new Client({ connection, namespace: config.temporal.namespace });
  return { client, connection, config, close: () => connection.close() };
}
export { loadSchedulesFile, desiredSchedules, SchedulesFileError, type DesiredSchedule } from './client/schedules/desired.js';
export { applyPlan, driftReport, planSchedules, type AppliedStep, type DriftReport, type Plan, type PlanStep } from './client/schedules/apply.js';
export {
  backfillSchedule,
  listViews,
  localTime,
  pauseSchedule,
  scheduleView,
  triggerSchedule,
  unpauseSchedule,
  type ScheduleView,
} from './client/schedules/status.js';
