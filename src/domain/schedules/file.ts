import { z } from 'zod';
import { cronProblem, durationMs, isTimeZone } from './spec.js';

// pressroom.schedules.json: every schedule Pressroom owns, declared in one file and validated here
// before anything reaches the server. A problem names its entry (by id when it has one) and field.

/** The workflow types a schedule may start; each entry's args are that workflow's client request. */
export const SCHEDULE_WORKFLOWS = ['importWorkflow', 'reindexWorkflow', 'releaseWorkflow', 'freshnessSweepWorkflow'] as const;
export type ScheduleWorkflow = (typeof SCHEDULE_WORKFLOWS)[number];

/** The file's overlap names and Temporal's: what happens when a run is due while the last one still runs. */
export const OVERLAP_POLICIES = {
  skip: 'SKIP',
  'buffer-one': 'BUFFER_ONE',
  'buffer-all': 'BUFFER_ALL',
  'cancel-other': 'CANCEL_OTHER',
  'terminate-other': 'TERMINATE_OTHER',
  'allow-all': 'ALLOW_ALL',
} as const;
export type OverlapName = keyof typeof OVERLAP_POLICIES;
export type OverlapPolicy = (typeof OVERLAP_POLICIES)[OverlapName];
const OVERLAP_NAMES = Object.keys(OVERLAP_POLICIES) as [OverlapName, ...OverlapName[]];

/** The server refuses a catch-up window under 10 seconds. */
const MIN_CATCHUP_MS = 10_000;

const duration = (what: string, min = 0) =>
  z
    .string(`expected ${what} as a duration such as 90s, 15m, 1h30m or 7d`)
    .refine((text) => durationMs(text) !== undefined, `expected ${what} as a duration such as 90s, 15m, 1h30m or 7d`)
    .refine((text) => (durationMs(text) ?? Number.POSITIVE_INFINITY) >= min, `expected ${what} of at least ${min / 1000}s`);

const text = (what: string, max: number) =>
  z.string(`expected ${what}`).trim().min(1, `expected ${what}, not an empty string`).max(max, `expected at most ${max} characters`);

export const ScheduleIdSchema = z
  .string('expected a schedule id')
  .regex(/^[a-z0-9][a-z0-9-]{1,62}$/, 'expected a schedule id of 2 to 63 lowercase letters, digits and dashes, such as nightly-import');

export const ScheduleEntry = z.strictObject(
  {
    id: ScheduleIdSchema,
    /** What the schedule is for, in a sentence: shown by list and describe. */
    description: text('a description', 500).optional(),
    workflow: z.strictObject(
      {
        type: z.enum(SCHEDULE_WORKFLOWS, { error: `expected one of ${SCHEDULE_WORKFLOWS.join(', ')}` }),
        /** The workflow's request; the client's defaults fill in the rest when the schedule is applied. */
        args: z.record(z.string(), z.unknown(), 'expected an object of the workflow request fields').default({}),
      },
      'expected {"type": …, "args": {…}}',
    ),
    cron: z
      .string('expected a cron expression such as "30 3 * * *"')
      .trim()
      .superRefine((value, ctx) => {
        const problem = cronProblem(value);
        if (problem) ctx.addIssue({ code: 'custom', message: `expected a cron expression: ${problem}` });
      })
      .optional(),
    interval: z.strictObject({ every: duration('an interval', 1_000), offset: duration('an offset').optional() }).optional(),
    timezone: z.string('expected an IANA time zone such as Europe/Berlin or UTC').refine(isTimeZone, 'expected an IANA time zone such as Europe/Berlin or UTC'),
    overlap: z.enum(OVERLAP_NAMES, { error: `expected one of ${OVERLAP_NAMES.join(', ')}` }),
    catchupWindow: duration('a catch-up window', MIN_CATCHUP_MS),
    pauseOnFailure: z.boolean('expected true or false').default(false),
    jitter: duration('a jitter').default('0s'),
    owner: text('an owner (a team or a person to ask)', 200),
    expectedDuration: duration('an expected duration', 1_000),
    rollbackNote: text('a rollback note (what to do when a run went wrong)', 2_000),
  },
  'expected a schedule entry object',
);
export type ScheduleEntry = z.output<typeof ScheduleEntry>;

