import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import type { ScheduleOptions } from '@temporalio/client';
import { z } from 'zod';
import type { Config } from '../../config.js';
import { ErrorType, PressroomError } from '../../domain/errors.js';
import { FreshnessSweepRequest } from '../../domain/freshness.js';
import { describeIssues } from '../../domain/input.js';
import { WorkflowIds } from '../../domain/names.js';
import {
  entryLabel,
  formatProblem,
  OVERLAP_POLICIES,
  parseSchedulesFile,
  type FileProblem,
  type ScheduleEntry,
  type ScheduleWorkflow,
} from '../../domain/schedules/file.js';
import { durationMs } from '../../domain/schedules/spec.js';
import { importInput } from '../import.js';
import { reindexInput } from '../reindex.js';
import { releaseInput } from '../release.js';

// From the schedules file to what the server should hold: each entry's workflow input complete (the
// client's defaults filled in here, never in the workflow), its spec, policies and memo. Nothing here
// talks to Temporal; apply.ts compares this with the server and acts.

/**
 * The memo key that marks a schedule as Pressroom's, with the task queue of the deployment that applied
 * it: apply, drift and delete never touch a schedule without the mark, nor one of another deployment
 * (staging and production sharing a namespace each own their own).
 */
export const OWNER_MARK = 'pressroom';
export const MANAGED_BY = 'pressroom schedules apply';
export type OwnerMark = { managedBy: typeof MANAGED_BY; taskQueue: string };
/** The action memo key (each scheduled run carries it too) with what apply last wrote. */
export const ACTION_MARK = 'pressroomSchedule';

/** What a run started by a schedule says asked for it, unless the entry names someone. */
export const scheduledBy = (id: string) => `schedule ${id}`;

/** The workflow request fields a schedule entry may set, per type; the defaults of the rest are the client's. */
const ARGS = {
  importWorkflow: z.strictObject({
    paths: z.array(z.string('expected a path'), 'expected a list of paths (absolute, relative to the file, or ${IMPORT_INBOX})'),
    dryRun: z.boolean('expected true or false').optional(),
    batchSize: z.number('expected a number').optional(),
    concurrency: z.number('expected a number').optional(),
    maxHistoryEvents: z.number('expected a number').optional(),
  }),
  reindexWorkflow: z.strictObject({
    mode: z.enum(['full', 'incremental'], "expected full or incremental (a rollback is an operator's decision, not a timetable's)"),
    requestedBy: z.string('expected a name').optional(),
    batchSize: z.number('expected a number').optional(),
    verify: z.record(z.string(), z.number('expected a number'), 'expected an object of verification settings').optional(),
  }),
  releaseWorkflow: z.strictObject({
    requestedBy: z.string('expected a name').optional(),
    only: z.array(z.string('expected a source id'), 'expected a list of source ids or null').nullable().optional(),
    autoApprove: z.boolean('expected true or false').optional(),
    approvalTimeoutMs: z.number('expected milliseconds').optional(),
  }),
  freshnessSweepWorkflow: z.strictObject({
    requestedBy: z.string('expected a name').optional(),
    maxAgeDays: z.number('expected a number of days').optional(),
  }),
} as const satisfies Record<ScheduleWorkflow, z.ZodType>;

/** A schedule as the file wants it on the server. */
export type DesiredSchedule = {
  id: string;
  entry: ScheduleEntry;
  workflowType: ScheduleWorkflow;
  /** The complete workflow input every run gets. */
  input: unknown;
  options: ScheduleOptions;
};

/** The schedules file is invalid: nothing was changed on the server. Not retryable: fix the file. */
export class SchedulesFileError extends PressroomError {
  constructor(
    readonly file: string,
    readonly problems: FileProblem[],
  ) {
    super(
      ErrorType.InvalidInput,
      `${file} is not a valid schedules file (nothing on the server was changed; fix the file, a retry will not help):\n` +
        problems.map((p) => `  ${formatProblem(p)}`).join('\n'),
    );
  }
}

