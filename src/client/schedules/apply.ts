import { createHash } from 'node:crypto';
import {
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  type Client,
  type ScheduleDescription,
  type ScheduleHandle,
  type ScheduleSpecDescription,
} from '@temporalio/client';
import { stableStringify } from '../../domain/content.js';
import { ErrorType, PressroomError } from '../../domain/errors.js';
import { OVERLAP_POLICIES, type OverlapPolicy } from '../../domain/schedules/file.js';
import { durationMs, formatDuration } from '../../domain/schedules/spec.js';
import { ACTION_MARK, MANAGED_BY, noteEvent, OWNER_MARK, scheduleMemo, withMetadata, type DesiredSchedule, type OwnerMark } from './desired.js';

// Making the server match the file: a plan (create, update, replace, delete, unchanged) computed from
// the file and the server, printed, then carried out. Only schedules whose memo carries Pressroom's mark
// are ever updated or deleted; an entry whose id belongs to someone else stops the whole apply before
// anything changes. Schedule ids are unique on the server, so two applies at once cannot duplicate one:
// the loser of a create finds the winner's schedule and checks it against the file instead.

export type Difference = { field: string; file: string; server: string };
export type StepAction = 'create' | 'update' | 'replace' | 'delete' | 'unchanged';
export type PlanStep = { id: string; action: StepAction; differences: Difference[]; desired: DesiredSchedule | null };
export type Plan = { steps: PlanStep[] };

/** Fields Temporal keeps in the schedule's memo, which it cannot change in place: a change replaces the schedule. */
const MEMO_FIELDS = new Set(['owner', 'expectedDuration', 'rollbackNote', 'description', 'marker']);

export type ActionMark = { id: string; cron: string | null; spec: string | null };

/** Whether Pressroom made this schedule (its memo's mark), for this deployment's task queue when one is given. */
export function isOwned(memo: Record<string, unknown> | undefined, taskQueue?: string): boolean {
  const mark = memo?.[OWNER_MARK] as Partial<OwnerMark> | undefined;
  return mark?.managedBy === MANAGED_BY && (taskQueue === undefined || mark.taskQueue === taskQueue);
}

/** Which deployment's schedules a plan or drift report covers: those marked with its task queue. */
export type Scope = { taskQueue: string };

export function actionMark(description: Pick<ScheduleDescription, 'action'>): ActionMark | null {
  const mark = description.action.memo?.[ACTION_MARK] as Partial<ActionMark> | undefined;
  return mark && typeof mark.id === 'string' ? { id: mark.id, cron: mark.cron ?? null, spec: mark.spec ?? null } : null;
}

/** A digest of the spec as the server compiled it: a change made outside apply (the Web UI, `temporal schedule update`) changes it. */
export function specDigest(spec: ScheduleSpecDescription): string {
  const { calendars, intervals, skip, timezone, jitter, startAt, endAt } = spec;
  return createHash('sha256')
    .update(
      stableStringify({
        calendars,
        intervals,
        skip,
        timezone: timezone ?? null,
        jitter: jitter ?? 0,
        startAt: startAt?.toISOString() ?? null,
        endAt: endAt?.toISOString() ?? null,
      }),
    )
    .digest('hex')
    .slice(0, 16);
}

export function overlapName(policy: OverlapPolicy | undefined): string {
  return Object.entries(OVERLAP_POLICIES).find(([, v]) => v === policy)?.[0] ?? String(policy);
}

const intervalText = (every: number | undefined, offset: number | undefined) =>
  every === undefined ? '(none)' : `every ${formatDuration(every)}${offset ? ` offset ${formatDuration(offset)}` : ''}`;

const memoText = (value: unknown): string => (value === undefined || value === null ? '(none)' : typeof value === 'string' ? value : JSON.stringify(value));

