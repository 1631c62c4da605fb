import { setupTemporalBinaries } from '../temporal/setup.js';
import type { Cli } from './output.js';

/** `pressroom setup-temporal`: installs the Temporal binaries unless TEMPORAL_CLI/TEMPORAL_TEST_SERVER or PATH provide them. */
export function setupTemporal(options: { force?: boolean }, cli: Cli): number {
  const found = setupTemporalBinaries({ force: options.force ?? false });
  cli.out.print(`temporal CLI:         ${found.cli}\ntemporal test server: ${found.testServer}`);
  return 0;
}
