import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { prebuiltWorkflowBundle, startWorker } from '../../src/worker.js';

describe('PRESSROOM_WORKFLOW_BUNDLE (a prebuilt workflow bundle, as the image ships)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pressroom-bundle-test-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is unset by default: the worker bundles at start', () => {
    expect(loadConfig({}).workflowBundle).toBeUndefined();
    expect(loadConfig({ PRESSROOM_WORKFLOW_BUNDLE: '' }).workflowBundle).toBeUndefined();
    expect(prebuiltWorkflowBundle(loadConfig({}))).toBeUndefined();
  });

  it('names a file the worker loads instead of bundling, as an absolute path', () => {
    const file = join(dir, 'workflow-bundle.js');
    writeFileSync(file, '// bundle');
    // Relative to the working directory, whatever its depth (CI clones elsewhere than /work/main).
    const given = relative(process.cwd(), file);
    expect(given.startsWith('..')).toBe(true);
    const config = loadConfig({ PRESSROOM_WORKFLOW_BUNDLE: given });
    expect(config.workflowBundle).toBe(file);
    expect(prebuiltWorkflowBundle(config)).toEqual({ codePath: file });
  });

  it('fails before anything starts when the file is missing, naming the variable and how to build it', async () => {
    const missing = join(dir, 'missing-bundle.js');
    const dataDir = join(dir, 'data');
    const config = loadConfig({ PRESSROOM_WORKFLOW_BUNDLE: missing, PRESSROOM_DATA_DIR: dataDir, TEMPORAL_ADDRESS: '127.0.0.1:1' });
    const started = startWorker(config, { http: false });
    await expect(started).rejects.toBeInstanceOf(ConfigError);
    await expect(started).rejects.toThrow(`PRESSROOM_WORKFLOW_BUNDLE=${missing}: no such file`);
    await expect(started).rejects.toThrow(/pressroom bundle-workflows/);
    // No database was opened (and no bundling or connecting was tried) before the check.
    expect(existsSync(dataDir)).toBe(false);
  });
});
