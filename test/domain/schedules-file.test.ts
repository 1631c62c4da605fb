import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { desiredSchedules, OWNER_MARK, SchedulesFileError, type DesiredSchedule } from '../../src/client/schedules/desired.js';
import { loadConfig, type Config } from '../../src/config.js';
import { ErrorType } from '../../src/domain/errors.js';
import { DEFAULT_APPROVAL_TIMEOUT_MS } from '../../src/domain/release/input.js';
import { formatProblem, parseSchedulesFile, type FileProblem } from '../../src/domain/schedules/file.js';
import { cronProblem, durationMs, formatDuration, isTimeZone } from '../../src/domain/schedules/spec.js';
import { DEFAULT_REINDEX_BATCH, DEFAULT_VERIFY } from '../../src/domain/search/input.js';

const SHIPPED_FILE = fileURLToPath(new URL('../../pressroom.schedules.json', import.meta.url));
const SHIPPED = readFileSync(SHIPPED_FILE, 'utf8');

// Batch size and concurrency differ from the import defaults (500, 4), so a test sees they came from the config.
const config: Config = loadConfig({ PRESSROOM_DATA_DIR: '/tmp/pr-test', TASK_QUEUE: 'q1', IMPORT_BATCH_SIZE: '100', IMPORT_CONCURRENCY: '8' });

/** A valid entry; each test changes the one thing it is about. */
function entry(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 'test-entry',
    workflow: { type: 'reindexWorkflow', args: { mode: 'incremental' } },
    cron: '0 4 * * *',
    timezone: 'UTC',
    overlap: 'skip',
    catchupWindow: '1h',
    owner: 'search',
    expectedDuration: '5m',
    rollbackNote: 'pressroom reindex rollback',
    ...overrides,
  };
}

const fileOf = (...entries: unknown[]): string => JSON.stringify({ schedules: entries });

/** The problems parseSchedulesFile reports; fails the test when the file parses. */
function problemsOf(text: string): FileProblem[] {
  const result = parseSchedulesFile(text);
  if (result.ok) throw new Error('expected the file to be refused, but it parsed');
  return result.problems;
}

/** The SchedulesFileError desiredSchedules throws; fails the test when it returns schedules. */
function refusal(text: string, options: { file?: string; env?: NodeJS.ProcessEnv } = {}): SchedulesFileError {
  try {
    desiredSchedules(text, config, { file: options.file ?? '/srv/conf/pressroom.schedules.json', env: options.env ?? {} });
  } catch (error) {
    expect(error).toBeInstanceOf(SchedulesFileError);
    return error as SchedulesFileError;
  }
  throw new Error('expected desiredSchedules to refuse the file');
}

/** The one desired schedule of a one-entry file. */
function single(e: Record<string, unknown>, options: { file?: string; env?: NodeJS.ProcessEnv } = {}): DesiredSchedule {
  const desired = desiredSchedules(fileOf(e), config, { file: options.file ?? '/srv/conf/pressroom.schedules.json', env: options.env ?? {} });
  expect(desired).toHaveLength(1);
  return desired[0]!;
}

const byId = (desired: DesiredSchedule[], id: string): DesiredSchedule => {
  const found = desired.find((d) => d.id === id);
  if (!found) throw new Error(`no desired schedule ${id}`);
  return found;
};

