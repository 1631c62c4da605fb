// `pressroom parse` and every --help must not load the Temporal client or worker: the SDK's native
// bridge alone costs hundreds of milliseconds and a thread pool. Checked in a fresh process: the SDK
// is CommonJS, so whatever ESM imported of it shows in require.cache.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { VALID_EXPORT } from '../domain/fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'pressroom-lazy-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function temporalModulesLoadedBy(code: string): string[] {
  const script = `
    import { createRequire } from 'node:module';
    const require = createRequire(import.meta.url);
    ${code}
    const loaded = Object.keys(require.cache).filter((path) => path.includes('/@temporalio/'));
    process.stderr.write('LOADED' + JSON.stringify(loaded.map((p) => p.replace(/.*node_modules\\//, ''))) + '\\n');
  `;
  const file = join(dir, `probe-${Math.random().toString(36).slice(2)}.mts`);
  writeFileSync(file, script);
  const { stderr, status } = spawnSync(process.execPath, ['--import', 'tsx', file], {
    cwd: process.cwd(),
    encoding: 'utf8',
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  expect(status, stderr).toBe(0);
  const line = stderr.split('\n').find((l) => l.startsWith('LOADED'));
  return JSON.parse(line?.slice('LOADED'.length) ?? 'null') as string[];
}

describe('lazy loading', () => {
  it('the check sees the Temporal client when it is loaded', () => {
    expect(
      temporalModulesLoadedBy(`await import(${JSON.stringify(join(process.cwd(), 'src/client.ts'))});`).some((p) => p.startsWith('@temporalio/client/')),
    ).toBe(true);
  });

  it('pressroom parse, and the help of every command, load no Temporal module', () => {
    const file = join(dir, 'one.txt');
    writeFileSync(file, VALID_EXPORT);
    const main = JSON.stringify(join(process.cwd(), 'src/cli/main.ts'));
    const loaded = temporalModulesLoadedBy(`
      const { main } = await import(${main});
      const { Output } = await import(${JSON.stringify(join(process.cwd(), 'src/cli/output.ts'))});
      const quiet = new Output({ write: () => true }, { write: () => true });
      const codes = [];
      codes.push(await main(['parse', ${JSON.stringify(file)}], { out: quiet }));
      for (const command of [['import'], ['import', 'status'], ['worker'], ['probe'], ['review', 'approve'], ['dev'], ['bundle-workflows']]) codes.push(await main([...command, '--help'], { out: quiet }));
      if (codes.some((c) => c !== 0)) throw new Error('exit codes ' + codes.join(','));
    `);
    expect(loaded).toEqual([]);
  });
});