/** `${NAME}` in a path: IMPORT_INBOX from the configuration, anything else from the environment. */
function expand(text: string, vars: Record<string, string | undefined>): { value: string } | { unset: string } {
  let unset: string | undefined;
  const value = text.replace(/\$\{([A-Z_][A-Z0-9_]*)\}/g, (_, name: string) => {
    const v = vars[name];
    if (v === undefined || v === '') unset ??= name;
    return v ?? '';
  });
  return unset === undefined ? { value } : { unset };
}

type Built = { ok: true; input: unknown } | { ok: false; problems: Array<{ field: string; message: string }> };

function buildInput(entry: ScheduleEntry, config: Config, context: { baseDir: string; env: NodeJS.ProcessEnv }): Built {
  const type = entry.workflow.type;
  const args = ARGS[type].safeParse(entry.workflow.args);
  if (!args.success) {
    return { ok: false, problems: args.error.issues.map((i) => ({ field: ['workflow', 'args', ...i.path.map(String)].join('.'), message: i.message })) };
  }
  const requestedBy = (a: { requestedBy?: string | undefined }) => a.requestedBy ?? scheduledBy(entry.id);
  try {
    switch (type) {
      case 'importWorkflow': {
        const a = args.data as z.infer<typeof ARGS.importWorkflow>;
        const vars = { ...context.env, IMPORT_INBOX: config.importInbox };
        const paths: string[] = [];
        for (const [i, p] of a.paths.entries()) {
          const expanded = expand(p, vars);
          if ('unset' in expanded)
            return { ok: false, problems: [{ field: `workflow.args.paths.${i}`, message: `\${${expanded.unset}} is not set in the environment` }] };
          paths.push(isAbsolute(expanded.value) ? expanded.value : resolve(context.baseDir, expanded.value));
        }
        return {
          ok: true,
          input: importInput({
            paths,
            dryRun: a.dryRun,
            batchSize: a.batchSize ?? config.import.batchSize,
            concurrency: a.concurrency ?? config.import.concurrency,
            maxHistoryEvents: a.maxHistoryEvents,
          }),
        };
      }
      case 'reindexWorkflow': {
        const a = args.data as z.infer<typeof ARGS.reindexWorkflow>;
        const request =
          a.mode === 'full'
            ? { mode: a.mode, requestedBy: requestedBy(a), batchSize: a.batchSize, verify: a.verify }
            : { mode: a.mode, requestedBy: requestedBy(a) };
        return { ok: true, input: reindexInput(request) };
      }
      case 'releaseWorkflow': {
        const a = args.data as z.infer<typeof ARGS.releaseWorkflow>;
        return {
          ok: true,
          input: releaseInput({ requestedBy: requestedBy(a), only: a.only, autoApprove: a.autoApprove, approvalTimeoutMs: a.approvalTimeoutMs }),
        };
      }
      case 'freshnessSweepWorkflow': {
        const a = args.data as z.infer<typeof ARGS.freshnessSweepWorkflow>;
        const parsed = FreshnessSweepRequest.safeParse({ requestedBy: requestedBy(a), maxAgeDays: a.maxAgeDays });
        if (!parsed.success) throw new PressroomError(ErrorType.InvalidInput, `invalid freshness sweep request (${describeIssues(parsed.error)})`);
        return { ok: true, input: parsed.data };
      }
    }
  } catch (error) {
    if (error instanceof PressroomError) return { ok: false, problems: [{ field: 'workflow.args', message: error.message }] };
    throw error;
  }
}

/**
 * The owner, expected duration and rollback note as the schedule's note shows them, below its last event
 * (`created by …`, `paused by …`). The memo holds them for tools; the note is what the Web UI's schedule
 * page shows (its 2.x pages show no memo).
 */
export function metadataNote(memo: { owner?: unknown; expectedDuration?: unknown; rollbackNote?: unknown }): string {
  const text = (v: unknown) => (typeof v === 'string' ? v : '?');
  // One line, led by a dash: the Web UI folds the note's line breaks into spaces.
  return `— owner: ${text(memo.owner)} · expected duration: ${text(memo.expectedDuration)} · rollback: ${text(memo.rollbackNote)}`;
}