describe('schedule timetables (spec.ts)', () => {
  it('accepts five-field cron expressions with names, ranges, steps and lists, and the macros', () => {
    for (const ok of [
      '30 3 * * *',
      '0 4 * * 0',
      '0 0 * * 7',
      '*/15 9-17 1,15 * mon-fri',
      '0 0 1 JAN-MAR *',
      '@yearly',
      '@monthly',
      '@weekly',
      '@daily',
      '@hourly',
    ]) {
      expect(cronProblem(ok), ok).toBeUndefined();
    }
  });

  it('refuses what the server would refuse or read differently, saying why', () => {
    expect(cronProblem('0 30 3 * * *')).toMatch(/expected 5 fields.*got 6/);
    expect(cronProblem('* * * *')).toMatch(/expected 5 fields.*got 4/);
    expect(cronProblem('CRON_TZ=Europe/Berlin 30 3 * * *')).toMatch(/"timezone"/);
    expect(cronProblem('TZ=UTC 30 3 * * *')).toMatch(/"timezone"/);
    expect(cronProblem('@every 1h')).toMatch(/unknown macro "@every 1h"/);
    expect(cronProblem('@reboot')).toMatch(/unknown macro/);
    expect(cronProblem('61 * * * *')).toMatch(/^minute: .*"61" is out of range \(0-59\)/);
    expect(cronProblem('0 24 * * *')).toMatch(/^hour: .*out of range \(0-23\)/);
    expect(cronProblem('0 0 0 * *')).toMatch(/^day of month: .*out of range \(1-31\)/);
    expect(cronProblem('0 0 * 13 *')).toMatch(/^month: .*out of range \(1-12 or JAN-DEC\)/);
    expect(cronProblem('0 0 * * 8')).toMatch(/^day of week: .*out of range \(0-7 or SUN-SAT\)/);
    expect(cronProblem('5-1 * * * *')).toMatch(/^minute: .*"5-1" runs backwards/);
    expect(cronProblem('*/0 * * * *')).toMatch(/step "\/0" must be a whole number of 1 or more/);
    expect(cronProblem('*/x * * * *')).toMatch(/step "\/x"/);
    expect(cronProblem('0 0 * * funday')).toMatch(/^day of week: "funday" is not .*\(0-7 or SUN-SAT\)/);
    expect(cronProblem('0 0 * smarch *')).toMatch(/^month: "smarch" is not .*\(1-12 or JAN-DEC\)/);
    expect(cronProblem('1,,2 * * * *')).toMatch(/^minute: "" is not a value/);
  });

  it('reads and prints durations', () => {
    expect(durationMs('1h30m')).toBe(5_400_000);
    expect(durationMs('90s')).toBe(90_000);
    expect(durationMs('7d')).toBe(604_800_000);
    expect(durationMs('250ms')).toBe(250);
    expect(durationMs('0s')).toBe(0);
    for (const bad of ['', '10', '1.5h', '1H', 'h', '-5m', '5 m']) expect(durationMs(bad), bad).toBeUndefined();
    expect(formatDuration(5_400_000)).toBe('1h30m');
    expect(formatDuration(1_500)).toBe('1s500ms');
    expect(formatDuration(86_400_000)).toBe('1d');
    expect(formatDuration(0)).toBe('0s');
    for (const text of ['1h30m', '6h', '10s', '1d2h3m4s5ms']) expect(formatDuration(durationMs(text)!)).toBe(text);
  });

  it('knows IANA time zones by their exact names only', () => {
    for (const ok of ['Europe/Berlin', 'UTC', 'Etc/UTC', 'America/New_York']) expect(isTimeZone(ok), ok).toBe(true);
    for (const bad of ['europe/berlin', 'utc', '+01:00', '-05:00', 'GMT+1', 'Mars/Olympus', 'Europe/Berlín', '', ' UTC'])
      expect(isTimeZone(bad), bad).toBe(false);
  });
});

