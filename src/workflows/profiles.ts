import { ActivityCancellationType, type ActivityOptions, type RetryPolicy } from '@temporalio/workflow';
import { NON_RETRYABLE_ERROR_TYPES } from '../domain/errors.js';

// Named activity-option profiles. Every proxy picks one; none relies on the default retry policy,
// which retries forever. Whatever the budget, the non-retryable types fail at once, and an Unexpected
// failure stops after UNEXPECTED_MAX_ATTEMPTS (the activity marks it non-retryable: a retry policy
// cannot budget per type), so a long budget is spent only on DatabaseUnavailable and the like.

/**
 * Outlasts a database outage of about two hours: backoff from 1 s to a try a minute (waits of
 * 1+2+…+32 s, then 119 of a minute: 126 tries over 2 h). For work whose loss costs more than waiting:
 * a batch whose documents are read, and the report of an import whose documents are all stored.
 * Bounded, so a database that never comes back still ends the import (failed, with the reason).
 */
const OUTLAST_OUTAGE: RetryPolicy = {
  initialInterval: '1 second',
  backoffCoefficient: 2,
  maximumInterval: '1 minute',
  maximumAttempts: 126,
  nonRetryableErrorTypes: [...NON_RETRYABLE_ERROR_TYPES],
};

/** Short database round trips. */
export const quickStore = {
  startToCloseTimeout: '30 seconds',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '30 seconds',
    maximumAttempts: 10,
    nonRetryableErrorTypes: [...NON_RETRYABLE_ERROR_TYPES],
  },
} as const satisfies ActivityOptions;

/** The probe's write: a one-hour backoff proves that retries are Temporal's timers, not sleeps. */
export const probeWrite = {
  startToCloseTimeout: '30 seconds',
  retry: {
    initialInterval: '1 hour',
    backoffCoefficient: 1,
    maximumAttempts: 5,
    nonRetryableErrorTypes: [...NON_RETRYABLE_ERROR_TYPES],
  },
} as const satisfies ActivityOptions;

/** Listing a source into the manifest: long for 100k files, so it heartbeats. */
export const listing = {
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '1 minute',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    maximumAttempts: 10,
    nonRetryableErrorTypes: [...NON_RETRYABLE_ERROR_TYPES],
  },
} as const satisfies ActivityOptions;

/**
 * One import batch: reads, parses and commits up to a few hundred documents. The heartbeat timeout
 * notices a killed worker within 15 s (the commit heartbeats between documents too); the retry budget
 * outlasts a database outage of two hours, where 30 tries 30 s apart gave up after 13 minutes and
 * failed the whole import.
 */
export const importBatch = {
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '15 seconds',
  retry: OUTLAST_OUTAGE,
} as const satisfies ActivityOptions;

/**
 * A batch started while its source is still being listed: it first waits for its entries (heartbeating),
 * so its time limit adds the listing's 30 minutes to a batch's 10. The workflow cancels it when the
 * listing fails, and waits for the cancel to be acknowledged: a batch that was already committing ends
 * with its counts, which a report must not lose. A cancel reaches it within HEARTBEAT_THROTTLE.
 */
export const batchAheadOfListing = {
  ...importBatch,
  startToCloseTimeout: '40 minutes',
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
} as const satisfies ActivityOptions;

/**
 * Recording how an import ended (finishImport): every document is already stored, so giving up after
 * quickStore's 2.5 minutes would fail a finished import over an outage at its very end.
 */
export const finishingStore = {
  startToCloseTimeout: '30 seconds',
  retry: OUTLAST_OUTAGE,
} as const satisfies ActivityOptions;

// Release and rollback steps. Each has its own profile: what a retry can fix differs from step to step.

/** Building a release (the candidate's manifest and diff, one transaction) or a rollback record. */
export const releaseBuild = {
  startToCloseTimeout: '5 minutes',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '30 seconds',
    maximumAttempts: 10,
    nonRetryableErrorTypes: [...NON_RETRYABLE_ERROR_TYPES],
  },
} as const satisfies ActivityOptions;

/**
 * The content checks over every revision of the release: a read-only pass, safe to repeat. It heartbeats
 * after each page of revisions, so a killed worker is noticed in a minute and a cancel reaches it.
 */
export const releaseChecks = {
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '1 minute',
  retry: {
    initialInterval: '2 seconds',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    maximumAttempts: 5,
    nonRetryableErrorTypes: [...NON_RETRYABLE_ERROR_TYPES],
  },
} as const satisfies ActivityOptions;

/** A cache purge: the cache may be restarting, so a few tries with backoff (about 2 minutes), then the step fails. */
export const releasePurge = {
  startToCloseTimeout: '2 minutes',
  retry: {
    initialInterval: '2 seconds',
    backoffCoefficient: 2,
    maximumInterval: '30 seconds',
    maximumAttempts: 6,
    nonRetryableErrorTypes: [...NON_RETRYABLE_ERROR_TYPES],
  },
} as const satisfies ActivityOptions;

/**
 * Verifying an environment's changed routes over HTTP: a few tries spaced out (a cold cache, a slow
 * backend), then VerificationFailed stands and, in production, the release compensates. No heartbeat
 * timeout: the activity heartbeats once before its requests, not during them.
 */
export const releaseVerify = {
  startToCloseTimeout: '10 minutes',
  retry: {
    initialInterval: '5 seconds',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    maximumAttempts: 4,
    nonRetryableErrorTypes: [...NON_RETRYABLE_ERROR_TYPES],
  },
} as const satisfies ActivityOptions;

/**
 * Putting production back after a failure past promotion, and recording how a release ended: both
 * must land, so they outlast a database outage rather than leave production on a release that failed.
 */
export const compensation = {
  startToCloseTimeout: '2 minutes',
  retry: OUTLAST_OUTAGE,
} as const satisfies ActivityOptions;

// Reindex steps.

/** Starting, catching up, swapping, pruning or rolling back a search generation: short transactions. */
export const searchStore = quickStore;

/**
 * Filling a generation: each call writes up to a few batches and heartbeats after each, so a killed
 * worker is noticed within a minute and the retry resumes after the last batch written.
 */
export const searchFill = {
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '1 minute',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    maximumAttempts: 10,
    nonRetryableErrorTypes: [...NON_RETRYABLE_ERROR_TYPES],
  },
} as const satisfies ActivityOptions;

/**
 * One long statement or computation (building the indexes, similar posts over the whole generation,
 * verification): no heartbeat inside it, so no heartbeat timeout; a generous start-to-close instead.
 */
export const searchBuild = {
  startToCloseTimeout: '30 minutes',
  retry: {
    initialInterval: '2 seconds',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    maximumAttempts: 5,
    nonRetryableErrorTypes: [...NON_RETRYABLE_ERROR_TYPES],
  },
} as const satisfies ActivityOptions;