/** Every way the server's schedule differs from the file's entry, each naming the field and both values. */
export function differences(desired: DesiredSchedule, server: ScheduleDescription): Difference[] {
  const out: Difference[] = [];
  const add = (field: string, file: string, onServer: string) => {
    if (file !== onServer) out.push({ field, file, server: onServer });
  };
  const entry = desired.entry;
  const mark = actionMark(server);
  const queue = String(desired.options.action.taskQueue);
  add('marker', `pressroom (${queue})`, isOwned(server.memo, queue) ? `pressroom (${queue})` : '(none)');
  add('cron', entry.cron ?? '(none)', mark ? (mark.cron ?? '(none)') : server.spec.calendars?.length ? '(unknown: not applied by pressroom)' : '(none)');
  const wantInterval = entry.interval
    ? intervalText(durationMs(entry.interval.every), entry.interval.offset ? durationMs(entry.interval.offset) : undefined)
    : '(none)';
  const hasInterval = server.spec.intervals?.[0];
  add('interval', wantInterval, hasInterval ? intervalText(Number(hasInterval.every), hasInterval.offset ? Number(hasInterval.offset) : undefined) : '(none)');
  if (mark?.spec && mark.spec !== specDigest(server.spec)) {
    out.push({ field: 'spec', file: 'as last applied', server: 'changed outside `pressroom schedules apply` since (Web UI or temporal CLI)' });
  }
  add('timezone', entry.timezone, server.spec.timezone ?? 'UTC');
  add('jitter', formatDuration(durationMs(entry.jitter)!), formatDuration(Number(server.spec.jitter ?? 0)));
  const action = server.action;
  add('workflow.type', desired.workflowType, action.workflowType);
  add('taskQueue', String(desired.options.action.taskQueue), action.taskQueue);
  add('workflowId', String(desired.options.action.workflowId), action.workflowId);
  add('workflow.args', stableStringify(desired.input), stableStringify(action.args?.[0] ?? null));
  add('overlap', entry.overlap, overlapName(server.policies.overlap));
  add('catchupWindow', formatDuration(durationMs(entry.catchupWindow)!), formatDuration(server.policies.catchupWindow));
  add('pauseOnFailure', String(entry.pauseOnFailure), String(server.policies.pauseOnFailure));
  const memo = scheduleMemo(entry, queue);
  for (const key of ['owner', 'expectedDuration', 'rollbackNote', 'description'] as const) {
    add(key, memoText(memo[key]), memoText(server.memo?.[key]));
  }
  return out;
}

function stepFor(desired: DesiredSchedule, server: ScheduleDescription | null): PlanStep {
  if (!server) return { id: desired.id, action: 'create', differences: [], desired };
  const diffs = differences(desired, server);
  const action: StepAction = diffs.length === 0 ? 'unchanged' : diffs.some((d) => MEMO_FIELDS.has(d.field)) ? 'replace' : 'update';
  return { id: desired.id, action, differences: diffs, desired };
}

async function describeOrNull(client: Client, id: string): Promise<ScheduleDescription | null> {
  try {
    return await client.schedule.getHandle(id).describe();
  } catch (error) {
    if (error instanceof ScheduleNotFoundError) return null;
    throw error;
  }
}

/** Ids of every schedule on the server (visibility: a schedule made a moment ago may be missing). */
async function listServer(client: Client, scope: Scope): Promise<Array<{ id: string; owned: boolean }>> {
  const out: Array<{ id: string; owned: boolean }> = [];
  for await (const summary of client.schedule.list()) out.push({ id: summary.scheduleId, owned: isOwned(summary.memo, scope.taskQueue) });
  return out;
}

/** The plan: what applying the file would do. Refuses, changing nothing, when an entry's id is someone else's schedule. */
export async function planSchedules(client: Client, desired: readonly DesiredSchedule[], scope: Scope): Promise<Plan> {
  const steps: PlanStep[] = [];
  const foreign: string[] = [];
  for (const d of desired) {
    const server = await describeOrNull(client, d.id);
    if (server && !isOwned(server.memo, scope.taskQueue)) foreign.push(d.id);
    else steps.push(stepFor(d, server));
  }
  if (foreign.length > 0) {
    throw new PressroomError(
      ErrorType.ScheduleConflict,
      `schedule${foreign.length > 1 ? 's' : ''} ${foreign.map((id) => `"${id}"`).join(', ')} already exist${foreign.length > 1 ? '' : 's'} on the server ` +
        `without the mark of this Pressroom (task queue ${scope.taskQueue}): someone else made it, so nothing was changed. ` +
        'Rename the entry in the file, or delete that schedule yourself if it is stale.',
    );
  }
  const wanted = new Set(desired.map((d) => d.id));
  for (const s of await listServer(client, scope)) {
    if (s.owned && !wanted.has(s.id)) steps.push({ id: s.id, action: 'delete', differences: [], desired: null });
  }
  return { steps };
}

/** Records on the action's memo what apply wrote: the entry's cron and the digest of the spec the server compiled from it. */
async function stamp(handle: ScheduleHandle, desired: DesiredSchedule): Promise<void> {
  await handle.update((prev) => ({
    ...prev,
    action: {
      ...prev.action,
      searchAttributes: undefined,
      memo: { ...prev.action.memo, [ACTION_MARK]: { id: desired.id, cron: desired.entry.cron ?? null, spec: specDigest(prev.spec) } satisfies ActionMark },
    },
  }));
}

async function update(handle: ScheduleHandle, desired: DesiredSchedule): Promise<void> {
  await handle.update((prev) => ({ ...prev, spec: desired.options.spec, action: desired.options.action, policies: desired.options.policies }));
  await stamp(handle, desired);
}

