// Names declared once: task queues, workflow-id builders. A workflow's id is business data an
// operator can read in the Web UI, so it is built here and nowhere else.

export const DEFAULT_TASK_QUEUE = 'pressroom';

export const WorkflowIds = {
  probe: (key: string) => `probe-${key}`,
  /** `import-<hash of the source>`: the same source attaches to its running import. */
  import: (sourceHash: string, dryRun: boolean) => `import-${sourceHash}${dryRun ? '-plan' : ''}`,
  review: (decision: string, stamp: string) => `review-${decision}-${stamp}`,
  /**
   * `release-<release id>`: the id the candidate's release gets (rel-<hash of production and the manifest>),
   * named by the worker's API before it is built. A second start of the same candidate attaches to the
   * running one; another candidate is refused by the release lock while one runs.
   */
  release: (releaseId: string) => `release-${releaseId}`,
  /** `rollback-<target>` (`rollback-previous` without one): a second identical rollback attaches. */
  rollback: (target: string | null) => `rollback-${target ?? 'previous'}`,
  /** `reindex-full`: one full reindex at a time; a second start attaches to the running one. */
  reindexFull: () => 'reindex-full',
  /** `reindex-incremental-<release>` when a promotion starts it (once per release), `reindex-incremental-<stamp>` when an operator does. */
  reindexIncremental: (trigger: string) => `reindex-incremental-${trigger}`,
  /** `reindex-rollback`: a second identical rollback attaches. */
  reindexRollback: () => 'reindex-rollback',
  /** `freshness-sweep-<stamp>` when an operator starts one; a schedule's runs are `scheduled-<schedule id>-<time>`. */
  freshnessSweep: (stamp: string) => `freshness-sweep-${stamp}`,
  /** The workflow id a schedule's action names; Temporal appends each run's scheduled time. */
  scheduled: (scheduleId: string) => `scheduled-${scheduleId}`,
} as const;

/**
 * Pressroom's custom search attributes, declared once: the dev server registers them with
 * `--search-attribute Name=Type`, docker-compose with `temporal operator search-attribute create`, and
 * workflows upsert them so the Web UI's list filters by them
 * (`PressroomKind = "import" AND PressroomOutcome = "rejections"`).
 */
export const SEARCH_ATTRIBUTES = {
  /** What the run is: import, review, probe (and later release, rollback, reindex, sweep). */
  PressroomKind: 'Keyword',
  /** What it works on: an import's source (its first path), a release's candidate. */
  PressroomSource: 'Keyword',
  /** running, completed, rejections (completed with rejected documents), cancelled, failed; a release's own values (RunOutcome). */
  PressroomOutcome: 'Keyword',
} as const;

export type SearchAttributeName = keyof typeof SEARCH_ATTRIBUTES;

/** The `Name=Type` strings `temporal server start-dev --search-attribute` and the operator CLI take. */
export function searchAttributeFlags(): string[] {
  return Object.entries(SEARCH_ATTRIBUTES).map(([name, type]) => `${name}=${type}`);
}

/** PressroomKind's values: one per workflow type. */
export const WorkflowKind = {
  import: 'import',
  review: 'review',
  probe: 'probe',
  release: 'release',
  rollback: 'rollback',
  reindex: 'reindex',
  sweep: 'sweep',
} as const;
export type WorkflowKind = (typeof WorkflowKind)[keyof typeof WorkflowKind];

/**
 * PressroomOutcome's values. `rejections` is an import that completed with rejected documents. A release
 * or rollback ends `live`, `rejected` (by a reviewer), `abandoned` (approval timed out or cancelled before
 * promotion), `rolled-back` (compensated after a failure past promotion) or `failed`, and shows
 * `awaiting-approval` while it waits: `PressroomKind = "release" AND PressroomOutcome = "awaiting-approval"`.
 */
export const RunOutcome = {
  running: 'running',
  completed: 'completed',
  rejections: 'rejections',
  cancelled: 'cancelled',
  failed: 'failed',
  awaitingApproval: 'awaiting-approval',
  live: 'live',
  rejected: 'rejected',
  abandoned: 'abandoned',
  rolledBack: 'rolled-back',
  /** A full reindex whose new generation failed verification: nothing was swapped. */
  notSwapped: 'not-swapped',
} as const;
export type RunOutcome = (typeof RunOutcome)[keyof typeof RunOutcome];

/**
 * The longest a worker holds an activity's heartbeat back (Worker option maxHeartbeatThrottleInterval).
 * Its default follows the heartbeat timeout (80% of importBatch's 15 s): a cancel, which reaches an
 * activity only in the answer to a heartbeat, then took 12 s to stop a batch waiting for the listing.
 */
export const HEARTBEAT_THROTTLE = '1 second';
