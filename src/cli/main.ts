// The `pressroom` entry: builds the command tree (program.ts), runs it, and turns how it ended into
// an exit status: 0 ok, 1 the work failed, 2 the command line was wrong (one sentence saying why).

import { CommanderError } from 'commander';
import { ConfigError } from '../config.js';
import { errorTypeOf, ErrorType } from '../domain/errors.js';
import { UsageError } from './errors.js';
import { Output } from './output.js';
import { buildProgram } from './program.js';

export type MainOptions = { out?: Output; env?: NodeJS.ProcessEnv };

export async function main(argv: string[], options: MainOptions = {}): Promise<number> {
  const out = options.out ?? new Output();
  const { command, exitCode } = buildProgram({ out, env: options.env ?? process.env });
  try {
    await command.parseAsync(argv, { from: 'user' });
    return exitCode();
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has printed its message (or the help) already.
      return error.code === 'commander.helpDisplayed' || error.code === 'commander.version' ? 0 : 2;
    }
    const name = ['pressroom', ...commandPath(argv)].join(' ');
    const message = error instanceof Error ? error.message : String(error);
    if (error instanceof UsageError) {
      out.note(`${name}: ${message} (see \`${name} --help\`)`);
      return 2;
    }
    out.note(`${name}: ${message}`);
    if (error instanceof ConfigError) return 2;
    // A bug, not a condition we foresaw: PRESSROOM_DEBUG=1 prints the stack a bug report needs.
    if ((options.env ?? process.env).PRESSROOM_DEBUG && errorTypeOf(error) === ErrorType.Unexpected && error instanceof Error && error.stack)
      out.note(error.stack);
    return 1;
  }
}

/** The subcommand words of argv (up to the first option or operand that is not a command name). */
function commandPath(argv: string[]): string[] {
  const nested: Record<string, string[]> = {
    import: ['status', 'cancel'],
    articles: ['list', 'show'],
    review: ['approve', 'reject'],
    release: ['approve', 'reject', 'show', 'status'],
    reindex: ['rollback', 'generations'],
    schedules: ['apply', 'list', 'describe', 'pause', 'unpause', 'trigger', 'backfill', 'drift'],
  };
  const [first, second] = argv;
  if (first === undefined || first.startsWith('-')) return [];
  return second !== undefined && nested[first]?.includes(second) ? [first, second] : [first];
}
