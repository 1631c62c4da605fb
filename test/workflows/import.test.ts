import { Context } from '@temporalio/activity';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BatchInput, ImportActivities, ListSourceInput } from '../../src/activities/import.js';
import { importInput } from '../../src/client.js';
import { ZERO_COUNTS, type ImportCounts, type ImportReport, type ImportRequest } from '../../src/domain/import/index.js';
import { progressQuery } from '../../src/workflows/messages.js';
import { HEARTBEAT_THROTTLE } from '../../src/domain/names.js';
import { timeSkippingEnv, uniqueQueue, workflowBundle } from '../helpers/temporal.js';

/**
 * Mocked import activities: a manifest of `total` files, each batch counting every file as created.
 * `listGate` holds the listing back with `listedEarly` entries already listed (`listFails`: then it
 * fails for good); a batch started ahead of the listing waits for its entries like the real one.
 */
function mockActivities(total: number, options: MockOptions = {}) {
  const calls = { list: [] as ListSourceInput[], batches: [] as BatchInput[], finished: [] as ImportReport[], maxInFlight: 0 };
  let inFlight = 0;
  let listing: { total: number | null; listed: number } = { total: null, listed: options.listedEarly ?? 0 };
  const activities: ImportActivities = {
    async listSource(input) {
      calls.list.push(input);
      await options.listGate;
      if (options.listFails) throw ApplicationFailure.nonRetryable('the source vanished while listed', 'SourceNotFound');
      listing = { total, listed: total };
      return { total };
    },
    async importBatch(input): Promise<ImportCounts> {
      calls.batches.push(input);
      if (input.from === options.failBatchAt) throw ApplicationFailure.nonRetryable('the batch cannot be written', 'InvalidInput');
      let to = input.to;
      if (input.awaitListing) {
        const ctx = Context.current();
        while (listing.total === null && listing.listed < input.to) {
          ctx.heartbeat();
          await ctx.sleep(10);
        }
        to = Math.min(input.to, listing.total ?? input.to);
      }
      inFlight++;
      calls.maxInFlight = Math.max(calls.maxInFlight, inFlight);
      await (options.gate ?? new Promise((r) => setTimeout(r, 20)));
      inFlight--;
      const files = Math.max(0, to - input.from);
      return { ...ZERO_COUNTS, files, documents: files, created: files };
    },
    async finishImport(report) {
      calls.finished.push(report);
    },
  };
  return { activities, calls };
}

/** A listing held back until `finishListing` is called. */
function heldListing(): { listGate: Promise<void>; finishListing: () => void } {
  let finishListing!: () => void;
  const listGate = new Promise<void>((r) => (finishListing = r));
  return { listGate, finishListing };
}

/** Waits, in real time, until the import has processed `files` files. */
async function untilProcessed(handle: { query: (q: typeof progressQuery) => Promise<{ processed: number }> }, files: number): Promise<void> {
  for (let i = 0; i < 200 && (await handle.query(progressQuery)).processed < files; i++) await new Promise((r) => setTimeout(r, 25));
}

type MockOptions = { gate?: Promise<void>; listGate?: Promise<void>; listedEarly?: number; listFails?: boolean; failBatchAt?: number };

/** A complete workflow input, defaults filled in by the client's own function. */
const request = (overrides: Partial<ImportRequest> = {}) => importInput({ paths: ['/src'], ...overrides });

