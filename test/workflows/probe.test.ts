import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProbeActivities } from '../../src/activities/probe.js';
import type { ProbeRow } from '../../src/store/probes.js';
import { timeSkippingEnv, uniqueQueue, workflowBundle } from '../helpers/temporal.js';

describe('probeWorkflow on the time-skipping server', () => {
  let env: TestWorkflowEnvironment;
  beforeAll(async () => {
    env = await timeSkippingEnv();
  });
  afterAll(async () => {
    await env?.teardown();
  });

  it('retries a transient failure twice with a one-hour backoff and succeeds on the third attempt', async () => {
    const rows = new Map<string, ProbeRow>();
    const attemptsSeen: number[] = [];
    const real = createProbeActivities({
      store: {
        probes: {
          write: async (row: ProbeRow) => void rows.set(row.key, row),
          read: async (key: string) => rows.get(key),
        },
      },
    });
    const activities = {
      ...real,
      writeProbeRow: async (input: Parameters<typeof real.writeProbeRow>[0]) => {
        attemptsSeen.push(attemptsSeen.length + 1);
        return real.writeProbeRow(input);
      },
    };
    const taskQueue = uniqueQueue('probe-ts');
    const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: workflowBundle(), activities });

    const startedWall = Date.now();
    const startedVirtual = await env.currentTimeMs();
    const result = await worker.runUntil(
      env.client.workflow.execute('probeWorkflow', { taskQueue, workflowId: uniqueQueue('probe'), args: [{ key: 'k', value: 'v', failFirstAttempts: 2 }] }),
    );
    const virtualElapsed = (await env.currentTimeMs()) - startedVirtual;

    expect(result).toEqual({ key: 'k', value: 'v', attempts: 3 });
    expect(attemptsSeen).toEqual([1, 2, 3]);
    expect(rows.get('k')?.attempts).toBe(3);
    // Two one-hour backoffs passed on the server's clock, in seconds of real time.
    expect(virtualElapsed).toBeGreaterThanOrEqual(2 * 3600_000);
    expect(Date.now() - startedWall).toBeLessThan(30_000);
  });

  it('gives up after the profile allows and reports the failure type', async () => {
    const activities = createProbeActivities({ store: { probes: { write: async () => undefined, read: async () => undefined } } });
    const taskQueue = uniqueQueue('probe-ts');
    const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: workflowBundle(), activities });
    const run = worker.runUntil(
      env.client.workflow.execute('probeWorkflow', { taskQueue, workflowId: uniqueQueue('probe'), args: [{ key: 'k', value: 'v', failFirstAttempts: 99 }] }),
    );
    await expect(run).rejects.toMatchObject({ cause: { cause: { type: 'TransientFailure' } } });
  });
});
