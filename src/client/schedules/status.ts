import { ScheduleNotFoundError, type Client, type ScheduleDescription, type ScheduleExecutionResult } from '@temporalio/client';
import { optionalDateToTs, tsToDate } from '@temporalio/common/lib/time.js';
import { ErrorType, PressroomError } from '../../domain/errors.js';
import { OVERLAP_POLICIES, type OverlapName } from '../../domain/schedules/file.js';
import { durationMs, formatDuration } from '../../domain/schedules/spec.js';
import { actionMark, isOwned, overlapName } from './apply.js';
import { noteEvent, withMetadata } from './desired.js';

// What an operator sees of a schedule: its timetable in its own zone, its next fire times, its last
// run and how it ended, pause state with who/when/why, Temporal's missed and skipped counts, and the
// two things no scheduler flags by itself: runs slower than expected, and two failures in a row.

export type RunView = {
  workflowId: string;
  scheduledAt: string;
  startedAt: string;
  /** RUNNING, COMPLETED, FAILED, CANCELLED, TERMINATED, TIMED_OUT, CONTINUED_AS_NEW, or UNKNOWN when it is gone. */
  status: string;
  closedAt: string | null;
  /** Start to close, or to now while it runs. */
  durationMs: number | null;
};
export type FireTime = { utc: string; local: string };
export type PauseView = { by: string; at: string; reason: string };

export type ScheduleView = {
  id: string;
  description: string | null;
  owner: string | null;
  expectedDuration: string | null;
  rollbackNote: string | null;
  workflowType: string;
  taskQueue: string;
  cron: string | null;
  interval: string | null;
  timezone: string;
  jitter: string;
  overlap: string;
  catchupWindow: string;
  pauseOnFailure: boolean;
  paused: boolean;
  /** Who paused it, when and why, from the note `pressroom schedules pause` writes; null when not paused (or paused without it). */
  pause: PauseView | null;
  note: string | null;
  nextRuns: FireTime[];
  lastRun: RunView | null;
  recentRuns: RunView[];
  actionsTaken: number;
  missedCatchupWindow: number;
  skippedOverlap: number;
  /** `slow: …`, `failing: …`: what an operator should look at. */
  flags: string[];
};

/** A run counts as failed when it ended in any of these. */
const FAILED = new Set(['FAILED', 'TIMED_OUT', 'TERMINATED']);

