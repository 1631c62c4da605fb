// The `pressroom` command: a thin dispatcher. Each command lives in its own module and is loaded
// only when used, so `pressroom parse` never pays for the Temporal client.

import { ConfigError } from '../config.js';
import { UsageError } from './args.js';

type Command = { summary: string; load: () => Promise<{ run: (args: string[]) => Promise<number> }> };

const COMMANDS: Record<string, Command> = {
  dev: { summary: 'start the dev stack: Temporal dev server + Web UI, worker, health endpoint', load: () => import('./dev.js') },
  worker: { summary: 'run a worker (and its HTTP API) against TEMPORAL_ADDRESS', load: () => import('./worker.js') },
  'setup-temporal': { summary: 'install the Temporal CLI and test server into .tools/venv', load: () => import('./setup-temporal.js') },
  parse: { summary: 'parse article exports and print the result (see --help)', load: () => import('./parse.js') },
  synth: { summary: 'write synthetic article exports (see --help)', load: () => import('./synth.js') },
  import: { summary: 'import article exports through importWorkflow (see --help)', load: () => import('./import.js') },
  review: { summary: 'approve or reject articles: pressroom review approve|reject SOURCE_ID…', load: () => import('./review.js') },
  rejections: { summary: 'list quarantined documents and why they were rejected', load: () => import('./rejections.js') },
  articles: { summary: 'list or show stored articles and their revisions', load: () => import('./articles.js') },
  'bundle-workflows': { summary: 'write the workflow bundle to a file (the worker does this in a child process)', load: () => import('./bundle-workflows.js') },
  probe: { summary: 'run the plumbing probe workflow (writes and reads back one row)', load: () => import('./probe.js') },
};

export function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length));
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return ['usage: pressroom <command> [options]', '', 'commands:', ...lines, '', 'Run `pressroom <command> --help` for a command\'s options.'].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    console.error(`pressroom: unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  try {
    const module = await command.load();
    return await module.run(rest);
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`pressroom ${name}: ${error.message}\nRun \`pressroom ${name} --help\` for usage.`);
      return 2;
    }
    if (error instanceof ConfigError) {
      console.error(`pressroom ${name}: ${error.message}`);
      return 2;
    }
    console.error(`pressroom ${name}: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}
