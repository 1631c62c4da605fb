import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, Connection } from '@temporalio/client';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { freePort } from '../../src/temporal/ports.js';
import { isPortFree } from '../../src/temporal/ports.js';

async function waitFor(what: string, fn: () => Promise<boolean> | boolean, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (
      await Promise.resolve()
        .then(fn)
        .catch(() => false)
    )
      return;
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

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

type Dev = { child: ChildProcess; output: () => string; exited: Promise<number | null> };

function startDev(args: string[], env: Record<string, string> = {}): Dev {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  if (!env.TEMPORAL_ADDRESS) delete childEnv.TEMPORAL_ADDRESS;
  const child = spawn(process.execPath, ['bin/pressroom.mjs', 'dev', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: childEnv });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

/**
 * n free ports, all different: two calls of freePort() may hand back the same number (the OS reuses a port
 * just released), and a dev given one port for two roles refuses to start for the wrong reason.
 */
async function freePorts(n: number, exclude: readonly number[] = []): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < n) {
    const port = await freePort();
    if (!exclude.includes(port)) ports.add(port);
  }
  return [...ports];
}

/** A gRPC port whose default Web UI port (+1000) is free too. */
async function portPair(): Promise<number> {
  for (;;) {
    const port = await freePort();
    if (port + 1000 <= 65_535 && (await isPortFree(port + 1000))) return port;
  }
}

const healthy = (httpPort: number) => async () => (await fetch(`http://127.0.0.1:${httpPort}/health`)).status === 200;

function recordedServer(dataDir: string): { pid: number; watchdogPid: number } {
  return JSON.parse(readFileSync(join(dataDir, 'temporal.pid'), 'utf8')) as { pid: number; watchdogPid: number };
}