/** `2026-03-29 03:30 CEST`: a fire time as the schedule's own zone reads it. */
export function localTime(at: Date, timeZone: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-GB', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
      timeZoneName: 'short',
    })
      .formatToParts(at)
      .map((p) => [p.type, p.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute} ${parts.timeZoneName}`;
}

const PAUSE_NOTE = /^(paused|unpaused) by (.+?) at (\d{4}-\d\d-\d\dT[^\s:]+:\d\d:[\d.]+Z): ([\s\S]*)$/;

/** The note pause and unpause write: `paused by alice at 2026-11-25T10:00:00.000Z: broken inbox`. */
export function pauseNote(action: 'paused' | 'unpaused', by: string, reason: string, at = new Date()): string {
  return `${action} by ${by} at ${at.toISOString()}: ${reason}`;
}

export function parsePauseNote(note: string | undefined): (PauseView & { action: string }) | null {
  const event = noteEvent(note);
  const m = event ? PAUSE_NOTE.exec(event) : null;
  return m ? { action: m[1]!, by: m[2]!, at: m[3]!, reason: m[4]! } : null;
}

async function runView(client: Client, result: ScheduleExecutionResult): Promise<RunView> {
  const { workflowId } = result.action.workflow;
  const base = { workflowId, scheduledAt: result.scheduledAt.toISOString(), startedAt: result.takenAt.toISOString() };
  try {
    // The latest run of the id: an import that continued as new ends in its last run.
    const d = await client.workflow.getHandle(workflowId).describe();
    const closed = d.closeTime ?? null;
    return {
      ...base,
      status: d.status.name,
      closedAt: closed?.toISOString() ?? null,
      durationMs: (closed?.getTime() ?? Date.now()) - result.takenAt.getTime(),
    };
  } catch {
    return { ...base, status: 'UNKNOWN', closedAt: null, durationMs: null };
  }
}

/** The two flags: a recent run over the expected duration (running ones included), and the last two finished runs failed. */
export function runFlags(runs: readonly RunView[], expectedDuration: string | null): string[] {
  const flags: string[] = [];
  const expected = expectedDuration ? durationMs(expectedDuration) : undefined;
  if (expected !== undefined) {
    const slow = runs.filter((r) => r.durationMs !== null && r.durationMs > expected && r.status !== 'CONTINUED_AS_NEW');
    if (slow.length > 0) {
      const longest = Math.max(...slow.map((r) => r.durationMs!));
      flags.push(
        `slow: ${slow.length} of the last ${runs.length} run(s) took longer than the expected ${expectedDuration} (longest ${formatDuration(Math.round(longest / 1000) * 1000)})`,
      );
    }
  }
  const finished = runs.filter((r) => r.closedAt !== null);
  const [last, before] = finished.slice(-2).reverse();
  if (last && before && FAILED.has(last.status) && FAILED.has(before.status)) {
    flags.push(`failing: the last two runs failed (${before.workflowId} ${before.status}, ${last.workflowId} ${last.status})`);
  }
  return flags;
}

/** Up to `count` fire times from `from`, computed by the server (ListScheduleMatchingTimes), never by us. */
export async function fireTimesFrom(client: Client, id: string, from: Date, count: number): Promise<Date[]> {
  // Widen the window until enough times match: a weekly schedule needs weeks, an hourly one hours.
  for (const days of [2, 40, 400]) {
    const response = await client.workflowService.listScheduleMatchingTimes({
      namespace: client.options.namespace,
      scheduleId: id,
      startTime: optionalDateToTs(from),
      endTime: optionalDateToTs(new Date(from.getTime() + days * 86_400_000)),
    });
    const times = (response.startTime ?? []).map((t) => tsToDate(t));
    if (times.length >= count || days === 400) return times.slice(0, count);
  }
  return [];
}

function toView(d: ScheduleDescription, runs: RunView[], next: Date[]): ScheduleView {
  const memo = d.memo ?? {};
  const str = (v: unknown) => (typeof v === 'string' ? v : null);
  const mark = actionMark(d);
  const interval = d.spec.intervals?.[0];
  const timezone = d.spec.timezone ?? 'UTC';
  const expectedDuration = str(memo.expectedDuration);
  const parsedNote = parsePauseNote(d.state.note);
  return {
    id: d.scheduleId,
    description: str(memo.description),
    owner: str(memo.owner),
    expectedDuration,
    rollbackNote: str(memo.rollbackNote),
    workflowType: d.action.workflowType,
    taskQueue: d.action.taskQueue,
    cron: mark?.cron ?? null,
    interval: interval ? `every ${formatDuration(Number(interval.every))}${interval.offset ? ` offset ${formatDuration(Number(interval.offset))}` : ''}` : null,
    timezone,
    jitter: formatDuration(Number(d.spec.jitter ?? 0)),
    overlap: overlapName(d.policies.overlap),
    catchupWindow: formatDuration(d.policies.catchupWindow),
    pauseOnFailure: d.policies.pauseOnFailure,
    paused: d.state.paused,
    pause: d.state.paused && parsedNote?.action === 'paused' ? { by: parsedNote.by, at: parsedNote.at, reason: parsedNote.reason } : null,
    note: d.state.note ?? null,
    nextRuns: next.map((t) => ({ utc: t.toISOString(), local: localTime(t, timezone) })),
    lastRun: runs.at(-1) ?? null,
    recentRuns: runs,
    actionsTaken: d.info.numActionsTaken,
    missedCatchupWindow: d.info.numActionsMissedCatchupWindow,
    skippedOverlap: d.info.numActionsSkippedOverlap,
    flags: runFlags(runs, expectedDuration),
  };
}

/** A Pressroom schedule's description, or ScheduleNotFound (absent, or someone else's). */
export async function describeOwned(client: Client, id: string): Promise<ScheduleDescription> {
  let d: ScheduleDescription;
  try {
    d = await client.schedule.getHandle(id).describe();
  } catch (error) {
    if (error instanceof ScheduleNotFoundError) {
      throw new PressroomError(
        ErrorType.ScheduleNotFound,
        `no schedule "${id}" on the server (pressroom schedules list shows Pressroom's; apply creates them)`,
      );
    }
    throw error;
  }
  if (!isOwned(d.memo)) {
    throw new PressroomError(
      ErrorType.ScheduleNotFound,
      `schedule "${id}" is not Pressroom's (its memo has no pressroom mark): use the temporal CLI or the Web UI for it`,
    );
  }
  return d;
}

