import { userInfo } from 'node:os';
import { resolve } from 'node:path';
import {
  applyPlan,
  backfillSchedule,
  connectClient,
  driftReport,
  listViews,
  localTime,
  loadSchedulesFile,
  pauseSchedule,
  planSchedules,
  scheduleView,
  triggerSchedule,
  unpauseSchedule,
  type DesiredSchedule,
  type PlanStep,
  type PressroomClient,
  type ScheduleView,
} from '../client.js';
import { loadConfig, type Config } from '../config.js';
import type { OverlapName } from '../domain/schedules/file.js';
import { UsageError } from './errors.js';
import type { Cli } from './output.js';

// `pressroom schedules …`: the schedules file applied to Temporal, and what Temporal's schedules are
// doing. Every command talks to Temporal directly (schedules live there, not in the database).

type FileOptions = { file?: string };

async function withClient<T>(cli: Cli, fn: (pc: PressroomClient, config: Config) => Promise<T>, loaded?: Config): Promise<T> {
  const config = loaded ?? loadConfig(cli.env);
  const pc = await connectClient(config);
  try {
    return await fn(pc, config);
  } finally {
    await pc.close();
  }
}

const fileOf = (options: FileOptions, config: Config) => (options.file ? resolve(options.file) : config.schedulesFile);

/**
 * Runs fn with the schedules file read and checked first, before Temporal is asked anything: a bad file
 * is refused even with the server down.
 */
async function withFile<T>(
  options: FileOptions,
  cli: Cli,
  fn: (pc: PressroomClient, context: { config: Config; file: string; desired: DesiredSchedule[] }) => Promise<T>,
): Promise<T> {
  const config = loadConfig(cli.env);
  const file = fileOf(options, config);
  const desired = await loadSchedulesFile(file, config, cli.env);
  return withClient(cli, (pc) => fn(pc, { config, file, desired }), config);
}
const who = (by: string | undefined) => by ?? userInfo().username;

function stepLine(step: PlanStep, width: number): string[] {
  const d = step.desired;
  const what =
    step.action === 'create' && d
      ? `${d.workflowType}, ${d.entry.cron !== undefined ? `cron "${d.entry.cron}"` : `every ${d.entry.interval!.every}`} ${d.entry.timezone}`
      : step.action === 'delete'
        ? "Pressroom's, no longer in the file"
        : step.action === 'replace'
          ? 'its memo changed: Temporal cannot edit a memo in place, so it is deleted and created again; a pause is kept'
          : '';
  return [
    `  ${step.action.padEnd(9)}  ${what ? `${step.id.padEnd(width)}  (${what})` : step.id}`,
    ...step.differences.map((diff) => `      ${diff.field}: ${diff.server} -> ${diff.file}`),
  ];
}

export async function apply(options: FileOptions & { dryRun?: boolean; json?: boolean; by?: string }, cli: Cli): Promise<number> {
  return withFile(options, cli, async (pc, { config, file, desired }) => {
    const plan = await planSchedules(pc.client, desired, { taskQueue: config.temporal.taskQueue });
    const changes = plan.steps.filter((s) => s.action !== 'unchanged').length;
    if (!options.json) {
      cli.out.print(`plan for ${file} on ${config.temporal.address} (namespace ${config.temporal.namespace}):`);
      const width = Math.max(0, ...plan.steps.map((step) => step.id.length));
      for (const step of plan.steps) for (const line of stepLine(step, width)) cli.out.print(line);
      cli.out.print(`${changes} to change, ${plan.steps.length - changes} unchanged.`);
    }
    const summary = plan.steps.map((s) => ({ id: s.id, action: s.action, differences: s.differences }));
    if (options.dryRun || changes === 0) {
      if (options.json) cli.out.json({ file, dryRun: options.dryRun === true, plan: summary, applied: [] });
      else if (options.dryRun) cli.out.print('dry run: nothing was changed.');
      return 0;
    }
    const applied = await applyPlan(pc.client, plan, who(options.by), (step) => {
      if (!options.json && step.action !== 'unchanged') cli.out.print(`${step.done}: ${step.id}`);
    });
    if (options.json) cli.out.json({ file, dryRun: false, plan: summary, applied: applied.map((s) => ({ id: s.id, action: s.action, done: s.done })) });
    return 0;
  });
}