async function create(client: Client, desired: DesiredSchedule, state: { paused: boolean; note: string }): Promise<'created' | 'raced'> {
  try {
    const handle = await client.schedule.create({ ...desired.options, state });
    await stamp(handle, desired);
    return 'created';
  } catch (error) {
    if (error instanceof ScheduleAlreadyRunning) return 'raced';
    throw error;
  }
}

export type AppliedStep = PlanStep & { done: string };

/**
 * Carries out a plan. A create that finds the schedule already there (another apply made it a moment
 * ago) re-plans that one entry against what it found, so both applies end with one schedule that
 * matches the file.
 */
export async function applyPlan(client: Client, plan: Plan, who: string, onStep?: (step: AppliedStep) => void): Promise<AppliedStep[]> {
  const out: AppliedStep[] = [];
  const note = (what: string) => `${what} by ${who} at ${new Date().toISOString()} (pressroom schedules apply)`;
  const finish = (step: PlanStep, done: string) => {
    const applied = { ...step, done };
    out.push(applied);
    onStep?.(applied);
  };
  for (const step of plan.steps) {
    const handle = client.schedule.getHandle(step.id);
    switch (step.action) {
      case 'unchanged':
        finish(step, 'unchanged');
        break;
      case 'delete':
        try {
          await handle.delete();
          finish(step, 'deleted');
        } catch (error) {
          if (!(error instanceof ScheduleNotFoundError)) throw error;
          finish(step, 'already deleted');
        }
        break;
      case 'update':
        await update(handle, step.desired!);
        finish(step, 'updated');
        break;
      case 'create':
      case 'replace': {
        const desired = step.desired!;
        const memo = desired.options.memo;
        let state = { paused: false, note: withMetadata(note('created'), memo) };
        if (step.action === 'replace') {
          // Temporal cannot change a schedule's memo in place: delete and create, keeping an operator's pause.
          const old = await describeOrNull(client, step.id);
          if (old?.state.paused) state = { paused: true, note: withMetadata(noteEvent(old.state.note) ?? note('paused'), memo) };
          await handle.delete().catch((error: unknown) => {
            if (!(error instanceof ScheduleNotFoundError)) throw error;
          });
        }
        if ((await create(client, desired, state)) === 'created') {
          finish(step, step.action === 'create' ? 'created' : 'replaced');
          break;
        }
        const found = await describeOrNull(client, step.id);
        if (!found || !isOwned(found.memo, String(desired.options.action.taskQueue))) {
          throw new PressroomError(
            ErrorType.ScheduleConflict,
            `schedule "${step.id}" was created by someone else while this apply ran; nothing more was changed`,
          );
        }
        const again = stepFor(desired, found);
        if (again.action === 'unchanged') finish(step, 'made by a concurrent apply, matches the file');
        else if (again.action === 'update') {
          await update(handle, desired);
          finish(step, 'made by a concurrent apply, updated');
        } else {
          throw new PressroomError(
            ErrorType.ScheduleConflict,
            `schedule "${step.id}" was re-created by a concurrent apply with a different memo; run apply again once the other has finished`,
          );
        }
        break;
      }
    }
  }
  return out;
}

export type DriftStatus = 'in-sync' | 'missing' | 'changed' | 'not-in-file' | 'not-pressroom';
export type DriftEntry = { id: string; status: DriftStatus; differences: Difference[] };
export type DriftReport = { inSync: boolean; checkedAt: string; schedules: DriftEntry[] };

/**
 * How the server differs from the file, for a monitor: entries missing on the server, schedules whose
 * fields differ (either side may have changed: the file since the last apply, or the server since it),
 * Pressroom's schedules the file no longer lists, and file ids taken by someone else's schedule.
 */
export async function driftReport(client: Client, desired: readonly DesiredSchedule[], scope: Scope): Promise<DriftReport> {
  const schedules: DriftEntry[] = [];
  for (const d of desired) {
    const server = await describeOrNull(client, d.id);
    if (!server) schedules.push({ id: d.id, status: 'missing', differences: [] });
    else if (!isOwned(server.memo, scope.taskQueue)) schedules.push({ id: d.id, status: 'not-pressroom', differences: [] });
    else {
      const diffs = differences(d, server);
      schedules.push({ id: d.id, status: diffs.length ? 'changed' : 'in-sync', differences: diffs });
    }
  }
  const wanted = new Set(desired.map((d) => d.id));
  for (const s of await listServer(client, scope)) {
    if (s.owned && !wanted.has(s.id)) schedules.push({ id: s.id, status: 'not-in-file', differences: [] });
  }
  return { inSync: schedules.every((s) => s.status === 'in-sync'), checkedAt: new Date().toISOString(), schedules };
}
