import { spawn, type ChildProcess } from 'node:child_process';

// A Temporal server must die with whoever started it: after `kill -9` of `pressroom dev` an orphaned
// server would keep its ports and be adopted by the next start. Node has no PR_SET_PDEATHSIG, so
// the server runs under this tiny wrapper, which holds an IPC pipe to the parent: when the parent
// dies, however it dies, the pipe closes and the wrapper stops the server (SIGTERM, then SIGKILL).
// Plain CommonJS run with `node -e`, so it needs neither tsx nor a build.
const WATCHDOG_SOURCE = `
const { spawn } = require('node:child_process');
const { constants } = require('node:os');
const [bin, ...args] = process.argv.slice(1);
const graceMs = Number(process.env.PRESSROOM_WATCHDOG_GRACE_MS || 5000);
const child = spawn(bin, args, { stdio: ['ignore', 'inherit', 'inherit'] });
let stopping = false;
function stop() {
  if (stopping) return;
  stopping = true;
  child.kill('SIGTERM');
  setTimeout(() => child.kill('SIGKILL'), graceMs).unref();
}
process.on('disconnect', stop);
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.on('SIGHUP', stop);
child.once('spawn', () => { if (process.connected) process.send({ serverPid: child.pid }); });
child.once('error', (error) => { console.error('pressroom watchdog: cannot start ' + bin + ': ' + error.message); process.exit(127); });
child.once('exit', (code, signal) => process.exit(code ?? 128 + (constants.signals[signal] || 1)));
`;

export type Watched = {
  /** The wrapper: signal it to stop the server, it exits with the server's status. */
  child: ChildProcess;
  /** The server's own pid, once it has been spawned. */
  serverPid: Promise<number>;
};

/** Runs `binary args` under the watchdog, its stdout and stderr on `outFd` (a file) or discarded. */
export function spawnWatched(binary: string, args: string[], options: { outFd?: number; graceMs?: number } = {}): Watched {
  const out = options.outFd ?? 'ignore';
  // detached: its own process group, so a terminal's Ctrl-C reaches only the parent, which stops
  // the server after its worker has drained.
  const child = spawn(process.execPath, ['-e', WATCHDOG_SOURCE, binary, ...args], {
    stdio: ['ignore', out, out, 'ipc'],
    detached: true,
    env: { ...process.env, PRESSROOM_WATCHDOG_GRACE_MS: String(options.graceMs ?? 5_000) },
  });
  const serverPid = new Promise<number>((resolve, reject) => {
    child.once('message', (message: { serverPid?: number }) =>
      typeof message.serverPid === 'number' ? resolve(message.serverPid) : reject(new Error('watchdog sent no pid')),
    );
    child.once('exit', (code) => reject(new Error(`the watchdog for ${binary} exited (${code}) before starting it`)));
  });
  serverPid.catch(() => undefined);
  return { child, serverPid };
}