function formatRun(view: ScheduleView['lastRun'], timezone: string): string {
  if (!view) return 'never ran';
  const seconds = view.durationMs === null ? null : Math.round(view.durationMs / 1000);
  const took = seconds === null ? '' : view.closedAt ? ` after ${seconds}s` : ` for ${seconds}s so far`;
  return `${view.workflowId} ${view.status}${took} (scheduled for ${localTime(new Date(view.scheduledAt), timezone)})`;
}

function printView(view: ScheduleView, cli: Cli, detail: boolean): void {
  const timetable = view.cron !== null ? `cron "${view.cron}"` : (view.interval ?? '(spec changed outside pressroom)');
  cli.out.print(
    `${view.id}  ${view.workflowType}${view.owner ? `  owner ${view.owner}` : ''}${view.expectedDuration ? `, expected ${view.expectedDuration}` : ''}`,
  );
  if (view.description) cli.out.print(`  ${view.description}`);
  cli.out.print(
    `  ${timetable}  zone ${view.timezone}  jitter ${view.jitter}  overlap ${view.overlap}  catch-up ${view.catchupWindow}${view.pauseOnFailure ? '  pause on failure' : ''}`,
  );
  cli.out.print(`  next: ${view.nextRuns.length ? view.nextRuns.map((t) => t.local).join(', ') : '(none)'}`);
  cli.out.print(`  last run: ${formatRun(view.lastRun, view.timezone)}`);
  cli.out.print(
    `  ${view.paused ? `PAUSED${view.pause ? ` by ${view.pause.by} at ${view.pause.at}: ${view.pause.reason}` : view.note ? `: ${view.note.split('\n\n')[0]}` : ''}` : 'active'}` +
      `  runs ${view.actionsTaken}, missed (catch-up window) ${view.missedCatchupWindow}, skipped (overlap) ${view.skippedOverlap}`,
  );
  for (const flag of view.flags) cli.out.print(`  ! ${flag}`);
  if (detail) {
    if (view.rollbackNote) cli.out.print(`  rollback: ${view.rollbackNote}`);
    if (view.note && !view.pause) cli.out.print(`  note: ${view.note.split('\n\n')[0]}`);
    cli.out.print(`  task queue ${view.taskQueue}`);
    if (view.recentRuns.length) {
      cli.out.print('  recent runs:');
      for (const run of view.recentRuns) cli.out.print(`    ${formatRun(run, view.timezone)}`);
    }
  }
}

/** An instant for --from/--to: an ISO date (midnight UTC) or date-time (UTC unless it has an offset). */
export function parseInstant(flag: string, value: string): Date {
  const m = /^(\d{4}-\d\d-\d\d)(?:[T ](\d\d:\d\d(?::\d\d(?:\.\d+)?)?)(Z|[+-]\d\d:\d\d)?)?$/.exec(value.trim());
  const at = m ? new Date(`${m[1]}T${m[2] ?? '00:00'}${m[3] ?? 'Z'}`) : new Date(Number.NaN);
  if (Number.isNaN(at.getTime())) {
    throw new UsageError(`--${flag} expects an ISO date or date-time such as 2026-03-28 or 2026-03-28T01:00:00+01:00, got "${value}"`);
  }
  return at;
}

