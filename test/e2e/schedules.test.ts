import { execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ScheduleNotFoundError, type Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { connectClient, startImport, type PressroomClient } from '../../src/client.js';
import { fireTimesFrom, localTime, type ScheduleView } from '../../src/client/schedules/status.js';
import type { Config } from '../../src/config.js';
import type { FreshnessSweepReport } from '../../src/domain/freshness.js';
import { startWorker, type RunningWorker } from '../../src/worker.js';
import { runCli, type CliRun } from '../cli/capture.js';
import { writeCorpus } from '../helpers/corpus.js';
import { backends, type TestDatabase } from '../helpers/db.js';
import { testConfig, uniqueQueue, workflowBundle } from '../helpers/temporal.js';

// `pressroom schedules` on the dev server (the time-skipping server has no Schedules API), with a real
// worker and database behind the freshness sweep. Every schedule id carries this run's prefix, and every
// apply is scoped to this file's own task queue, so other tests' schedules on the shared server are
// never in the plan.

const run = promisify(execFile);
const prefix = `t${randomUUID().slice(0, 6)}`;
const sid = (name: string) => `${prefix}-${name}`;

type Entry = Record<string, unknown> & { id: string };

const entry = (name: string, overrides: Record<string, unknown> = {}): Entry => ({
  id: sid(name),
  workflow: { type: 'freshnessSweepWorkflow', args: { maxAgeDays: 365 } },
  cron: '0 6 * * *',
  timezone: 'Europe/Berlin',
  overlap: 'skip',
  catchupWindow: '1h',
  pauseOnFailure: false,
  jitter: '0s',
  owner: 'editorial',
  expectedDuration: '1m',
  rollbackNote: 'approve again with pressroom review approve',
  ...overrides,
});

describe('pressroom schedules on the dev server', () => {
  const root = mkdtempSync(join(tmpdir(), 'pressroom-schedules-'));
  let database: TestDatabase;
  let config: Config;
  let worker: RunningWorker;
  let pc: PressroomClient;
  let client: Client;
  let env: NodeJS.ProcessEnv;
  let fileNo = 0;

  /** Writes a schedules file and returns its path. */
  const file = (entries: unknown[] | string): string => {
    const path = join(root, `schedules-${++fileNo}.json`);
    writeFileSync(path, typeof entries === 'string' ? entries : JSON.stringify({ schedules: entries }, null, 2));
    return path;
  };
  const cli = (args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<CliRun> => runCli(args, { ...env, ...extraEnv });
  const describeSchedule = (id: string) => client.schedule.getHandle(id).describe();
  const exists = async (id: string) =>
    describeSchedule(id).then(
      () => true,
      (error: unknown) => {
        if (error instanceof ScheduleNotFoundError) return false;
        throw error;
      },
    );
  const view = async (id: string): Promise<ScheduleView> => {
    const result = await cli(['schedules', 'describe', id, '--json']);
    expect(result.code, result.stderr).toBe(0);
    return JSON.parse(result.stdout) as ScheduleView;
  };
  const until = async <T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await fn();
      if (value !== undefined) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  };

  beforeAll(async () => {
    database = await backends()[0]!.create();
    config = testConfig(database.config, { REVIEW_POLICY: 'none', PRESSROOM_DATA_DIR: join(root, 'data') });
    worker = await startWorker(config, { workflowBundle: workflowBundle() });
    pc = await connectClient(config);
    client = pc.client;
    env = { ...process.env, TEMPORAL_ADDRESS: config.temporal.address, TASK_QUEUE: config.temporal.taskQueue, PRESSROOM_DATA_DIR: join(root, 'data') };
    delete env.PRESSROOM_SCHEDULES_FILE;
  });
  afterAll(async () => {
    // Whatever a failed test left behind on the shared server.
    for await (const s of client.schedule.list()) {
      if (s.scheduleId.startsWith(prefix))
        await client.schedule
          .getHandle(s.scheduleId)
          .delete()
          .catch(() => undefined);
    }
    await pc?.close();
    await worker?.shutdown();
    await database?.cleanup();
    rmSync(root, { recursive: true, force: true });
  });

  it('apply creates, a second apply changes nothing, an edited file updates, replaces and deletes', async () => {
    const sweep = entry('sweep');
    const reindex = entry('reindex', {
      workflow: { type: 'reindexWorkflow', args: { mode: 'incremental' } },
      cron: undefined,
      interval: { every: '1h', offset: '10m' },
      timezone: 'UTC',
      owner: 'search',
    });
    const gone = entry('gone');
    const first = file([sweep, reindex, gone]);

    const dry = await cli(['schedules', 'apply', '--file', first, '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(new RegExp(`create\\s+${sid('sweep')}`));
    expect(dry.stdout).toContain('dry run: nothing was changed.');
    expect(await exists(sid('sweep'))).toBe(false);

    const applied = await cli(['schedules', 'apply', '--file', first, '--by', 'ops']);
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toContain('3 to change, 0 unchanged.');
    const created = await describeSchedule(sid('sweep'));
    expect(created.memo).toMatchObject({
      owner: 'editorial',
      expectedDuration: '1m',
      rollbackNote: 'approve again with pressroom review approve',
      pressroom: { managedBy: 'pressroom schedules apply', taskQueue: config.temporal.taskQueue },
    });
    expect(created.spec.timezone).toBe('Europe/Berlin');
    expect(created.policies).toMatchObject({ overlap: 'SKIP', catchupWindow: 3_600_000, pauseOnFailure: false });
    expect(created.action).toMatchObject({
      workflowType: 'freshnessSweepWorkflow',
      taskQueue: config.temporal.taskQueue,
      workflowId: `scheduled-${sid('sweep')}`,
    });
    expect(created.action.args).toEqual([{ requestedBy: `schedule ${sid('sweep')}`, maxAgeDays: 365 }]);
    // The Web UI's schedule page shows the note, not the memo: the note carries the same three fields.
    expect(created.state.note).toMatch(
      /^created by ops at \S+ \(pressroom schedules apply\)\n\n— owner: editorial · expected duration: 1m · rollback: approve again/,
    );
    const interval = await describeSchedule(sid('reindex'));
    expect(interval.spec.intervals).toEqual([{ every: 3_600_000, offset: 600_000 }]);

    // Idempotent: the second apply plans nothing and writes nothing (the conflict token moves on every write).
    const tokens = async () =>
      Promise.all([sid('sweep'), sid('reindex'), sid('gone')].map(async (id) => String((await describeSchedule(id)).raw.conflictToken)));
    const before = await tokens();
    const again = await cli(['schedules', 'apply', '--file', first]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('0 to change, 3 unchanged.');
    expect(await tokens()).toEqual(before);

    // Edit: a new cron and overlap (update in place), a new owner (the memo: replaced), one entry removed (deleted).
    await client.schedule.getHandle(sid('sweep')).pause('paused by alice at 2026-11-25T10:00:00.000Z: checking the inbox');
    const edited = file([
      { ...sweep, cron: '15 7 * * *', owner: 'editorial-2' },
      { ...reindex, overlap: 'buffer-one' },
    ]);
    const plan = await cli(['schedules', 'apply', '--file', edited, '--dry-run', '--json']);
    expect(plan.code, plan.stderr).toBe(0);
    const planned = (
      JSON.parse(plan.stdout) as { plan: Array<{ id: string; action: string; differences: Array<{ field: string; file: string; server: string }> }> }
    ).plan;
    expect(planned.map((s) => [s.id, s.action])).toEqual([
      [sid('sweep'), 'replace'],
      [sid('reindex'), 'update'],
      [sid('gone'), 'delete'],
    ]);
    expect(planned[0]!.differences).toEqual(
      expect.arrayContaining([
        { field: 'cron', file: '15 7 * * *', server: '0 6 * * *' },
        { field: 'owner', file: 'editorial-2', server: 'editorial' },
      ]),
    );
    expect(planned[1]!.differences).toEqual([{ field: 'overlap', file: 'buffer-one', server: 'skip' }]);

    const third = await cli(['schedules', 'apply', '--file', edited]);
    expect(third.code, third.stderr).toBe(0);
    expect(third.stdout).toContain(`replaced: ${sid('sweep')}`);
    expect(third.stdout).toContain(`updated: ${sid('reindex')}`);
    expect(third.stdout).toContain(`deleted: ${sid('gone')}`);
    const replaced = await describeSchedule(sid('sweep'));
    expect(replaced.memo?.owner).toBe('editorial-2');
    expect(replaced.spec.calendars?.[0]?.hour).toEqual([{ start: 7, end: 7, step: 1 }]);
    // An operator's pause survives the replacement.
    expect(replaced.state.paused).toBe(true);
    expect(replaced.state.note).toMatch(/^paused by alice at 2026-11-25T10:00:00\.000Z: checking the inbox\n\n— owner: editorial-2 · /);
    expect((await describeSchedule(sid('reindex'))).policies.overlap).toBe('BUFFER_ONE');
    expect(await exists(sid('gone'))).toBe(false);
    const settled = await cli(['schedules', 'apply', '--file', edited]);
    expect(settled.stdout).toContain('0 to change, 2 unchanged.');

    const emptied = await cli(['schedules', 'apply', '--file', file([])]);
    expect(emptied.code, emptied.stderr).toBe(0);
    expect(await exists(sid('sweep'))).toBe(false);
    expect(await exists(sid('reindex'))).toBe(false);
  });

  it('leaves a schedule it does not own alone, and refuses a file that names one, changing nothing', async () => {
    const foreign = sid('foreign');
    await client.schedule.create({
      scheduleId: foreign,
      spec: { cronExpressions: ['0 1 * * *'] },
      action: { type: 'startWorkflow', workflowType: 'probeWorkflow', taskQueue: config.temporal.taskQueue, args: [{ key: 'x', value: 'y' }] },
      memo: { owner: 'another team' },
      state: { paused: true },
    });
    // Also another Pressroom deployment's schedule (same mark, another task queue).
    const staging = sid('staging');
    const other = await cli(['schedules', 'apply', '--file', file([entry('staging')])], { TASK_QUEUE: uniqueQueue('staging') });
    expect(other.code, other.stderr).toBe(0);

    const mine = await cli(['schedules', 'apply', '--file', file([entry('mine')])]);
    expect(mine.code, mine.stderr).toBe(0);
    expect(mine.stdout).not.toContain(foreign);
    expect(mine.stdout).not.toContain(staging);
    expect(await exists(foreign)).toBe(true);
    expect(await exists(staging)).toBe(true);

    const token = String((await describeSchedule(foreign)).raw.conflictToken);
    const clash = await cli(['schedules', 'apply', '--file', file([entry('mine'), entry('new-one'), entry('foreign')])]);
    expect(clash.code).toBe(1);
    expect(clash.stderr).toContain(`"${foreign}"`);
    expect(clash.stderr).toMatch(/nothing was changed/);
    expect(await exists(sid('new-one'))).toBe(false);
    expect(String((await describeSchedule(foreign)).raw.conflictToken)).toBe(token);
    expect((await describeSchedule(foreign)).memo).toEqual({ owner: 'another team' });

    // Not Pressroom's: describe, pause and trigger refuse it too.
    const refused = await cli(['schedules', 'pause', foreign, '--reason', 'x']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/is not Pressroom's/);
    await client.schedule.getHandle(foreign).delete();
    await client.schedule.getHandle(staging).delete();
    await client.schedule.getHandle(sid('mine')).delete();
  });

  it('trigger runs the freshness sweep through the worker, which sends stale articles back to review', async () => {
    const corpus = writeCorpus(join(root, 'corpus'), { seed: 12, count: 30, badRatio: 0 });
    const imported = await startImport(pc, { paths: [corpus.dir], batchSize: 10, concurrency: 2 });
    await imported.handle.result();
    const applied = await cli([
      'schedules',
      'apply',
      '--file',
      file([entry('trigger-sweep', { workflow: { type: 'freshnessSweepWorkflow', args: { maxAgeDays: 400 } } })]),
    ]);
    expect(applied.code, applied.stderr).toBe(0);

    const triggered = await cli(['schedules', 'trigger', sid('trigger-sweep'), '--json']);
    expect(triggered.code, triggered.stderr).toBe(0);
    const { workflowId } = JSON.parse(triggered.stdout) as { workflowId: string };
    expect(workflowId).toMatch(new RegExp(`^scheduled-${sid('trigger-sweep')}-`));
    const report = (await client.workflow.getHandle(workflowId).result()) as FreshnessSweepReport;

    // What should be stale, computed here from the stored articles and the sweep's own cutoff.
    const expected: string[] = [];
    for (const doc of corpus.good) {
      const stored = await worker.store.articles.get(doc.sourceId);
      const lastReviewed = stored?.revisions.at(-1)?.article.meta.revision?.lastReviewed;
      if (lastReviewed !== undefined && lastReviewed < report.cutoff) expected.push(doc.sourceId);
    }
    expect(expected.length).toBeGreaterThan(0);
    expect(report).toMatchObject({
      sweepId: workflowId,
      maxAgeDays: 400,
      requestedBy: `schedule ${sid('trigger-sweep')}`,
      stale: expected.length,
      truncated: false,
    });
    expect(report.sourceIds).toEqual(expected.sort());
    for (const id of expected) expect((await worker.store.articles.get(id))?.reviewState).toBe('pending');

    // list shows the run as the last one, completed.
    const listed = await cli(['schedules', 'list', '--json']);
    const items = (JSON.parse(listed.stdout) as { items: ScheduleView[] }).items;
    const mine = items.find((v) => v.id === sid('trigger-sweep'));
    expect(mine?.lastRun).toMatchObject({ workflowId, status: 'COMPLETED' });
    await client.schedule.getHandle(sid('trigger-sweep')).delete();
  });

  it('list flags a schedule whose last two runs failed', async () => {
    // No search index exists in this database: every incremental reindex fails with SearchIndexNotFound.
    const id = sid('failing');
    const path = file([entry('failing', { workflow: { type: 'reindexWorkflow', args: { mode: 'incremental' } } })]);
    expect((await cli(['schedules', 'apply', '--file', path])).code).toBe(0);
    for (let i = 0; i < 2; i++) {
      const { workflowId } = JSON.parse((await cli(['schedules', 'trigger', id, '--json'])).stdout) as { workflowId: string };
      await expect(client.workflow.getHandle(workflowId).result()).rejects.toThrow();
    }
    const v = await view(id);
    expect(v.lastRun?.status).toBe('FAILED');
    expect(v.flags.some((f) => f.startsWith('failing: the last two runs failed'))).toBe(true);
    const human = await cli(['schedules', 'list']);
    expect(human.stdout).toMatch(/! failing: the last two runs failed/);
    await client.schedule.getHandle(id).delete();
  });

  it('pause and unpause record who, when and why', async () => {
    const id = sid('pausable');
    expect((await cli(['schedules', 'apply', '--file', file([entry('pausable')])])).code).toBe(0);
    const paused = await cli(['schedules', 'pause', id, '--reason', 'inbox is being migrated', '--by', 'alice']);
    expect(paused.code, paused.stderr).toBe(0);
    const v = await view(id);
    expect(v.paused).toBe(true);
    expect(v.pause).toMatchObject({ by: 'alice', reason: 'inbox is being migrated' });
    expect(Date.now() - Date.parse(v.pause!.at)).toBeLessThan(60_000);
    const listed = await cli(['schedules', 'list']);
    expect(listed.stdout).toMatch(new RegExp(`PAUSED by alice at \\S+: inbox is being migrated`));
    expect((await describeSchedule(id)).state.paused).toBe(true);

    const missingReason = await cli(['schedules', 'unpause', id]);
    expect(missingReason.code).toBe(2);
    const unpaused = await cli(['schedules', 'unpause', id, '--reason', 'migration done', '--by', 'bob']);
    expect(unpaused.code, unpaused.stderr).toBe(0);
    const after = await describeSchedule(id);
    expect(after.state.paused).toBe(false);
    expect(after.state.note).toMatch(/^unpaused by bob at \S+: migration done\n\n— owner: editorial · expected duration: 1m · rollback: /);
    await client.schedule.getHandle(id).delete();
  });

  it('a backfill over three days takes one run per day under allow-all, and one under skip while that one runs', async () => {
    // A task queue no worker polls: the runs stay running, so the overlap policy decides what happens.
    const idle = { TASK_QUEUE: uniqueQueue('idle') };
    const daily = (name: string, overlap: string) =>
      entry(name, {
        workflow: { type: 'reindexWorkflow', args: { mode: 'incremental' } },
        cron: '0 12 * * *',
        timezone: 'UTC',
        overlap,
        expectedDuration: '1s',
      });
    const applied = await cli(['schedules', 'apply', '--file', file([daily('fill-all', 'allow-all'), daily('fill-skip', 'skip')])], idle);
    expect(applied.code, applied.stderr).toBe(0);
    const to = new Date();
    const from = new Date(to.getTime() - 3 * 86_400_000);
    for (const name of ['fill-all', 'fill-skip']) {
      const result = await cli(['schedules', 'backfill', sid(name), '--from', from.toISOString(), '--to', to.toISOString(), '--json'], idle);
      expect(result.code, result.stderr).toBe(0);
    }
    const settled = (id: string) =>
      until(`the backfill of ${id}`, async () => {
        const d = await describeSchedule(id);
        return d.info.numActionsTaken + d.info.numActionsSkippedOverlap >= 3 ? d : undefined;
      });
    const all = await settled(sid('fill-all'));
    expect(all.info.numActionsTaken).toBe(3);
    expect(all.info.numActionsSkippedOverlap).toBe(0);
    const scheduledDays = all.info.recentActions.map((a) => a.scheduledAt.toISOString()).sort();
    expect(scheduledDays).toHaveLength(3);
    for (const at of scheduledDays) expect(at).toMatch(/T12:00:00\.000Z$/);
    const skip = await settled(sid('fill-skip'));
    expect(skip.info.numActionsTaken).toBe(1);
    expect(skip.info.numActionsSkippedOverlap).toBe(2);
    const counts = await cli(['schedules', 'describe', sid('fill-skip'), '--json'], idle);
    expect(JSON.parse(counts.stdout)).toMatchObject({ actionsTaken: 1, skippedOverlap: 2 });

    // The runs have been going for longer than the expected 1s: list flags the schedule as slow.
    await new Promise((r) => setTimeout(r, 1_200));
    const flagged = JSON.parse((await cli(['schedules', 'describe', sid('fill-all'), '--json'], idle)).stdout) as ScheduleView;
    expect(flagged.flags.join('\n')).toMatch(/^slow: 3 of the last 3 run\(s\) took longer than the expected 1s/);

    const badRange = await cli(['schedules', 'backfill', sid('fill-all'), '--from', to.toISOString(), '--to', from.toISOString()], idle);
    expect(badRange.code).toBe(2);
    expect(badRange.stderr).toMatch(/--from .* must be before --to/);
    for (const d of [all, skip]) {
      for (const a of (await describeSchedule(d.scheduleId)).info.runningActions) {
        await client.workflow
          .getHandle(a.workflow.workflowId)
          .terminate('test cleanup')
          .catch(() => undefined);
      }
      await client.schedule.getHandle(d.scheduleId).delete();
    }
  });

  it('drift exits 0 in sync and 1 when the server or the file changed, naming the field', async () => {
    const a = entry('drift-a');
    const b = entry('drift-b', { cron: '0 8 * * 1' });
    const path = file([a, b]);
    expect((await cli(['schedules', 'apply', '--file', path])).code).toBe(0);
    const clean = await cli(['schedules', 'drift', '--file', path, '--json']);
    expect(clean.code, clean.stderr).toBe(0);
    expect(JSON.parse(clean.stdout)).toMatchObject({ inSync: true });

    // Someone changes the overlap policy and the timetable in the Web UI.
    await client.schedule.getHandle(sid('drift-a')).update((prev) => ({ ...prev, policies: { ...prev.policies, overlap: 'BUFFER_ALL' } }));
    await client.schedule
      .getHandle(sid('drift-b'))
      .update((prev) => ({ ...prev, spec: { ...prev.spec, calendars: undefined, cronExpressions: ['0 9 * * 1'] } }));
    const drifted = await cli(['schedules', 'drift', '--file', path, '--json']);
    expect(drifted.code).toBe(1);
    const report = JSON.parse(drifted.stdout) as { inSync: boolean; schedules: Array<{ id: string; status: string; differences: Array<{ field: string }> }> };
    expect(report.inSync).toBe(false);
    const byId = Object.fromEntries(report.schedules.map((s) => [s.id, s]));
    expect(byId[sid('drift-a')]).toMatchObject({ status: 'changed', differences: [{ field: 'overlap', file: 'skip', server: 'buffer-all' }] });
    expect(byId[sid('drift-b')]?.differences.map((d) => d.field)).toEqual(['spec']);
    const human = await cli(['schedules', 'drift', '--file', path]);
    expect(human.stdout).toMatch(/overlap: file skip, server buffer-all/);

    // apply repairs it; then the file changes and one schedule is deleted on the server.
    expect((await cli(['schedules', 'apply', '--file', path])).code).toBe(0);
    expect((await cli(['schedules', 'drift', '--file', path])).code).toBe(0);
    await client.schedule.getHandle(sid('drift-b')).delete();
    const newer = file([{ ...a, timezone: 'America/New_York' }, b]);
    const again = await cli(['schedules', 'drift', '--file', newer, '--json']);
    expect(again.code).toBe(1);
    const second = Object.fromEntries((JSON.parse(again.stdout) as typeof report).schedules.map((s) => [s.id, s]));
    expect(second[sid('drift-a')]).toMatchObject({
      status: 'changed',
      differences: [{ field: 'timezone', file: 'America/New_York', server: 'Europe/Berlin' }],
    });
    expect(second[sid('drift-b')]).toMatchObject({ status: 'missing' });
    await client.schedule.getHandle(sid('drift-a')).delete();
  });

  it('two applies at once, from two processes, leave each schedule once and the server in sync', async () => {
    const names = ['c1', 'c2', 'c3', 'c4', 'c5'];
    const path = file(names.map((n) => entry(n)));
    const applyProcess = () =>
      new Promise<{ code: number | null; stdout: string; stderr: string }>((done) => {
        const child = spawn(process.execPath, ['bin/pressroom.mjs', 'schedules', 'apply', '--file', path], { env, stdio: ['ignore', 'pipe', 'pipe'] });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        child.once('exit', (code) => done({ code, stdout, stderr }));
      });
    const [one, two] = await Promise.all([applyProcess(), applyProcess()]);
    expect(one.code, one.stderr).toBe(0);
    expect(two.code, two.stderr).toBe(0);
    const ids: string[] = [];
    for await (const s of client.schedule.list()) if (s.scheduleId.startsWith(`${prefix}-c`)) ids.push(s.scheduleId);
    // Visibility may lag a moment: wait until all five are listed, then count.
    const listed = await until('the five schedules to be listed', async () => {
      const now: string[] = [];
      for await (const s of client.schedule.list()) if (s.scheduleId.startsWith(`${prefix}-c`)) now.push(s.scheduleId);
      return now.length >= 5 ? now : undefined;
    });
    expect(listed.sort()).toEqual(names.map(sid));
    expect(ids.length).toBeLessThanOrEqual(5);
    const drift = await cli(['schedules', 'drift', '--file', path]);
    expect(drift.code, drift.stdout).toBe(0);
    for (const n of names) await client.schedule.getHandle(sid(n)).delete();
  });

  it('the DST rule in Europe/Berlin: a wall-clock time fires at most once a day; inside the skipped hour it does not fire', async () => {
    const daily = entry('dst-daily', { cron: '30 2 * * *' });
    const hourly = entry('dst-hourly', { cron: '0 * * * *' });
    const nightly = entry('dst-nightly', { cron: '30 3 * * *' });
    const interval = entry('dst-interval', { cron: undefined, interval: { every: '1h' } });
    expect((await cli(['schedules', 'apply', '--file', file([daily, hourly, nightly, interval])])).code).toBe(0);
    const zone = 'Europe/Berlin';
    const local = (times: Date[]) => times.map((t) => localTime(t, zone));
    const onDay = async (id: string, from: string, day: string) =>
      local(await fireTimesFrom(client, sid(id), new Date(from), 30)).filter((t) => t.startsWith(day));

    // Spring forward, 2027-03-28: 02:00 CET becomes 03:00 CEST. 02:30 does not exist that day, and is not moved.
    const spring = local(await fireTimesFrom(client, sid('dst-daily'), new Date('2027-03-26T12:00:00Z'), 4));
    expect(spring).toEqual(['2027-03-27 02:30 CET', '2027-03-29 02:30 CEST', '2027-03-30 02:30 CEST', '2027-03-31 02:30 CEST']);
    const springHours = await onDay('dst-hourly', '2027-03-27T22:30:00Z', '2027-03-28');
    expect(springHours).toHaveLength(23);
    expect(springHours.some((t) => t.startsWith('2027-03-28 02:'))).toBe(false);

    // Fall back, 2027-10-31: 03:00 CEST becomes 02:00 CET, so 02:00-02:59 happens twice; each time still fires once.
    const autumn = await fireTimesFrom(client, sid('dst-daily'), new Date('2027-10-29T12:00:00Z'), 3);
    expect(local(autumn)).toEqual(['2027-10-30 02:30 CEST', '2027-10-31 02:30 CET', '2027-11-01 02:30 CET']);
    expect(autumn[1]!.toISOString()).toBe('2027-10-31T01:30:00.000Z');
    const autumnHours = await onDay('dst-hourly', '2027-10-30T21:30:00Z', '2027-10-31');
    expect(autumnHours).toHaveLength(24);
    expect(autumnHours.filter((t) => t.startsWith('2027-10-31 02:'))).toEqual(['2027-10-31 02:00 CEST']);

    // An interval counts elapsed time, not the clock: every hour that passes, 23 on the short day and 25 on the long one.
    expect(await onDay('dst-interval', '2027-03-27T22:30:00Z', '2027-03-28')).toHaveLength(23);
    const long = await onDay('dst-interval', '2027-10-30T21:30:00Z', '2027-10-31');
    expect(long).toHaveLength(25);
    expect(long.filter((t) => t.startsWith('2027-10-31 02:00'))).toEqual(['2027-10-31 02:00 CEST', '2027-10-31 02:00 CET']);

    // A time outside 02:00-03:00 (the default schedules') runs once every day, at the same wall-clock time.
    const listed = await cli(['schedules', 'list', '--json', '--from', '2027-03-27']);
    expect(listed.code, listed.stderr).toBe(0);
    const items = (JSON.parse(listed.stdout) as { items: ScheduleView[] }).items;
    expect(items.find((v) => v.id === sid('dst-nightly'))?.nextRuns.map((r) => r.local)).toEqual([
      '2027-03-27 03:30 CET',
      '2027-03-28 03:30 CEST',
      '2027-03-29 03:30 CEST',
      '2027-03-30 03:30 CEST',
      '2027-03-31 03:30 CEST',
    ]);
    for (const n of ['dst-daily', 'dst-hourly', 'dst-nightly', 'dst-interval']) await client.schedule.getHandle(sid(n)).delete();
  });

  it('a bad file is refused with the entry and field named, and nothing on the server changes', async () => {
    const path = file([entry('keep')]);
    expect((await cli(['schedules', 'apply', '--file', path])).code).toBe(0);
    const token = String((await describeSchedule(sid('keep'))).raw.conflictToken);
    const cases: Array<[string, Entry, RegExp]> = [
      [
        'unknown workflow',
        entry('bad1', { workflow: { type: 'cleanupWorkflow', args: {} } }),
        /schedule "\S+-bad1" \(#2\), field "workflow\.type": expected one of importWorkflow/,
      ],
      [
        'bad cron',
        entry('bad2', { cron: '0 25 * * *' }),
        /schedule "\S+-bad2" \(#2\), field "cron": expected a cron expression: hour: "25" is out of range \(0-23\)/,
      ],
      ['unknown time zone', entry('bad3', { timezone: 'Europe/Atlantis' }), /schedule "\S+-bad3" \(#2\), field "timezone": expected an IANA time zone/],
      ['misspelled overlap', entry('bad4', { overlap: 'skipp' }), /schedule "\S+-bad4" \(#2\), field "overlap": expected one of skip, buffer-one/],
      ['duplicate id', entry('keep', { cron: '0 9 * * *' }), /schedule "\S+-keep" \(#2\), field "id": duplicate id: entry #1 has it already/],
    ];
    for (const [what, bad, message] of cases) {
      const refused = await cli(['schedules', 'apply', '--file', file([entry('keep', { owner: 'changed' }), bad])]);
      expect(refused.code, what).toBe(1);
      expect(refused.stderr, what).toMatch(message);
      expect(refused.stderr, what).toMatch(/nothing on the server was changed/);
    }
    expect(String((await describeSchedule(sid('keep'))).raw.conflictToken)).toBe(token);
    expect((await describeSchedule(sid('keep'))).memo?.owner).toBe('editorial');
    for (const name of ['bad1', 'bad2', 'bad3', 'bad4']) expect(await exists(sid(name))).toBe(false);
    await client.schedule.getHandle(sid('keep')).delete();
  });

  it('the real temporal CLI lists the schedules and describes one with its memo', async () => {
    const path = file([entry('cli-seen', { owner: 'content-platform', expectedDuration: '30m', rollbackNote: 're-import the previous export' })]);
    expect((await cli(['schedules', 'apply', '--file', path])).code).toBe(0);
    const temporal = (...args: string[]) => run(inject('temporalCli'), [...args, '--address', config.temporal.address], { timeout: 60_000 });
    const listed = await until('temporal schedule list to show it', async () => {
      const { stdout } = await temporal('schedule', 'list');
      return stdout.includes(sid('cli-seen')) ? stdout : undefined;
    });
    expect(listed).toMatch(new RegExp(`${sid('cli-seen')}\\s+\\{"Workflow":"freshnessSweepWorkflow"\\}`));
    const { stdout } = await temporal('schedule', 'describe', '--schedule-id', sid('cli-seen'));
    expect(stdout).toMatch(/TimeZoneName\s+Europe\/Berlin/);
    expect(stdout).toMatch(/OverlapPolicy\s+Skip/);
    expect(stdout).toMatch(/Memo\s+.*"owner":"content-platform"/);
    expect(stdout).toContain('"rollbackNote":"re-import the previous export"');
    expect(stdout).toContain('"expectedDuration":"30m"');
    expect(stdout).toContain('"managedBy":"pressroom schedules apply"');
    await client.schedule.getHandle(sid('cli-seen')).delete();
  });
});