/** A note: the event line first, then the schedule's metadata. */
export function withMetadata(event: string, memo: Record<string, unknown> | undefined): string {
  return memo && typeof memo.owner === 'string' ? `${event}\n\n${metadataNote(memo)}` : event;
}

/** The event line of a note (its first paragraph). */
export function noteEvent(note: string | undefined): string | undefined {
  return note?.split('\n\n')[0];
}

/** The memo Temporal keeps on the schedule itself (shown on the Web UI's schedule page). */
export function scheduleMemo(entry: ScheduleEntry, taskQueue: string): Record<string, unknown> {
  return {
    [OWNER_MARK]: { managedBy: MANAGED_BY, taskQueue } satisfies OwnerMark,
    owner: entry.owner,
    expectedDuration: entry.expectedDuration,
    rollbackNote: entry.rollbackNote,
    ...(entry.description ? { description: entry.description } : {}),
  };
}

function toOptions(entry: ScheduleEntry, input: unknown, config: Config): ScheduleOptions {
  return {
    scheduleId: entry.id,
    spec: {
      ...(entry.cron !== undefined ? { cronExpressions: [entry.cron] } : {}),
      ...(entry.interval !== undefined
        ? {
            intervals: [
              { every: durationMs(entry.interval.every)!, offset: entry.interval.offset === undefined ? undefined : durationMs(entry.interval.offset)! },
            ],
          }
        : {}),
      timezone: entry.timezone,
      jitter: durationMs(entry.jitter)!,
    },
    action: {
      type: 'startWorkflow',
      workflowType: entry.workflow.type,
      taskQueue: config.temporal.taskQueue,
      workflowId: WorkflowIds.scheduled(entry.id),
      args: [input],
      // The spec digest is stamped by apply once the server has compiled the spec.
      memo: { [ACTION_MARK]: { id: entry.id, cron: entry.cron ?? null, spec: null } },
      staticSummary: `scheduled by ${entry.id}${entry.description ? `: ${entry.description}` : ''}`,
    },
    policies: { overlap: OVERLAP_POLICIES[entry.overlap], catchupWindow: durationMs(entry.catchupWindow)!, pauseOnFailure: entry.pauseOnFailure },
    memo: scheduleMemo(entry, config.temporal.taskQueue),
  };
}

/** Every desired schedule of a file's text, or a SchedulesFileError listing each problem by entry and field. */
export function desiredSchedules(text: string, config: Config, context: { file: string; env?: NodeJS.ProcessEnv }): DesiredSchedule[] {
  const parsed = parseSchedulesFile(text);
  if (!parsed.ok) throw new SchedulesFileError(context.file, parsed.problems);
  const problems: FileProblem[] = [];
  const desired: DesiredSchedule[] = [];
  parsed.file.schedules.forEach((entry, index) => {
    const built = buildInput(entry, config, { baseDir: dirname(resolve(context.file)), env: context.env ?? process.env });
    if (!built.ok) {
      problems.push(...built.problems.map((p) => ({ entry: entryLabel(parsed.file.schedules, index), ...p })));
      return;
    }
    desired.push({ id: entry.id, entry, workflowType: entry.workflow.type, input: built.input, options: toOptions(entry, built.input, config) });
  });
  if (problems.length > 0) throw new SchedulesFileError(context.file, problems);
  return desired;
}

/** Reads and validates the schedules file; a missing file is an InvalidInput naming it. */
export async function loadSchedulesFile(file: string, config: Config, env?: NodeJS.ProcessEnv): Promise<DesiredSchedule[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new SchedulesFileError(file, [
      { entry: null, field: '(file)', message: `cannot read it (${(error as NodeJS.ErrnoException).code ?? String(error)})` },
    ]);
  }
  return desiredSchedules(text, config, { file, env });
}