export async function list(options: FileOptions & { json?: boolean; from?: string }, cli: Cli): Promise<number> {
  const from = options.from === undefined ? undefined : parseInstant('from', options.from);
  return withClient(cli, async (pc, config) => {
    // The file's ids join the server's list, which may lag a moment behind an apply; a missing or broken file only narrows that.
    const known = await loadSchedulesFile(fileOf(options, config), config, cli.env).then(
      (desired) => desired.map((d) => d.id),
      () => [],
    );
    const views = await listViews(pc.client, { taskQueue: config.temporal.taskQueue, ...(from ? { from } : {}), alsoIds: known });
    cli.out.list({ total: views.length, items: views }, options.json === true, ({ items }) => {
      if (items.length === 0) cli.out.print('no Pressroom schedules on the server (pressroom schedules apply creates them)');
      items.forEach((view, i) => {
        if (i > 0) cli.out.print('');
        printView(view, cli, false);
      });
    });
    return 0;
  });
}

export async function describe(id: string, options: { json?: boolean; from?: string }, cli: Cli): Promise<number> {
  const from = options.from === undefined ? undefined : parseInstant('from', options.from);
  return withClient(cli, async (pc) => {
    const view = await scheduleView(pc.client, id, from ? { from } : {});
    if (options.json) cli.out.json(view);
    else printView(view, cli, true);
    return 0;
  });
}

export async function pause(paused: boolean, id: string, options: { reason: string; by?: string; json?: boolean }, cli: Cli): Promise<number> {
  return withClient(cli, async (pc) => {
    const view = await (paused ? pauseSchedule : unpauseSchedule)(pc.client, id, who(options.by), options.reason);
    if (options.json) cli.out.json(view);
    else cli.out.print(`${id}: ${view.note?.split('\n\n')[0] ?? (paused ? 'paused' : 'unpaused')}`);
    return 0;
  });
}

export async function trigger(id: string, options: { overlap?: OverlapName; json?: boolean }, cli: Cli): Promise<number> {
  return withClient(cli, async (pc) => {
    const { workflowId } = await triggerSchedule(pc.client, id, options.overlap);
    if (options.json) cli.out.json({ scheduleId: id, workflowId });
    else if (workflowId) cli.out.print(`${id}: started ${workflowId}`);
    else
      cli.out.print(`${id}: triggered; no run started yet (its overlap policy may have skipped it while a run is going: pressroom schedules describe ${id})`);
    return 0;
  });
}

export async function backfill(id: string, options: { from: string; to: string; overlap?: OverlapName; json?: boolean }, cli: Cli): Promise<number> {
  const from = parseInstant('from', options.from);
  const to = parseInstant('to', options.to);
  if (!(from < to)) throw new UsageError(`--from (${from.toISOString()}) must be before --to (${to.toISOString()})`);
  return withClient(cli, async (pc) => {
    const result = await backfillSchedule(pc.client, id, from, to, options.overlap);
    if (options.json) cli.out.json({ scheduleId: id, from: from.toISOString(), to: to.toISOString(), overlap: result.overlap });
    else
      cli.out.print(
        `${id}: backfilling ${from.toISOString()} .. ${to.toISOString()} under overlap ${result.overlap} (pressroom schedules describe ${id} shows the runs)`,
      );
    return 0;
  });
}

export async function drift(options: FileOptions & { json?: boolean }, cli: Cli): Promise<number> {
  return withFile(options, cli, async (pc, { config, file, desired }) => {
    const report = await driftReport(pc.client, desired, { taskQueue: config.temporal.taskQueue });
    if (options.json) cli.out.json({ file, ...report });
    else {
      for (const s of report.schedules) {
        cli.out.print(`  ${s.status.padEnd(13)}  ${s.id}`);
        for (const d of s.differences) cli.out.print(`      ${d.field}: file ${d.file}, server ${d.server}`);
      }
      cli.out.print(report.inSync ? `in sync with ${file}` : `the server differs from ${file}: pressroom schedules apply --dry-run shows what apply would do`);
    }
    return report.inSync ? 0 : 1;
  });
}
