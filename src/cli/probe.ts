import { connectClient, runProbe } from '../client.js';
import { loadConfig } from '../config.js';
import { UsageError } from './errors.js';
import type { Cli } from './output.js';

/** `pressroom probe [KEY]`: probeWorkflow writes one row through an activity and reads it back. */
export async function probe(key: string | undefined, cli: Cli): Promise<number> {
  if (key !== undefined && key.trim() === '') throw new UsageError('KEY must not be empty (leave it out for a fresh cli-<time> key)');
  const pc = await connectClient(loadConfig(cli.env));
  try {
    const result = await runProbe(pc, { key: key ?? `cli-${Date.now()}`, value: `written at ${new Date().toISOString()}` });
    cli.out.json(result);
    return 0;
  } finally {
    await pc.close();
  }
}
