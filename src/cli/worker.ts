import { Runtime } from '@temporalio/worker';
import { loadConfig } from '../config.js';
import { startWorker } from '../worker.js';
import type { Cli } from './output.js';

/** `pressroom worker`: a worker and its HTTP API, configured from the environment only. */
export async function worker(cli: Cli): Promise<number> {
  const config = loadConfig(cli.env);
  const running = await startWorker(config);
  Runtime.instance().logger.info('pressroom worker running', { taskQueue: config.temporal.taskQueue, http: running.httpUrl, database: config.database.kind });
  // The SDK's Runtime turns SIGINT/SIGTERM into a graceful worker shutdown; done resolves after it.
  await running.done;
  return 0;
}
