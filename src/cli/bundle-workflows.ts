import { writeFileSync } from 'node:fs';
import { bundleWorkflowCode } from '@temporalio/worker';
import { resolveWorkflowsPath } from '../worker.js';
import { UsageError } from './args.js';

/** `pressroom bundle-workflows OUT`: writes the workflow bundle a worker loads with workflowBundle.codePath. */
export async function run(args: string[]): Promise<number> {
  const [out] = args;
  if (!out || args.length !== 1) throw new UsageError('expected exactly one argument: the output file');
  const noop = () => undefined;
  const { code } = await bundleWorkflowCode({
    workflowsPath: resolveWorkflowsPath(),
    logger: { log: noop, trace: noop, debug: noop, info: noop, warn: console.warn, error: console.error },
  });
  writeFileSync(out, code);
  return 0;
}
