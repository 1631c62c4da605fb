import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/pressroom.mjs', import.meta.url));

export type BundleFile = { codePath: string; remove(): void };

/**
 * Bundles the workflows in a short-lived child process and returns the bundle's path. Webpack and
 * swc leave about 110 MB resident in whatever process runs them; a worker that bundles in-process
 * carries that for its whole life.
 */
export async function bundleWorkflowsInChild(): Promise<BundleFile> {
  const dir = mkdtempSync(join(tmpdir(), 'pressroom-bundle-'));
  const codePath = join(dir, 'workflow-bundle.js');
  const child = spawn(process.execPath, [BIN, 'bundle-workflows', codePath], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', resolve);
  });
  if (code !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`bundling the workflows failed (exit ${code}):\n${output}`);
  }
  return { codePath, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
