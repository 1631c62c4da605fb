import type { DevOptions } from './dev.js';
import type { Cli } from './output.js';

/** `pressroom dev`: commander parses the flags, dev.ts runs the stack. */
export async function dev(options: DevOptions, _cli: Cli): Promise<number> {
  const { runDev } = await import('./dev.js');
  return runDev(options);
}
