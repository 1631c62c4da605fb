import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, Connection } from '@temporalio/client';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/temporal/dev-server.js';

async function waitFor(what: string, fn: () => Promise<boolean>, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await fn().catch(() => false)) return;
    await sleep(300);
  }
  throw new Error(`timed out waiting for ${what}`);
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

function startDev(args: string[]): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, ['bin/pressroom.mjs', 'dev', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

describe('pressroom dev', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'pressroom-dev-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('brings up Temporal + Web UI + worker + /health, stops everything on a signal, and restarts on the persisted state', async () => {
    const [port, uiPort, httpPort] = [await freePort(), await freePort(), await freePort()];
    const args = ['--port', String(port), '--ui-port', String(uiPort), '--http-port', String(httpPort), '--data-dir', dataDir];
    const workflowId = `probe-dev-stack-${Date.now()}`;
    let sampleRunId: string | undefined;

    const first = startDev(args);
    try {
      await waitFor('/health 200', async () => (await fetch(`http://127.0.0.1:${httpPort}/health`)).status === 200);
      expect(first.output()).toContain(`http://127.0.0.1:${uiPort}`);
      expect(first.output()).toContain(`http://127.0.0.1:${httpPort}/health`);
      const ui = await fetch(`http://127.0.0.1:${uiPort}/`);
      expect(ui.status).toBe(200);

      const connection = await Connection.connect({ address: `127.0.0.1:${port}` });
      const client = new Client({ connection });
      const result = await client.workflow.execute('probeWorkflow', { taskQueue: 'pressroom', workflowId, args: [{ key: 'dev', value: 'persisted' }] });
      expect(result).toMatchObject({ key: 'dev', value: 'persisted' });

      // The first start imports the sample corpus: a real run, with rejections, visible in the Web UI.
      const sampleId = /Sample import\s+(import-[0-9a-f]+)/.exec(first.output())?.[1];
      expect(sampleId, first.output()).toBeDefined();
      const sample = client.workflow.getHandle(sampleId!);
      const report = (await sample.result()) as { status: string; counts: { files: number; created: number; rejected: number } };
      expect(report.status).toBe('completed');
      expect(report.counts.files).toBe(200);
      expect(report.counts.rejected).toBeGreaterThan(0);
      expect(report.counts.created + report.counts.rejected).toBe(200);
      sampleRunId = (await sample.describe()).runId;
      const rejections = (await (await fetch(`http://127.0.0.1:${httpPort}/rejections`)).json()) as { total: number };
      expect(rejections.total).toBe(report.counts.rejected);
      await connection.close();
    } finally {
      first.child.kill('SIGINT');
    }
    expect(await first.exited).toBe(0);
    // Nothing left behind: the Temporal server, the UI and the HTTP API are all gone.
    expect(await portOpen(port)).toBe(false);
    expect(await portOpen(uiPort)).toBe(false);
    expect(await portOpen(httpPort)).toBe(false);

    const second = startDev(args);
    try {
      await waitFor('/health 200 again', async () => (await fetch(`http://127.0.0.1:${httpPort}/health`)).status === 200);
      const connection = await Connection.connect({ address: `127.0.0.1:${port}` });
      const client = new Client({ connection });
      const description = await client.workflow.getHandle(workflowId).describe();
      expect(description.status.name).toBe('COMPLETED');
      // The sample is imported once per data directory, not on every start.
      expect(second.output()).not.toContain('Sample import');
      const sampleId = /Sample import\s+(import-[0-9a-f]+)/.exec(first.output())?.[1];
      expect((await client.workflow.getHandle(sampleId!).describe()).runId).toBe(sampleRunId);
      await connection.close();
    } finally {
      second.child.kill('SIGTERM');
    }
    expect(await second.exited).toBe(0);
    expect(await portOpen(port)).toBe(false);
  }, 240_000);

  it('--no-sample skips the sample import', async () => {
    const fresh = mkdtempSync(join(tmpdir(), 'pressroom-dev-nosample-'));
    const [port, uiPort, httpPort] = [await freePort(), await freePort(), await freePort()];
    const dev = startDev(['--port', String(port), '--ui-port', String(uiPort), '--http-port', String(httpPort), '--data-dir', fresh, '--no-sample']);
    try {
      await waitFor('/health 200', async () => (await fetch(`http://127.0.0.1:${httpPort}/health`)).status === 200);
      await waitFor('the ready banner', async () => dev.output().includes('Press Ctrl-C to stop.'));
      expect(dev.output()).not.toContain('Sample import');
      const imports = (await (await fetch(`http://127.0.0.1:${httpPort}/imports`)).json()) as { imports: unknown[] };
      expect(imports.imports).toEqual([]);
    } finally {
      dev.child.kill('SIGTERM');
    }
    expect(await dev.exited).toBe(0);
    rmSync(fresh, { recursive: true, force: true });
  }, 120_000);
});