describe('importWorkflow on the time-skipping server (mocked activities)', () => {
  let env: TestWorkflowEnvironment;
  beforeAll(async () => {
    env = await timeSkippingEnv();
  });
  afterAll(async () => {
    await env?.teardown();
  });

  async function run(total: number, request: Record<string, unknown>, options: MockOptions = {}) {
    const { activities, calls } = mockActivities(total, options);
    const taskQueue = uniqueQueue('import-ts');
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: workflowBundle(),
      activities,
      maxHeartbeatThrottleInterval: HEARTBEAT_THROTTLE,
    });
    return { worker, calls, taskQueue };
  }

  it('splits the manifest into batches, never more than `concurrency` at once, and sums their counts', async () => {
    const { worker, calls, taskQueue } = await run(23, {});
    const report = await worker.runUntil(
      env.client.workflow.execute('importWorkflow', { taskQueue, workflowId: uniqueQueue('import'), args: [request({ batchSize: 5, concurrency: 2 })] }),
    );
    const ranges = calls.batches.map((b) => [b.from, b.to]).sort((a, b) => (a[0] ?? 0) - (b[0] ?? 0));
    expect(ranges).toEqual([
      [0, 5],
      [5, 10],
      [10, 15],
      [15, 20],
      [20, 23],
    ]);
    expect(calls.maxInFlight).toBeLessThanOrEqual(2);
    expect(calls.maxInFlight).toBe(2);
    expect(calls.list).toHaveLength(1);
    expect(report).toMatchObject({ status: 'completed', total: 23, runs: 1, counts: { files: 23, documents: 23, created: 23 } });
    expect(calls.finished).toEqual([report]);
  });

  it('continues as new, carrying its cursor and counts: every batch runs exactly once', async () => {
    const { worker, calls, taskQueue } = await run(23, {});
    const workflowId = uniqueQueue('import-can');
    const report = await worker.runUntil(async () => {
      const handle = await env.client.workflow.start('importWorkflow', {
        taskQueue,
        workflowId,
        args: [request({ batchSize: 5, concurrency: 1, maxBatchesPerRun: 2 })],
      });
      const result = (await handle.result()) as ImportReport;
      const description = await env.client.workflow.getHandle(workflowId).describe();
      expect(description.runId).not.toBe(handle.firstExecutionRunId);
      // The report is keyed by the chain's first run, whatever run finishes it.
      expect(result.importRunId).toBe(handle.firstExecutionRunId);
      return result;
    });
    expect(calls.batches.map((b) => b.from)).toEqual([0, 5, 10, 15, 20]);
    expect(new Set(calls.batches.map((b) => b.importRunId)).size).toBe(1);
    expect(calls.list).toHaveLength(1);
    expect(report).toMatchObject({ status: 'completed', runs: 3, counts: { files: 23, created: 23 } });
  });

  it('on cancel, lets the batches in flight finish, starts no more, and reports partial counts', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const { worker, calls, taskQueue } = await run(50, {}, { gate });
    const workflowId = uniqueQueue('import-cancel');
    await worker.runUntil(async () => {
      const handle = await env.client.workflow.start('importWorkflow', { taskQueue, workflowId, args: [request({ batchSize: 5, concurrency: 3 })] });
      // Wait (in real time, without skipping) until three batches are in flight.
      for (let i = 0; i < 200 && calls.batches.length < 3; i++) await new Promise((r) => setTimeout(r, 50));
      expect((await handle.query(progressQuery)).batchesInFlight).toBe(3);
      await handle.cancel();
      await new Promise((r) => setTimeout(r, 300));
      release();
      const error = await handle.result().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(WorkflowFailedError);
      expect((error as WorkflowFailedError).cause?.name).toBe('CancelledFailure');
    });
    expect(calls.batches).toHaveLength(3);
    expect(calls.finished).toHaveLength(1);
    expect(calls.finished[0]).toMatchObject({ status: 'cancelled', total: 50, counts: { files: 15, created: 15 } });
  });

  it('starts the first batches with the listing: each waits for its entries, and none runs past the total', async () => {
    const { listGate, finishListing } = heldListing();
    const { worker, calls, taskQueue } = await run(12, {}, { listGate, listedEarly: 7 });
    const report = await worker.runUntil(async () => {
      const handle = await env.client.workflow.start('importWorkflow', {
        taskQueue,
        workflowId: uniqueQueue('import-ahead'),
        args: [request({ batchSize: 5, concurrency: 3 })],
      });
      try {
        // Seqs 0-6 are listed: the first batch imports, the other two wait for theirs.
        await untilProcessed(handle, 5);
        // Its slot went to the next seqs at once: three batches wait for entries.
        expect(await handle.query(progressQuery)).toMatchObject({ phase: 'listing', processed: 5, batchesInFlight: 3 });
      } finally {
        finishListing();
      }
      return (await handle.result()) as ImportReport;
    });
    // The listing ended at 12: the batch started for 10-15 took the two entries there were, the one for
    // 15-20 found none; every batch was started ahead of the listing.
    expect(calls.batches.map((b) => [b.from, b.to, b.awaitListing]).sort((a, b) => Number(a[0]) - Number(b[0]))).toEqual([
      [0, 5, true],
      [5, 10, true],
      [10, 15, true],
      [15, 20, true],
    ]);
    expect(report).toMatchObject({ status: 'completed', total: 12, counts: { files: 12, created: 12 } });
  });

  it('fails with a failed report when the listing fails: batches waiting for entries stop, the others finish', async () => {
    const { listGate, finishListing } = heldListing();
    const { worker, calls, taskQueue } = await run(50, {}, { listGate, listedEarly: 5, listFails: true });
    const error = await worker.runUntil(async () => {
      const handle = await env.client.workflow.start('importWorkflow', {
        taskQueue,
        workflowId: uniqueQueue('import-list-fails'),
        args: [request({ batchSize: 5, concurrency: 3 })],
      });
      await untilProcessed(handle, 5);
      finishListing();
      const outcome: unknown = await handle.result().catch((e: unknown) => e);
      return outcome;
    });
    expect(error).toBeInstanceOf(WorkflowFailedError);
    expect((error as WorkflowFailedError).cause?.cause).toMatchObject({ type: 'SourceNotFound' });
    expect(calls.batches).toHaveLength(4);
    expect(calls.finished).toHaveLength(1);
    expect(calls.finished[0]).toMatchObject({ status: 'failed', counts: { files: 5 } });
  });

  it('fails at once when a batch fails for good during the listing: the listing and the waiting batches are stopped', async () => {
    const { listGate, finishListing } = heldListing();
    const { worker, calls, taskQueue } = await run(50, {}, { listGate, listedEarly: 5, failBatchAt: 0 });
    await worker.runUntil(async () => {
      const handle = await env.client.workflow.start('importWorkflow', {
        taskQueue,
        workflowId: uniqueQueue('import-batch-fails-listing'),
        args: [request({ batchSize: 5, concurrency: 2 })],
      });
      try {
        // The listing never ends here: the import must not wait for it.
        const error = await handle.result().catch((e: unknown) => e);
        expect((error as WorkflowFailedError).cause?.cause).toMatchObject({ type: 'InvalidInput' });
      } finally {
        finishListing();
      }
    });
    expect(calls.finished).toHaveLength(1);
    expect(calls.finished[0]).toMatchObject({ status: 'failed', counts: { files: 0 } });
  });

  it('on cancel during the listing, stops it and the batches waiting for entries, and reports what was imported', async () => {
    const { listGate, finishListing } = heldListing();
    const { worker, calls, taskQueue } = await run(50, {}, { listGate, listedEarly: 5 });
    await worker.runUntil(async () => {
      const handle = await env.client.workflow.start('importWorkflow', {
        taskQueue,
        workflowId: uniqueQueue('import-cancel-listing'),
        args: [request({ batchSize: 5, concurrency: 3 })],
      });
      try {
        await untilProcessed(handle, 5);
        await handle.cancel();
        const error = await handle.result().catch((e: unknown) => e);
        expect((error as WorkflowFailedError).cause?.name).toBe('CancelledFailure');
      } finally {
        finishListing();
      }
    });
    expect(calls.batches).toHaveLength(4);
    expect(calls.finished).toHaveLength(1);
    expect(calls.finished[0]).toMatchObject({ status: 'cancelled', total: 0, counts: { files: 5, created: 5 } });
  });

  it('fails at once, naming the field, on an invalid request', async () => {
    const { worker, calls, taskQueue } = await run(5, {});
    const error = await worker
      .runUntil(
        env.client.workflow.execute('importWorkflow', {
          taskQueue,
          workflowId: uniqueQueue('import-bad'),
          args: [{ ...request(), paths: ['relative/dir'], batchSize: 0 }],
        }),
      )
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkflowFailedError);
    expect((error as WorkflowFailedError).cause).toMatchObject({ type: 'InvalidInput', nonRetryable: true });
    expect((error as WorkflowFailedError).cause?.message).toMatch(/paths\.0: expected an absolute path.*batchSize/);
    expect(calls.list).toHaveLength(0);
  });

  it('applies no defaults: an input without the settings the client fills in fails, naming each', async () => {
    const { worker, calls, taskQueue } = await run(5, {});
    const error = await worker
      .runUntil(
        env.client.workflow.execute('importWorkflow', { taskQueue, workflowId: uniqueQueue('import-nodefaults'), args: [{ paths: ['/src'] } as never] }),
      )
      .catch((e: unknown) => e);
    expect((error as WorkflowFailedError).cause).toMatchObject({ type: 'InvalidInput', nonRetryable: true });
    for (const field of ['dryRun', 'batchSize', 'concurrency', 'maxHistoryEvents'])
      expect((error as WorkflowFailedError).cause?.message).toContain(`${field}: `);
    expect(calls.list).toHaveLength(0);
  });

  it('records a failed report when listing fails for good', async () => {
    const { worker, calls, taskQueue } = await run(0, {}, { listFails: true });
    const error = await worker
      .runUntil(env.client.workflow.execute('importWorkflow', { taskQueue, workflowId: uniqueQueue('import-fail'), args: [request({ paths: ['/nope'] })] }))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkflowFailedError);
    expect(calls.finished[0]).toMatchObject({ status: 'failed', total: 0 });
  });
});

