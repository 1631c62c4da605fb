import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../src/temporal/ports.js';

// A real Varnish for tests: Debian's varnishd with the VCL operators deploy (src/release/varnish),
// its backend and purge ACL written into a private working directory that comes first on vcl_path.
// `-j none`: as root, varnishd's default unix jail drops the cache process to the package's `vcache`
// user, and on this machine that process then gets ECONNREFUSED from every loopback backend (503 for
// each request). Unjailed it works, as root and as anyone else; a throwaway test cache needs no jail.

export const VCL_DIR = join(import.meta.dirname, '../../src/release/varnish');

export type RunningVarnish = { url: string; port: number; stop(): Promise<void> };

export type VarnishOptions = { backend: { host: string; port: number }; storage?: string };

function findVarnishd(): string {
  for (const candidate of [process.env.VARNISHD, 'varnishd', '/usr/sbin/varnishd']) {
    if (!candidate) continue;
    const probe = spawnSync(candidate, ['-V'], { encoding: 'utf8' });
    if (probe.status === 0) return candidate;
  }
  throw new Error(
    'varnishd not found (looked at $VARNISHD, PATH and /usr/sbin/varnishd). Install it with `apt-get install -y varnish varnish-modules` (.ci/run does this on CI).',
  );
}

/** Waits until the VCL answers: a PURGE of a key nothing carries is handled by the VCL alone, no backend needed. */
async function waitReady(url: string, child: ChildProcess, log: () => string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`varnishd exited (${child.exitCode ?? child.signalCode}) before serving:\n${log()}`);
    try {
      const response = await fetch(`${url}/`, { method: 'PURGE', headers: { 'xkey-purge': 'pressroom-readiness-probe' }, signal: AbortSignal.timeout(1_000) });
      await response.arrayBuffer();
      if (response.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`varnishd did not answer on ${url} within ${timeoutMs} ms:\n${log()}`);
}

/** Starts varnishd in the foreground on a free loopback port, in front of `backend`. */
export async function startVarnish(options: VarnishOptions): Promise<RunningVarnish> {
  const varnishd = findVarnishd();
  const dir = mkdtempSync(join(tmpdir(), 'pressroom-varnish-'));
  writeFileSync(
    join(dir, 'pressroom-backend.vcl'),
    `backend api {\n  .host = "${options.backend.host}";\n  .port = "${options.backend.port}";\n}\n\nacl purgers {\n  "127.0.0.1";\n  "::1";\n}\n`,
  );
  // One retry on a new port covers the race between freePort and varnishd's bind.
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    let output = '';
    const child = spawn(
      varnishd,
      [
        '-F',
        '-j',
        'none',
        '-a',
        `127.0.0.1:${port}`,
        '-T',
        'none',
        '-n',
        join(dir, `work-${attempt}`),
        '-p',
        `vcl_path=${dir}:${VCL_DIR}`,
        '-f',
        join(VCL_DIR, 'pressroom.vcl'),
        '-s',
        options.storage ?? 'malloc,64m',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    try {
      await waitReady(url, child, () => output);
    } catch (error) {
      lastError = error;
      child.kill('SIGKILL');
      await exited;
      continue;
    }
    return {
      url,
      port,
      async stop() {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGTERM');
          const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
          await exited;
          clearTimeout(timer);
        }
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  rmSync(dir, { recursive: true, force: true });
  throw lastError instanceof Error ? lastError : new Error(String(lastError));
}
