import type { ActivityOptions } from '@temporalio/workflow';
import { NON_RETRYABLE_ERROR_TYPES } from '../domain/errors.js';

// Named activity-option profiles. Every proxy picks one; none relies on the default retry policy,
// which retries forever.

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
 * notices a killed worker within 15 s; the retry budget outlasts a database outage of minutes.
 */
export const importBatch = {
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '15 seconds',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '30 seconds',
    maximumAttempts: 30,
    nonRetryableErrorTypes: [...NON_RETRYABLE_ERROR_TYPES],
  },
} as const satisfies ActivityOptions;
