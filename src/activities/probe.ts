import { ApplicationFailure, Context, log } from '@temporalio/activity';
import { ErrorType } from '../domain/errors.js';
import type { Store } from '../store/index.js';
import { toApplicationFailure } from './failures.js';

export type ProbeInput = { key: string; value: string; failFirstAttempts: number };

// The plumbing probe: one row written through an activity and read back. Its optional failures let
// tests prove Temporal's retry policy, not a hand-written loop, recovers from transient errors.
export function createProbeActivities(deps: { store: Pick<Store, 'probes'> }) {
  return {
    async writeProbeRow(input: ProbeInput): Promise<{ attempt: number }> {
      const { attempt } = Context.current().info;
      if (attempt <= input.failFirstAttempts) {
        log.warn('probe failing on purpose', { key: input.key, attempt });
        throw ApplicationFailure.retryable(`probe attempt ${attempt} fails on purpose (first ${input.failFirstAttempts} do)`, ErrorType.TransientFailure);
      }
      try {
        await deps.store.probes.write({ key: input.key, value: input.value, attempts: attempt });
      } catch (error) {
        throw toApplicationFailure(error, `writing probe row ${input.key}`);
      }
      return { attempt };
    },
    async readProbeRow(key: string): Promise<{ key: string; value: string; attempts: number }> {
      const row = await deps.store.probes.read(key).catch((error: unknown) => {
        throw toApplicationFailure(error, `reading probe row ${key}`);
      });
      if (!row) throw ApplicationFailure.nonRetryable(`probe row ${key} not found after it was written`, ErrorType.InvalidInput);
      return row;
    },
  };
}

export type ProbeActivities = ReturnType<typeof createProbeActivities>;