describe('pressroom dev', () => {
  const dirs: string[] = [];
  const tempDir = (prefix: string) => {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    dirs.push(dir);
    return dir;
  };
  afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  it('brings up Temporal + Web UI (--port + 1000) + worker + /health, stops everything on a signal, and restarts on the persisted state', async () => {
    const dataDir = tempDir('pressroom-dev-');
    const port = await portPair();
    const [httpPort] = (await freePorts(1, [port, port + 1000])) as [number];
    const uiPort = port + 1000;
    const workflowId = `probe-dev-stack-${Date.now()}`;
    let sampleRunId: string | undefined;

    const first = startDev(['--port', String(port), '--http-port', String(httpPort), '--data-dir', dataDir]);
    try {
      await waitFor('/health 200', healthy(httpPort));
      await waitFor('the ready banner', () => first.output().includes('Press Ctrl-C to stop.'));
      expect(first.output()).toContain(`http://127.0.0.1:${uiPort}`);
      expect(first.output()).toContain(`http://127.0.0.1:${httpPort}/health`);
      // Not the default ports: the banner says what the CLI needs to reach this stack.
      expect(first.output()).toContain(`export TEMPORAL_ADDRESS=127.0.0.1:${port} PRESSROOM_API_URL=http://127.0.0.1:${httpPort}`);
      const ui = await fetch(`http://127.0.0.1:${uiPort}/`);
      expect(ui.status).toBe(200);
      // The default schedules are applied, and the Web UI's Schedules page (its API) lists them with their memo.
      expect(first.output()).toMatch(/Schedules\s+4 from \S*pressroom\.schedules\.json \(4 changed/);
      expect(existsSync(join(dataDir, 'inbox'))).toBe(true);
      const listed = (await (await fetch(`http://127.0.0.1:${uiPort}/api/v1/namespaces/default/schedules`)).json()) as {
        schedules?: Array<{ scheduleId: string }>;
      };
      expect((listed.schedules ?? []).map((s) => s.scheduleId).sort()).toEqual([
        'daily-freshness-sweep',
        'hourly-incremental-reindex',
        'nightly-import',
        'weekly-full-reindex',
      ]);
      const page = (await (await fetch(`http://127.0.0.1:${uiPort}/api/v1/namespaces/default/schedules/nightly-import`)).json()) as {
        memo?: { fields?: Record<string, unknown> };
      };
      expect(Object.keys(page.memo?.fields ?? {})).toEqual(expect.arrayContaining(['owner', 'expectedDuration', 'rollbackNote', 'pressroom']));

      const connection = await Connection.connect({ address: `127.0.0.1:${port}` });
      const client = new Client({ connection });
      const result: unknown = await client.workflow.execute('probeWorkflow', {
        taskQueue: 'pressroom',
        workflowId,
        args: [{ key: 'dev', value: 'persisted' }],
      });
      expect(result).toMatchObject({ key: 'dev', value: 'persisted' });

      // Pressroom's search attributes are registered on the dev server.
      const attributes = await connection.operatorService.listSearchAttributes({ namespace: 'default' });
      expect(Object.keys(attributes.customAttributes ?? {})).toEqual(expect.arrayContaining(['PressroomKind', 'PressroomSource', 'PressroomOutcome']));

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
    expect(existsSync(join(dataDir, 'temporal.pid'))).toBe(false);

    // No --port: TEMPORAL_ADDRESS's port is the one dev serves on.
    const second = startDev(['--http-port', String(httpPort), '--data-dir', dataDir], { TEMPORAL_ADDRESS: `127.0.0.1:${port}` });
    try {
      await waitFor('/health 200 again', healthy(httpPort));
      expect(second.output()).toContain(`Temporal gRPC    127.0.0.1:${port}`);
      expect(second.output()).toContain(`http://127.0.0.1:${uiPort}`);
      const connection = await Connection.connect({ address: `127.0.0.1:${port}` });
      const client = new Client({ connection });
      const description = await client.workflow.getHandle(workflowId).describe();
      expect(description.status.name).toBe('COMPLETED');
      // The sample is imported once per data directory, not on every start.
      expect(second.output()).not.toContain('Sample import');
      // Applying the same file again on the persisted server changes nothing.
      await waitFor('the ready banner again', () => second.output().includes('Press Ctrl-C to stop.'));
      expect(second.output()).toMatch(/Schedules\s+4 from \S*pressroom\.schedules\.json \(0 changed/);
      const sampleId = /Sample import\s+(import-[0-9a-f]+)/.exec(first.output())?.[1];
      expect((await client.workflow.getHandle(sampleId!).describe()).runId).toBe(sampleRunId);
      await connection.close();
    } finally {
      second.child.kill('SIGTERM');
    }
    expect(await second.exited).toBe(0);
    expect(await portOpen(port)).toBe(false);
  }, 300_000);

  it('refuses a port in use before starting anything, naming the port, its holder, the flag and the log', async () => {
    const dataDir = tempDir('pressroom-dev-ports-');
    // Another Temporal server on the gRPC port: the case that used to be silently adopted.
    const strangerPort = Number(inject('temporalAddress').split(':').pop());
    const [grpcUi, grpcHttp] = (await freePorts(2, [strangerPort])) as [number, number];
    const grpc = startDev(['--port', String(strangerPort), '--ui-port', String(grpcUi), '--http-port', String(grpcHttp), '--data-dir', dataDir]);
    expect(await grpc.exited).toBe(1);
    expect(grpc.output()).toMatch(new RegExp(`port ${strangerPort} \\(Temporal gRPC\\) on 127\\.0\\.0\\.1 is already in use by pid \\d+ \\(.*temporal.*\\)`));
    expect(grpc.output()).toContain('--port N');
    expect(grpc.output()).toContain(join(dataDir, 'temporal.log'));
    expect(grpc.output()).not.toContain('starting Temporal dev server');

    // The Web UI port defaults to --port + 1000; a holder there is reported with --ui-port.
    const port = await portPair();
    const holder = spawn(process.execPath, ['-e', `require('node:net').createServer().listen(${port + 1000}, '127.0.0.1', () => console.log('listening'))`], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      await new Promise((resolve) => holder.stdout.once('data', resolve));
      const [uiHttp] = (await freePorts(1, [port, port + 1000])) as [number];
      const ui = startDev(['--port', String(port), '--http-port', String(uiHttp), '--data-dir', dataDir]);
      expect(await ui.exited).toBe(1);
      expect(ui.output()).toContain(`port ${port + 1000} (Temporal Web UI) on 127.0.0.1 is already in use by pid ${holder.pid} `);
      expect(ui.output()).toContain('--ui-port N');
      expect(await portOpen(port)).toBe(false);

      // And the worker's HTTP port, with --http-port.
      const [httpGrpc, httpUi] = (await freePorts(2, [port + 1000])) as [number, number];
      const http = startDev(['--port', String(httpGrpc), '--ui-port', String(httpUi), '--http-port', String(port + 1000), '--data-dir', dataDir]);
      expect(await http.exited).toBe(1);
      expect(http.output()).toContain(`port ${port + 1000} (Pressroom HTTP API (/health)) on 127.0.0.1 is already in use by pid ${holder.pid}`);
      expect(http.output()).toContain('--http-port N');

      // And the worker's metrics port, when PRESSROOM_METRICS_ADDRESS pins it.
      const [metricsGrpc, metricsUi, metricsHttp] = (await freePorts(3, [port + 1000])) as [number, number, number];
      const metrics = startDev(['--port', String(metricsGrpc), '--ui-port', String(metricsUi), '--http-port', String(metricsHttp), '--data-dir', dataDir], {
        PRESSROOM_METRICS_ADDRESS: `127.0.0.1:${port + 1000}`,
      });
      expect(await metrics.exited).toBe(1);
      expect(metrics.output()).toContain(`port ${port + 1000} (worker metrics) on 127.0.0.1 is already in use by pid ${holder.pid}`);
      expect(metrics.output()).toContain('PRESSROOM_METRICS_ADDRESS=host:N');
    } finally {
      holder.kill();
    }
    expect(existsSync(join(dataDir, 'temporal.db'))).toBe(false);
  }, 60_000);

  it('a second dev on the same data dir is refused before it starts a server; when its Temporal server dies, dev stops and exits non-zero', async () => {
    const dataDir = tempDir('pressroom-dev-lock-');
    const [port, uiPort, httpPort] = (await freePorts(3)) as [number, number, number];
    const dev = startDev(['--port', String(port), '--ui-port', String(uiPort), '--http-port', String(httpPort), '--data-dir', dataDir, '--no-sample']);
    try {
      await waitFor('/health 200', healthy(httpPort));
      await waitFor('the ready banner', () => dev.output().includes('Press Ctrl-C to stop.'));
      expect(dev.output()).not.toContain('Sample import');
      const imports = (await (await fetch(`http://127.0.0.1:${httpPort}/imports`)).json()) as { imports: unknown[] };
      expect(imports.imports).toEqual([]);

      const [port2, uiPort2, httpPort2] = (await freePorts(3, [port, uiPort, httpPort])) as [number, number, number];
      const second = startDev(['--port', String(port2), '--ui-port', String(uiPort2), '--http-port', String(httpPort2), '--data-dir', dataDir, '--no-sample']);
      const code = await Promise.race([second.exited, sleep(30_000).then(() => 'still running')]);
      if (code === 'still running' || second.child.exitCode === null) second.child.kill('SIGTERM'); // a failed test leaves nothing running
      expect(code, second.output()).toBe(1);
      expect(second.output()).toContain(`the data dir ${dataDir} is in use by another pressroom dev (pid ${dev.child.pid}`);
      expect(second.output()).not.toContain('starting Temporal dev server');
      expect(await portOpen(port2)).toBe(false);

      // Its Temporal server dies: dev notices, stops its worker and fails, pointing at the log.
      const { pid } = recordedServer(dataDir);
      process.kill(pid, 'SIGKILL');
      const exitCode = await Promise.race([dev.exited, sleep(40_000).then(() => 'still running')]);
      expect(exitCode, dev.output()).toBe(1);
      expect(dev.output()).toContain('the Temporal dev server exited unexpectedly');
      expect(dev.output()).toContain(join(dataDir, 'temporal.log'));
      expect(await portOpen(httpPort)).toBe(false);
    } finally {
      dev.child.kill('SIGTERM');
    }
  }, 180_000);

  it('kill -9 of dev takes its Temporal server with it, the next start works, and a leftover server on the data dir is stopped', async () => {
    const dataDir = tempDir('pressroom-dev-kill-');
    const [port, uiPort, httpPort] = (await freePorts(3)) as [number, number, number];
    const args = ['--port', String(port), '--ui-port', String(uiPort), '--http-port', String(httpPort), '--data-dir', dataDir, '--no-sample'];

    const first = startDev(args);
    await waitFor('/health 200', healthy(httpPort));
    const { pid, watchdogPid } = recordedServer(dataDir);
    expect(alive(pid)).toBe(true);
    first.child.kill('SIGKILL');
    await first.exited;
    await waitFor('the orphaned Temporal server to die', () => !alive(pid) && !alive(watchdogPid), 8_000);
    expect(await portOpen(port)).toBe(false);

    const second = startDev(args);
    try {
      await waitFor('/health 200 after kill -9', healthy(httpPort));
      const connection = await Connection.connect({ address: `127.0.0.1:${port}` });
      await connection.workflowService.describeNamespace({ namespace: 'default' });
      await connection.close();
    } finally {
      second.child.kill('SIGTERM');
    }
    expect(await second.exited).toBe(0);

    // A server whose guards all died (say, both killed at once) is left on the data dir's
    // temporal.db, holding its ports: the next start stops it instead of adopting it.
    const logFd = openSync(join(dataDir, 'leftover.log'), 'a');
    const leftover = spawn(
      inject('temporalCli'),
      [
        'server',
        'start-dev',
        '--ip',
        '127.0.0.1',
        '--port',
        String(port),
        '--ui-port',
        String(uiPort),
        '--db-filename',
        join(dataDir, 'temporal.db'),
        '--log-level',
        'warn',
      ],
      { stdio: ['ignore', logFd, logFd], detached: true },
    );
    closeSync(logFd);
    try {
      await waitFor('the leftover server', () => portOpen(port), 60_000);
      writeFileSync(join(dataDir, 'temporal.pid'), JSON.stringify({ pid: leftover.pid, watchdogPid: 999_999, port, startedAt: new Date().toISOString() }));
      const third = startDev(args);
      try {
        await waitFor('/health 200 after a leftover', healthy(httpPort));
        expect(third.output()).toContain(`stopped a Temporal server (pid ${leftover.pid}) left running on ${join(dataDir, 'temporal.db')}`);
        expect(alive(leftover.pid!)).toBe(false);
        expect(recordedServer(dataDir).pid).not.toBe(leftover.pid);
      } finally {
        third.child.kill('SIGTERM');
      }
      expect(await third.exited).toBe(0);
    } finally {
      if (leftover.exitCode === null && leftover.signalCode === null) leftover.kill('SIGKILL');
    }
  }, 300_000);
});
