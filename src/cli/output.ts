import { once } from 'node:events';
import type { ImportProgress, ImportReport } from '../domain/import/index.js';

// Everything the CLI prints goes through here: results on stdout, notes and progress on stderr,
// --json in one shape per kind of command:
//   - list commands (`articles list`, `rejections`, `imports`) print ONE JSON document
//     {"total": N, "items": [...]}, so a script reads the total and the page together;
//   - `parse --json` prints JSON Lines (one document per line) because it streams;
//   - every other command prints one JSON document, its result.
// Tests build an Output over string sinks; the program never writes to process.std* directly.

export type Sink = { write(chunk: string): boolean; isTTY?: boolean; once?(event: 'drain', listener: () => void): unknown };

export type Page<T> = { total: number; items: T[] };

export const LIST_JSON_HELP = 'print one JSON document {"total": N, "items": [...]} instead of a table';

/** What every command runs with: where it writes, and the environment it reads (tests pass their own). */
export type Cli = { out: Output; env: NodeJS.ProcessEnv };

export class Output {
  constructor(
    readonly stdout: Sink = process.stdout,
    readonly stderr: Sink = process.stderr,
  ) {}

  /** A line of the command's result (stdout). */
  print(text: string): void {
    this.stdout.write(`${text}\n`);
  }

  /** A line for the person at the terminal (stderr): what is happening, warnings, errors. */
  note(text: string): void {
    this.stderr.write(`${text}\n`);
  }

  /** One JSON document on stdout. */
  json(value: unknown): void {
    this.print(JSON.stringify(value));
  }

  /** Raw text on stdout, waiting when the pipe is full: a stream of 100k lines must not queue in memory. */
  async write(text: string): Promise<void> {
    if (this.stdout.write(text) === false && this.stdout.once) await once(this.stdout as unknown as NodeJS.EventEmitter, 'drain');
  }

  /** One JSON Lines record (streaming commands only: `parse --json`). */
  async jsonLine(value: unknown): Promise<void> {
    await this.write(`${JSON.stringify(value)}\n`);
  }

  /** A list command's page: one JSON document with --json, else the human rendering. */
  list<T>(page: Page<T>, json: boolean, human: (page: Page<T>) => void): void {
    if (json) this.json({ total: page.total, items: page.items });
    else human(page);
  }

  /** Rows as aligned columns (the last column is not padded). */
  table(rows: ReadonlyArray<readonly string[]>, indent = ''): void {
    const widths: number[] = [];
    for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
    for (const row of rows)
      this.print(
        indent +
          row
            .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
            .join('  ')
            .trimEnd(),
      );
  }

  /** A progress display on stderr: redrawn in place on a terminal, one line per change otherwise, silent with --json. */
  progress(json: boolean): Progress {
    return new Progress(this.stderr, json);
  }
}

export function progressBar(p: ImportProgress, width = 30): string {
  // While listing, the total is not known yet (batches already run on the entries listed first).
  const fraction = p.phase === 'listing' ? 0 : p.total > 0 ? Math.min(1, p.processed / p.total) : p.phase === 'completed' ? 1 : 0;
  const filled = Math.round(fraction * width);
  const label =
    p.phase === 'listing' ? (p.processed > 0 ? `listing source… ${p.processed} files so far` : 'listing source…') : `${p.processed}/${p.total} files`;
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}% ${label}  created ${p.created}  updated ${p.updated}  unchanged ${p.unchanged}  rejected ${p.rejected}`;
}

/** The progress a finished import's report stands for, so the bar's last frame is the real end state. */
export function finalProgress(report: ImportReport): ImportProgress {
  const c = report.counts;
  return {
    phase: report.status,
    dryRun: report.dryRun,
    total: report.total,
    processed: c.files,
    created: c.created,
    updated: c.updated,
    unchanged: c.unchanged,
    rejected: c.rejected,
    documents: c.documents,
    batchesInFlight: 0,
    runs: report.runs,
  };
}

export class Progress {
  private last = '';
  private drawn = false;

  constructor(
    private readonly sink: Sink,
    private readonly silent: boolean,
  ) {}

  update(p: ImportProgress): void {
    this.draw(progressBar(p));
  }

  /** Draws one line of progress (any command's bar): in place on a terminal, once per change otherwise. */
  draw(line: string): void {
    if (this.silent) return;
    if (this.sink.isTTY) {
      this.sink.write(`\r${line}`);
      this.drawn = true;
    } else if (line !== this.last) this.sink.write(`${line}\n`);
    this.last = line;
  }

  /** A message that must not be drawn over by the bar (a terminal's line is ended first). */
  note(text: string): void {
    if (this.drawn) this.sink.write('\n');
    this.drawn = false;
    this.sink.write(`${text}\n`);
  }

  /** Draws the final state (the loop may have stopped before the last batch showed) and ends the line. */
  finish(p?: ImportProgress): void {
    if (p) this.update(p);
    if (this.drawn) this.sink.write('\n');
    this.drawn = false;
  }
}
