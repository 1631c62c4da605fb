import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import type { TestProject } from 'vitest/node';
import { startDevServer } from '../../src/temporal/dev-server.js';
import { setupTemporalBinaries } from '../../src/temporal/setup.js';
import { resolveWorkflowsPath } from '../../src/worker.js';
import { searchAttributeFlags } from '../../src/domain/names.js';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    temporalCli: string;
    temporalTestServer: string;
    workflowBundlePath: string;
  }
}

// One dev server and one workflow bundle for the whole run: each test file connects to the server
// with its own task queue and reuses the bundle instead of paying webpack per worker.
export default async function setup(project: TestProject) {
  const binaries = setupTemporalBinaries();
  const dir = mkdtempSync(join(tmpdir(), 'pressroom-test-'));
  const [server, bundle] = await Promise.all([
    startDevServer({
      headless: true,
      logFile: join(dir, 'temporal.log'),
      startTimeoutMs: 90_000,
      searchAttributes: searchAttributeFlags(),
    }),
    bundleWorkflowCode({ workflowsPath: resolveWorkflowsPath(), logger: quietLogger }),
  ]);
  const bundlePath = join(dir, 'workflow-bundle.js');
  writeFileSync(bundlePath, bundle.code);
  project.provide('temporalAddress', server.address);
  project.provide('temporalCli', binaries.cli);
  project.provide('temporalTestServer', binaries.testServer);
  project.provide('workflowBundlePath', bundlePath);
  return async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  };
}

const noop = () => undefined;
const quietLogger = { log: noop, trace: noop, debug: noop, info: noop, warn: console.warn, error: console.error };
