// The CLI's wait replaces its Temporal connection after a lost server. Closing a connection whose
// call the SDK is still retrying crashed the CLI ("Channel has been shut down", uncaught, from the
// gRPC retry timer): seen in CI as `import --wait` exiting 1 across a Temporal restart.
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import type { PressroomClient } from '../../src/client.js';
import { ReconnectingClient } from '../../src/cli/reconnecting-client.js';
import { freePort } from '../../src/temporal/ports.js';

function fakeClient(name: string, closed: string[]): PressroomClient {
  return { close: () => Promise.resolve(void closed.push(name)) } as unknown as PressroomClient;
}

function deferred(): { promise: Promise<string>; resolve: (v: string) => void } {
  let resolve!: (v: string) => void;
  const promise = new Promise<string>((r) => (resolve = r));
  return { promise, resolve };
}

describe('ReconnectingClient', () => {
  it('keeps a replaced connection open until the calls made through it settle', async () => {
    const closed: string[] = [];
    let n = 0;
    const temporal = new ReconnectingClient(fakeClient('first', closed), () => Promise.resolve(fakeClient(`fresh-${++n}`, closed)));
    const call = deferred();
    const used = temporal.use(() => call.promise);
    await temporal.reconnect();
    expect(closed).toEqual([]);
    expect(temporal.pending).toBe(1);

    // New calls go to the fresh connection.
    const seen: PressroomClient[] = [];
    await temporal.use((pc) => Promise.resolve(void seen.push(pc)));
    expect(seen[0]).toBe(temporal.current);

    call.resolve('answer');
    expect(await used).toBe('answer');
    expect(closed).toEqual(['first']);
    expect(temporal.pending).toBe(0);
  });

  it('closes a connection with nothing in flight at once, and each connection once', async () => {
    const closed: string[] = [];
    const temporal = new ReconnectingClient(fakeClient('first', closed), () => Promise.resolve(fakeClient('second', closed)));
    await temporal.reconnect();
    expect(closed).toEqual(['first']);
    await temporal.close();
    await temporal.close();
    expect(closed).toEqual(['first', 'second']);
  });

  it('closes on close() only after a failed call settles too', async () => {
    const closed: string[] = [];
    const temporal = new ReconnectingClient(fakeClient('only', closed), () => Promise.resolve(fakeClient('unused', closed)));
    let reject!: (e: Error) => void;
    const used = temporal.use(() => new Promise((_, r) => (reject = r)));
    await temporal.close();
    expect(closed).toEqual([]);
    reject(new Error('lost'));
    await expect(used).rejects.toThrow('lost');
    expect(closed).toEqual(['only']);
  });
});

// A real SDK connection to a dead address: its call fails UNAVAILABLE and the SDK schedules a
// retry; then the CLI reconnects. In its own process, since the hazard is an uncaught exception.
const script = (mode: 'close-at-once' | 'reconnecting', port: number) => `
import { Client, Connection } from '@temporalio/client';
import { ReconnectingClient } from './src/cli/reconnecting-client.ts';
const open = () => {
  const connection = Connection.lazy({ address: '127.0.0.1:${port}' });
  const client = new Client({ connection });
  return { client, connection, config: {}, close: () => connection.close() };
};
const first = open();
if (${JSON.stringify(mode)} === 'close-at-once') {
  first.connection.workflowService.getSystemInfo({}).catch(() => undefined);
  await new Promise((r) => setTimeout(r, 50));
  await first.close();
} else {
  const temporal = new ReconnectingClient(first, () => Promise.resolve(open()));
  temporal.use((pc) => pc.connection.workflowService.getSystemInfo({})).catch(() => undefined);
  await new Promise((r) => setTimeout(r, 50));
  await temporal.reconnect();
  await temporal.close();
}
// Long enough for several retry attempts (100 ms, 200 ms, 400 ms, ... apart).
await new Promise((r) => setTimeout(r, 1500));
process.exit(0);
`;

function run(mode: 'close-at-once' | 'reconnecting', port: number): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script(mode, port)], {
      cwd: process.cwd(),
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('exit', (code) => resolve({ code, stderr }));
  });
}

describe('a replaced connection whose call the SDK is retrying', () => {
  it('crashes the process when closed at once (the hazard), and not through ReconnectingClient', async () => {
    const port = await freePort();
    const [atOnce, reconnecting] = await Promise.all([run('close-at-once', port), run('reconnecting', port)]);
    expect(atOnce.code).not.toBe(0);
    expect(atOnce.stderr).toContain('Channel has been shut down');
    expect(reconnecting.stderr).not.toContain('Channel has been shut down');
    expect(reconnecting.code, reconnecting.stderr).toBe(0);
  }, 30_000);
});