export const SchedulesFile = z.strictObject(
  {
    /** Editors that read JSON Schema may point here; ignored. */
    $schema: z.string().optional(),
    schedules: z.array(ScheduleEntry, 'expected "schedules" as a list of schedule entries'),
  },
  'expected a JSON object with a "schedules" list',
);
export type SchedulesFile = z.output<typeof SchedulesFile>;

/** One problem in a schedules file: which entry (its id when it has a readable one), which field, what was expected. */
export type FileProblem = { entry: string | null; field: string; message: string };

/** `schedule "nightly-import" (#1)`, or `entry #3` when the entry has no usable id. */
export function entryLabel(raw: unknown, index: number): string {
  const id = Array.isArray(raw) ? (raw[index] as { id?: unknown } | undefined)?.id : undefined;
  return typeof id === 'string' && ScheduleIdSchema.safeParse(id).success ? `schedule "${id}" (#${index + 1})` : `entry #${index + 1}`;
}

export function formatProblem(problem: FileProblem): string {
  return `${problem.entry ? `${problem.entry}, ` : ''}field "${problem.field}": ${problem.message}`;
}

/** Parses the file's text: its schedules, or every problem found, each naming its entry and field. */
export function parseSchedulesFile(source: string): { ok: true; file: SchedulesFile } | { ok: false; problems: FileProblem[] } {
  let raw: unknown;
  try {
    raw = JSON.parse(source);
  } catch (error) {
    return { ok: false, problems: [{ entry: null, field: '(file)', message: `expected JSON: ${(error as Error).message}` }] };
  }
  const parsed = SchedulesFile.safeParse(raw);
  const entries = (raw as { schedules?: unknown } | null)?.schedules;
  const problems = (parsed.success ? [] : parsed.error.issues).flatMap((issue): FileProblem[] => {
    const path = issue.path.map(String);
    // An unknown key is named as the field it is, so a typo reads as one ("overlapPolicy": unknown field).
    const fields = issue.code === 'unrecognized_keys' ? issue.keys.map((key) => [...path, key]) : [path];
    const message = issue.code === 'unrecognized_keys' ? 'unknown field (see README "Schedules" for the fields an entry has)' : issue.message;
    return fields.map((field) => {
      const [top, index, ...rest] = field;
      if (top === 'schedules' && index !== undefined && /^\d+$/.test(index)) {
        return { entry: entryLabel(entries, Number(index)), field: rest.join('.') || '(entry)', message };
      }
      return { entry: null, field: field.join('.') || '(file)', message };
    });
  });
  // Checks across fields and entries, on the raw entries: zod skips refinements of an object with a bad
  // field, and every problem should show in one go, not after the first ones are fixed.
  if (Array.isArray(entries)) problems.push(...crossEntryProblems(entries));
  if (problems.length === 0 && parsed.success) return { ok: true, file: parsed.data };
  return { ok: false, problems };
}

function crossEntryProblems(entries: unknown[]): FileProblem[] {
  const problems: FileProblem[] = [];
  const seen = new Map<string, number>();
  entries.forEach((raw, index) => {
    if (typeof raw !== 'object' || raw === null) return;
    const entry = raw as { id?: unknown; cron?: unknown; interval?: { every?: unknown; offset?: unknown } };
    const label = entryLabel(entries, index);
    if (typeof entry.id === 'string') {
      const first = seen.get(entry.id);
      if (first === undefined) seen.set(entry.id, index);
      else problems.push({ entry: label, field: 'id', message: `duplicate id: entry #${first + 1} has it already` });
    }
    if ((entry.cron === undefined) === (entry.interval === undefined)) {
      problems.push({ entry: label, field: 'cron', message: 'expected exactly one of "cron" and "interval"' });
    }
    const every = typeof entry.interval?.every === 'string' ? durationMs(entry.interval.every) : undefined;
    const offset = typeof entry.interval?.offset === 'string' ? durationMs(entry.interval.offset) : undefined;
    if (every !== undefined && offset !== undefined && offset >= every) {
      problems.push({ entry: label, field: 'interval.offset', message: 'expected an offset shorter than the interval' });
    }
  });
  return problems;
}
