import { writeFileSync } from 'node:fs';
import { bundleWorkflowCode } from '@temporalio/worker';
import { resolveWorkflowsPath } from '../worker.js';
import type { Cli } from './output.js';

/** `pressroom bundle-workflows OUT`: writes the workflow bundle a worker loads with workflowBundle.codePath. */
export async function bundleWorkflows(out: string, cli: Cli): Promise<number> {
  const noop = () => undefined;
  const note = (message: string) => cli.out.note(message);
  const { code } = await bundleWorkflowCode({
    workflowsPath: resolveWorkflowsPath(),
    logger: { log: noop, trace: noop, debug: noop, info: noop, warn: note, error: note },
  });
  writeFileSync(out, code);
  return 0;
}