describe('the shipped pressroom.schedules.json', () => {
  const desired = desiredSchedules(SHIPPED, config, { file: SHIPPED_FILE, env: {} });

  it('parses and gives its four schedules', () => {
    const parsed = parseSchedulesFile(SHIPPED);
    expect(parsed.ok).toBe(true);
    expect(desired.map((d) => d.id)).toEqual(['nightly-import', 'hourly-incremental-reindex', 'weekly-full-reindex', 'daily-freshness-sweep']);
    expect(desired.map((d) => d.workflowType)).toEqual(['importWorkflow', 'reindexWorkflow', 'reindexWorkflow', 'freshnessSweepWorkflow']);
  });

  it('imports the configured inbox with the configured batch size and concurrency', () => {
    const nightly = byId(desired, 'nightly-import');
    expect(config.importInbox).toBe('/tmp/pr-test/inbox');
    expect(nightly.input).toEqual({ paths: [config.importInbox], dryRun: false, batchSize: 100, concurrency: 8, maxHistoryEvents: 6_000 });
    expect(nightly.options.action.args).toEqual([nightly.input]);
    expect(nightly.options.spec).toMatchObject({ cronExpressions: ['30 3 * * *'], timezone: 'Europe/Berlin', jitter: 300_000 });
    expect(nightly.options.spec.intervals).toBeUndefined();
  });

  it('follows IMPORT_INBOX when it is set', () => {
    const moved = loadConfig({ PRESSROOM_DATA_DIR: '/tmp/pr-test', IMPORT_INBOX: '/srv/drop' });
    const nightly = byId(desiredSchedules(SHIPPED, moved, { file: SHIPPED_FILE, env: {} }), 'nightly-import');
    expect(nightly.input).toMatchObject({ paths: ['/srv/drop'], batchSize: 500, concurrency: 4 });
  });

  it('gives the reindexes their mode, who asked, and the full one the default verification', () => {
    expect(byId(desired, 'hourly-incremental-reindex').input).toEqual({
      mode: 'incremental',
      requestedBy: 'schedule hourly-incremental-reindex',
      trigger: null,
    });
    expect(byId(desired, 'weekly-full-reindex').input).toEqual({
      mode: 'full',
      requestedBy: 'schedule weekly-full-reindex',
      batchSize: DEFAULT_REINDEX_BATCH,
      verify: DEFAULT_VERIFY,
    });
  });

  it('gives the freshness sweep its age', () => {
    expect(byId(desired, 'daily-freshness-sweep').input).toEqual({ requestedBy: 'schedule daily-freshness-sweep', maxAgeDays: 365 });
  });

  it('runs the hourly reindex on an interval, not a cron', () => {
    const { spec } = byId(desired, 'hourly-incremental-reindex').options;
    expect(spec.intervals).toEqual([{ every: 3_600_000, offset: 600_000 }]);
    expect(spec.cronExpressions).toBeUndefined();
    expect(spec.timezone).toBe('UTC');
    expect(spec.jitter).toBe(0);
  });

  it('turns the policies, memo and action into what the SDK takes', () => {
    for (const d of desired) expect(d.options.policies?.overlap, d.id).toBe('SKIP');
    const weekly = byId(desired, 'weekly-full-reindex');
    expect(weekly.options.scheduleId).toBe('weekly-full-reindex');
    expect(weekly.options.policies).toEqual({ overlap: 'SKIP', catchupWindow: 12 * 3_600_000, pauseOnFailure: true });
    expect(weekly.options.spec.cronExpressions).toEqual(['0 4 * * 0']);
    expect(weekly.options.memo).toMatchObject({
      owner: 'search',
      expectedDuration: '15m',
      rollbackNote: expect.stringContaining('pressroom reindex rollback'),
      description: expect.stringContaining('Rebuild the search index'),
    });
    expect(weekly.options.action).toMatchObject({
      type: 'startWorkflow',
      workflowType: 'reindexWorkflow',
      workflowId: 'scheduled-weekly-full-reindex',
      taskQueue: 'q1',
    });
    for (const d of desired) {
      expect(OWNER_MARK).toBe('pressroom');
      expect(d.options.memo?.pressroom, d.id).toMatchObject({ managedBy: 'pressroom schedules apply' });
      expect(d.options.action.taskQueue, d.id).toBe(config.temporal.taskQueue);
      expect(d.options.action.workflowId, d.id).toBe(`scheduled-${d.id}`);
    }
    expect(byId(desired, 'daily-freshness-sweep').options.policies?.catchupWindow).toBe(86_400_000);
    expect(byId(desired, 'nightly-import').options.policies).toEqual({ overlap: 'SKIP', catchupWindow: 6 * 3_600_000, pauseOnFailure: false });
  });

  it('maps the other overlap names and defaults jitter and pauseOnFailure', () => {
    const d = single(entry({ overlap: 'buffer-one' }));
    expect(d.options.policies).toEqual({ overlap: 'BUFFER_ONE', catchupWindow: 3_600_000, pauseOnFailure: false });
    expect(d.options.spec.jitter).toBe(0);
    expect(single(entry({ overlap: 'terminate-other' })).options.policies?.overlap).toBe('TERMINATE_OTHER');
  });
});

