// Runs the pressroom program in-process with its output captured: a commander program is cheap to
// build, so flag handling is tested without child processes or servers.
import { main } from '../../src/cli/main.js';
import { Output, type Sink } from '../../src/cli/output.js';

export type CliRun = { code: number; stdout: string; stderr: string };

export function stringSink(isTTY = false): Sink & { text: string } {
  const sink = {
    text: '',
    isTTY,
    write(chunk: string) {
      sink.text += chunk;
      return true;
    },
  };
  return sink;
}

export async function runCli(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<CliRun> {
  const stdout = stringSink();
  const stderr = stringSink();
  const code = await main(argv, { out: new Output(stdout, stderr), env });
  return { code, stdout: stdout.text, stderr: stderr.text };
}
