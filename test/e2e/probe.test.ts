import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectClient, runProbe, type PressroomClient } from '../../src/client.js';
import { startWorker, type RunningWorker } from '../../src/worker.js';
import { backends, type TestDatabase } from '../helpers/db.js';
import { testConfig, workflowBundle } from '../helpers/temporal.js';

for (const backend of backends()) {
  describe(`probe end to end: dev server + worker + ${backend.name}`, () => {
    let database: TestDatabase;
    let worker: RunningWorker;
    let client: PressroomClient;

    beforeAll(async () => {
      database = await backend.create();
      const config = testConfig(database.config);
      worker = await startWorker(config, { workflowBundle: workflowBundle() });
      client = await connectClient(config);
    });
    afterAll(async () => {
      await client?.close();
      await worker?.shutdown();
      await database?.cleanup();
    });

    it('writes a row through an activity and reads it back from the real store', async () => {
      const result = await runProbe(client, { key: `e2e-${backend.name}`, value: 'hello' });
      expect(result).toEqual({ key: `e2e-${backend.name}`, value: 'hello', attempts: 1 });
      expect(await worker.store.probes.read(`e2e-${backend.name}`)).toMatchObject({ value: 'hello' });
    });

    it('answers /health with 200 naming both dependencies', async () => {
      const response = await fetch(`${worker.httpUrl}/health`);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ ok: true, temporal: { ok: true }, database: { ok: true } });
    });

    it('shows the run in Temporal under its business id', async () => {
      const description = await client.client.workflow.getHandle(`probe-e2e-${backend.name}`).describe();
      expect(description.type).toBe('probeWorkflow');
      expect(description.status.name).toBe('COMPLETED');
    });
  });
}