describe('a bad file is refused by entry and field', () => {
  /** The one problem of a one-entry file, checked for its entry and field. */
  function onlyProblem(e: Record<string, unknown>, field: string): FileProblem {
    const problems = problemsOf(fileOf(e));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ entry: `schedule "${String(e.id)}" (#1)`, field });
    return problems[0]!;
  }

  it('an unknown workflow type', () => {
    const problem = onlyProblem(entry({ id: 'nightly-import', workflow: { type: 'importWorkflw', args: {} } }), 'workflow.type');
    expect(problem.message).toMatch(/importWorkflow, reindexWorkflow, releaseWorkflow, freshnessSweepWorkflow/);
    expect(formatProblem(problem)).toBe(`schedule "nightly-import" (#1), field "workflow.type": ${problem.message}`);
  });

  it('a minute out of range', () => {
    expect(onlyProblem(entry({ cron: '61 * * * *' }), 'cron').message).toMatch(/minute: .*"61" is out of range \(0-59\)/);
  });

  it('a cron expression of four fields', () => {
    expect(onlyProblem(entry({ cron: '* * * *' }), 'cron').message).toMatch(/expected 5 fields.*got 4/);
  });

  it('a cron expression with seconds or a time zone', () => {
    expect(onlyProblem(entry({ cron: '0 30 3 * * *' }), 'cron').message).toMatch(/got 6/);
    expect(onlyProblem(entry({ cron: 'CRON_TZ=UTC 30 3 * * *' }), 'cron').message).toMatch(/"timezone"/);
  });

  it('an unknown time zone', () => {
    expect(onlyProblem(entry({ timezone: 'Europe/Berlín' }), 'timezone').message).toMatch(/IANA time zone such as Europe\/Berlin/);
  });

  it('a misspelled overlap', () => {
    const { message } = onlyProblem(entry({ overlap: 'skipp' }), 'overlap');
    expect(message).toContain('buffer-one');
    expect(message).toMatch(/skip, buffer-one, buffer-all, cancel-other, terminate-other, allow-all/);
  });

  it('a duplicate id, naming the entry that has it first', () => {
    const problems = problemsOf(fileOf(entry({ id: 'nightly-import' }), entry({ id: 'other' }), entry({ id: 'nightly-import' })));
    expect(problems).toEqual([{ entry: 'schedule "nightly-import" (#3)', field: 'id', message: expect.stringMatching(/duplicate id.*entry #1/) }]);
  });

  it('both cron and interval, or neither', () => {
    expect(onlyProblem(entry({ interval: { every: '1h' } }), 'cron').message).toMatch(/exactly one of "cron" and "interval"/);
    expect(onlyProblem(entry({ cron: undefined }), 'cron').message).toMatch(/exactly one of "cron" and "interval"/);
  });

  it('a missing owner', () => {
    expect(onlyProblem(entry({ owner: undefined }), 'owner').message).toMatch(/expected an owner/);
    expect(onlyProblem(entry({ owner: '   ' }), 'owner').message).toMatch(/not an empty string/);
  });

  it('a catch-up window under 10 seconds', () => {
    expect(onlyProblem(entry({ catchupWindow: '5s' }), 'catchupWindow').message).toMatch(/at least 10s/);
    expect(parseSchedulesFile(fileOf(entry({ catchupWindow: '10s' }))).ok).toBe(true);
  });

  it('an offset as long as the interval', () => {
    const e = entry({ cron: undefined, interval: { every: '1h', offset: '1h' } });
    expect(onlyProblem(e, 'interval.offset').message).toMatch(/offset shorter than the interval/);
    expect(onlyProblem(entry({ cron: undefined, interval: { every: '1h', offset: '2h' } }), 'interval.offset')).toBeDefined();
    expect(parseSchedulesFile(fileOf(entry({ cron: undefined, interval: { every: '1h', offset: '59m' } }))).ok).toBe(true);
  });

  it('a bad duration', () => {
    const problems = problemsOf(fileOf(entry({ jitter: '1 hour' })));
    expect(problems).toEqual([
      { entry: 'schedule "test-entry" (#1)', field: 'jitter', message: expect.stringMatching(/expected a jitter as a duration such as 90s/) },
    ]);
    expect(problemsOf(fileOf(entry({ expectedDuration: '1 hour' })))[0]).toMatchObject({
      field: 'expectedDuration',
      message: expect.stringMatching(/duration such as 90s/),
    });
  });

  it('text that is not JSON', () => {
    const problems = problemsOf('{ "schedules": [ ');
    expect(problems).toEqual([{ entry: null, field: '(file)', message: expect.stringMatching(/^expected JSON: /) }]);
    expect(formatProblem(problems[0]!)).toMatch(/^field "\(file\)": expected JSON/);
  });

  it('an unknown top-level key', () => {
    const problems = problemsOf(JSON.stringify({ schedules: [entry()], schedule: [] }));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ entry: null, field: 'schedule' });
    expect(problems[0]!.message).toMatch(/^unknown field/);
  });

  it('an unknown entry key', () => {
    const problems = problemsOf(fileOf(entry({ id: 'nightly-import', timeZone: 'UTC' })));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ entry: 'schedule "nightly-import" (#1)', field: 'timeZone' });
    expect(problems[0]!.message).toMatch(/^unknown field/);
  });

  it('an entry without a usable id is named by its position', () => {
    const problems = problemsOf(fileOf(entry(), entry(), entry({ id: 'Nightly Import', owner: undefined })));
    // The second entry repeats the first one's id: reported even though another entry has field errors.
    expect(problems.map((p) => [p.entry, p.field])).toEqual([
      ['entry #3', 'id'],
      ['entry #3', 'owner'],
      [expect.stringMatching(/\(#2\)$/), 'id'],
    ]);
  });

  it('every problem in one go: a duplicate id and a missing cron beside field errors elsewhere', () => {
    const problems = problemsOf(
      fileOf(entry({ id: 'a-one' }), entry({ id: 'b-two', owner: undefined, cron: undefined }), entry({ id: 'a-one', overlap: 'skipp' })),
    );
    expect(problems.map((p) => [p.entry, p.field])).toEqual(
      expect.arrayContaining([
        ['schedule "b-two" (#2)', 'owner'],
        ['schedule "b-two" (#2)', 'cron'],
        ['schedule "a-one" (#3)', 'overlap'],
        ['schedule "a-one" (#3)', 'id'],
      ]),
    );
  });

  it('a string that is not a duration gets one message, and a cron expression is trimmed', () => {
    const problems = problemsOf(fileOf(entry({ catchupWindow: 'soon' })));
    expect(problems.map((p) => p.field)).toEqual(['catchupWindow']);
    const parsed = parseSchedulesFile(fileOf(entry({ cron: '  30 3 * * *\t' })));
    expect(parsed.ok && parsed.file.schedules[0]!.cron).toBe('30 3 * * *');
  });

  it('no schedules list', () => {
    expect(problemsOf(JSON.stringify({}))).toEqual([{ entry: null, field: 'schedules', message: 'expected "schedules" as a list of schedule entries' }]);
  });
});

describe('several problems', () => {
  const text = fileOf(
    entry({ id: 'first', cron: '61 * * * *' }),
    entry({ id: 'second', timezone: 'Mars/Olympus', overlap: 'skipp' }),
    entry({ id: 'third' }),
    entry({ id: 'fourth', owner: undefined, catchupWindow: '5s' }),
  );

  it('are all reported, each by its entry and field', () => {
    expect(problemsOf(text).map((p) => [p.entry, p.field])).toEqual([
      ['schedule "first" (#1)', 'cron'],
      ['schedule "second" (#2)', 'timezone'],
      ['schedule "second" (#2)', 'overlap'],
      ['schedule "fourth" (#4)', 'catchupWindow'],
      ['schedule "fourth" (#4)', 'owner'],
    ]);
  });

  it('are each in the error, which says nothing on the server was changed', () => {
    const error = refusal(text, { file: '/srv/conf/pressroom.schedules.json' });
    expect(error.type).toBe(ErrorType.InvalidInput);
    expect(error.retryable).toBe(false);
    expect(error.file).toBe('/srv/conf/pressroom.schedules.json');
    expect(error.problems).toEqual(problemsOf(text));
    expect(error.message).toMatch(/^\/srv\/conf\/pressroom\.schedules\.json is not a valid schedules file/);
    expect(error.message).toContain('nothing on the server was changed');
    for (const problem of error.problems) expect(error.message).toContain(formatProblem(problem));
    expect(error.message.split('\n')).toHaveLength(1 + error.problems.length);
  });

  it('in the workflow args of several entries are all reported too', () => {
    const error = refusal(
      fileOf(
        entry({ id: 'one', workflow: { type: 'reindexWorkflow', args: { mode: 'rollback' } } }),
        entry({ id: 'two' }),
        entry({ id: 'three', workflow: { type: 'freshnessSweepWorkflow', args: { maxAgeDays: 0 } } }),
      ),
    );
    expect(error.problems.map((p) => [p.entry, p.field])).toEqual([
      ['schedule "one" (#1)', 'workflow.args.mode'],
      ['schedule "three" (#3)', 'workflow.args'],
    ]);
  });
});

describe('workflow args', () => {
  it('refuses a rollback on a timetable', () => {
    const error = refusal(fileOf(entry({ id: 'nightly-rollback', workflow: { type: 'reindexWorkflow', args: { mode: 'rollback' } } })));
    expect(error.problems).toEqual([
      {
        entry: 'schedule "nightly-rollback" (#1)',
        field: 'workflow.args.mode',
        message: expect.stringMatching(/full or incremental/),
      },
    ]);
    expect(error.message).toContain('field "workflow.args.mode"');
  });

  it('refuses an unknown args key', () => {
    const error = refusal(fileOf(entry({ workflow: { type: 'reindexWorkflow', args: { mode: 'full', batchsize: 10 } } })));
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toMatchObject({ entry: 'schedule "test-entry" (#1)', field: 'workflow.args' });
    expect(error.problems[0]!.message).toContain('"batchsize"');
  });

  it('refuses an import path naming a variable that is not set', () => {
    const e = entry({ workflow: { type: 'importWorkflow', args: { paths: ['/srv/a', '${NOT_SET_VAR}/x'] } } });
    const error = refusal(fileOf(e), { env: {} });
    expect(error.problems).toEqual([
      { entry: 'schedule "test-entry" (#1)', field: 'workflow.args.paths.1', message: '${NOT_SET_VAR} is not set in the environment' },
    ]);
    // Set, the same variable expands.
    expect(single(e, { env: { NOT_SET_VAR: '/mnt/exports' } }).input).toMatchObject({ paths: ['/srv/a', '/mnt/exports/x'] });
  });

  it("resolves a relative import path against the file's directory", () => {
    const d = single(entry({ workflow: { type: 'importWorkflow', args: { paths: ['drops', '../shared/in', '/abs/path'], dryRun: true } } }), {
      file: '/srv/conf/pressroom.schedules.json',
    });
    expect(d.input).toEqual({
      paths: ['/srv/conf/drops', '/srv/shared/in', '/abs/path'],
      dryRun: true,
      batchSize: 100,
      concurrency: 8,
      maxHistoryEvents: 6_000,
    });
  });

  it('refuses an import with no paths, and values the import itself refuses', () => {
    const empty = refusal(fileOf(entry({ workflow: { type: 'importWorkflow', args: { paths: [] } } })));
    expect(empty.problems).toEqual([{ entry: 'schedule "test-entry" (#1)', field: 'workflow.args', message: expect.stringMatching(/at least one path/) }]);
    const missing = refusal(fileOf(entry({ workflow: { type: 'importWorkflow', args: {} } })));
    expect(missing.problems.map((p) => p.field)).toEqual(['workflow.args.paths']);
    const huge = refusal(fileOf(entry({ workflow: { type: 'importWorkflow', args: { paths: ['/a'], batchSize: 5_000 } } })));
    expect(huge.problems).toEqual([{ entry: 'schedule "test-entry" (#1)', field: 'workflow.args', message: expect.stringMatching(/batchSize.*1 to 1000/) }]);
  });

  it('refuses a freshness sweep of 0 days', () => {
    const error = refusal(fileOf(entry({ workflow: { type: 'freshnessSweepWorkflow', args: { maxAgeDays: 0 } } })));
    expect(error.problems).toEqual([
      { entry: 'schedule "test-entry" (#1)', field: 'workflow.args', message: expect.stringMatching(/maxAgeDays.*1 to 3650 days/) },
    ]);
  });

  it('fills in the freshness default and keeps a named requester', () => {
    expect(single(entry({ workflow: { type: 'freshnessSweepWorkflow' } })).input).toEqual({ requestedBy: 'schedule test-entry', maxAgeDays: 365 });
    expect(single(entry({ workflow: { type: 'freshnessSweepWorkflow', args: { requestedBy: 'editorial', maxAgeDays: 30 } } })).input).toEqual({
      requestedBy: 'editorial',
      maxAgeDays: 30,
    });
  });

  it('builds a complete release input', () => {
    const d = single(entry({ id: 'nightly-release', workflow: { type: 'releaseWorkflow', args: { autoApprove: true } } }));
    expect(d.workflowType).toBe('releaseWorkflow');
    expect(d.input).toEqual({ requestedBy: 'schedule nightly-release', only: null, autoApprove: true, approvalTimeoutMs: DEFAULT_APPROVAL_TIMEOUT_MS });
    expect(d.options.action).toMatchObject({ workflowType: 'releaseWorkflow', workflowId: 'scheduled-nightly-release', args: [d.input] });
  });

  it('merges given verify settings over the defaults of a full reindex', () => {
    const d = single(entry({ workflow: { type: 'reindexWorkflow', args: { mode: 'full', batchSize: 500, verify: { goldenQueries: 50 } } } }));
    expect(d.input).toEqual({ mode: 'full', requestedBy: 'schedule test-entry', batchSize: 500, verify: { ...DEFAULT_VERIFY, goldenQueries: 50 } });
    const bad = refusal(fileOf(entry({ workflow: { type: 'reindexWorkflow', args: { mode: 'full', verify: { goldenQuerys: 50 } } } })));
    expect(bad.problems.map((p) => p.field)).toEqual(['workflow.args']);
  });
});