type ViewOptions = { from?: Date; count?: number };

async function viewOf(client: Client, d: ScheduleDescription, options: ViewOptions): Promise<ScheduleView> {
  const runs = await Promise.all(d.info.recentActions.map((r) => runView(client, r)));
  const count = options.count ?? 5;
  const next = options.from ? await fireTimesFrom(client, d.scheduleId, options.from, count) : d.info.nextActionTimes.slice(0, count);
  return toView(d, runs, next);
}

export async function scheduleView(client: Client, id: string, options: ViewOptions = {}): Promise<ScheduleView> {
  return viewOf(client, await describeOwned(client, id), options);
}

/** This deployment's schedules: the server's list (eventually consistent) joined with ids known to exist (the file's). */
export async function listViews(client: Client, options: { taskQueue: string; from?: Date; alsoIds?: readonly string[] }): Promise<ScheduleView[]> {
  const ids = new Set(options.alsoIds ?? []);
  for await (const s of client.schedule.list()) if (isOwned(s.memo, options.taskQueue)) ids.add(s.scheduleId);
  const views: ScheduleView[] = [];
  for (const id of [...ids].sort()) {
    const d = await client.schedule
      .getHandle(id)
      .describe()
      .catch((error: unknown) => {
        if (error instanceof ScheduleNotFoundError) return null;
        throw error;
      });
    // Another deployment's or someone else's schedule of a file id: not this list's, and not worth its runs' lookups.
    if (d && isOwned(d.memo, options.taskQueue)) views.push(await viewOf(client, d, options.from ? { from: options.from } : {}));
  }
  return views;
}

export async function pauseSchedule(client: Client, id: string, by: string, reason: string): Promise<ScheduleView> {
  const d = await describeOwned(client, id);
  await client.schedule.getHandle(id).pause(withMetadata(pauseNote('paused', by, reason), d.memo));
  return scheduleView(client, id);
}

export async function unpauseSchedule(client: Client, id: string, by: string, reason: string): Promise<ScheduleView> {
  const d = await describeOwned(client, id);
  await client.schedule.getHandle(id).unpause(withMetadata(pauseNote('unpaused', by, reason), d.memo));
  return scheduleView(client, id);
}

/**
 * Runs the schedule's action now, under its own overlap policy unless told otherwise, and names the
 * run it started (null when the policy skipped it because a run is still going).
 */
export async function triggerSchedule(client: Client, id: string, overlap?: OverlapName, waitMs = 10_000): Promise<{ workflowId: string | null }> {
  const before = await describeOwned(client, id);
  const seen = new Set(before.info.recentActions.map((r) => r.action.workflow.workflowId));
  await client.schedule.getHandle(id).trigger(overlap ? OVERLAP_POLICIES[overlap] : before.policies.overlap);
  const deadline = Date.now() + waitMs;
  while (Date.now() < deadline) {
    const d = await client.schedule.getHandle(id).describe();
    const started = d.info.recentActions.find((r) => !seen.has(r.action.workflow.workflowId));
    if (started) return { workflowId: started.action.workflow.workflowId };
    if (d.info.numActionsSkippedOverlap > before.info.numActionsSkippedOverlap) return { workflowId: null };
    await new Promise((r) => setTimeout(r, 200));
  }
  return { workflowId: null };
}

/** Takes the actions the schedule would have taken between from and to, now, under `overlap` (default: the schedule's own). */
export async function backfillSchedule(client: Client, id: string, from: Date, to: Date, overlap?: OverlapName): Promise<{ overlap: string }> {
  if (!(from < to)) throw new PressroomError(ErrorType.InvalidInput, `--from (${from.toISOString()}) must be before --to (${to.toISOString()})`);
  const d = await describeOwned(client, id);
  const policy = overlap ? OVERLAP_POLICIES[overlap] : d.policies.overlap;
  await client.schedule.getHandle(id).backfill({ start: from, end: to, overlap: policy });
  return { overlap: overlapName(policy) };
}
