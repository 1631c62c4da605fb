import { Runtime } from '@temporalio/worker';
import { loadConfig } from '../config.js';
import { startWorker } from '../worker.js';

export async function run(args: string[]): Promise<number> {
  if (args.includes('--help')) {
    console.log('usage: pressroom worker\n\nRuns a worker and its HTTP API (/health) with the configuration from the environment\n(see README: TEMPORAL_ADDRESS, TASK_QUEUE, DATABASE_URL, PRESSROOM_DATA_DIR, PRESSROOM_HTTP_PORT, …).');
    return 0;
  }
  const config = loadConfig();
  const running = await startWorker(config);
  Runtime.instance().logger.info('pressroom worker running', { taskQueue: config.temporal.taskQueue, http: running.httpUrl, database: config.database.kind });
  // The SDK's Runtime turns SIGINT/SIGTERM into a graceful worker shutdown; done resolves after it.
  await running.done;
  return 0;
}