describe('importWorkflow history stays bounded', () => {
  let env: TestWorkflowEnvironment;
  beforeAll(async () => {
    env = await timeSkippingEnv();
  });
  afterAll(async () => {
    await env?.teardown();
  });

  it('every run of the chain stays near its event budget, and no payload comes near 512 KB', async () => {
    const { activities, calls } = mockActivities(400);
    const taskQueue = uniqueQueue('import-hist');
    const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: workflowBundle(), activities });
    const workflowId = uniqueQueue('import-hist');
    const budget = 150;
    const lengths: number[] = [];
    let largestEvent = 0;
    await worker.runUntil(async () => {
      const handle = await env.client.workflow.start('importWorkflow', {
        taskQueue,
        workflowId,
        args: [request({ batchSize: 2, concurrency: 4, maxHistoryEvents: budget })],
      });
      const report = (await handle.result()) as ImportReport;
      expect(report.counts.files).toBe(400);
      // Walk the chain through each run's continued-as-new event.
      let runId: string | undefined = handle.firstExecutionRunId;
      while (runId) {
        const history: Awaited<ReturnType<ReturnType<typeof env.client.workflow.getHandle>['fetchHistory']>> = await env.client.workflow
          .getHandle(workflowId, runId)
          .fetchHistory();
        const events: NonNullable<typeof history.events> = history.events ?? [];
        lengths.push(events.length);
        for (const event of events) largestEvent = Math.max(largestEvent, JSON.stringify(event).length);
        runId = events.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
      }
      expect(report.runs).toBe(lengths.length);
    });
    expect(lengths.length).toBeGreaterThan(2);
    // The budget is checked before each new batch; draining up to `concurrency` batches adds a few events.
    for (const length of lengths) expect(length).toBeLessThanOrEqual(budget + 4 * 8);
    expect(largestEvent).toBeLessThan(512 * 1024);
    expect(calls.batches).toHaveLength(200);
    expect(new Set(calls.batches.map((b) => b.from)).size).toBe(200);
  });
});
