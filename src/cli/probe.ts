import { connectClient, runProbe } from '../client.js';
import { loadConfig } from '../config.js';

export async function run(args: string[]): Promise<number> {
  if (args.includes('--help')) {
    console.log('usage: pressroom probe [KEY]\n\nStarts probeWorkflow, which writes one row through an activity and reads it back.');
    return 0;
  }
  const config = loadConfig();
  const key = args[0] ?? `cli-${Date.now()}`;
  const pc = await connectClient(config);
  try {
    const result = await runProbe(pc, { key, value: `written at ${new Date().toISOString()}` });
    console.log(JSON.stringify(result));
    return 0;
  } finally {
    await pc.close();
  }
}
