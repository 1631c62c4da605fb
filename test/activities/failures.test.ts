import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { msToNumber } from '@temporalio/common/lib/time.js';
import type { RetryPolicy } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger, type LogEntry } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { classifyError, failureMappingInterceptor, toApplicationFailure } from '../../src/activities/failures.js';
import { ErrorType, PressroomError, UNEXPECTED_MAX_ATTEMPTS, isRetryableType } from '../../src/domain/errors.js';
import { DatabaseUnavailableError, SQLSTATE_TABLE, classifyDbError } from '../../src/store/db.js';
import { DataDirLockedError } from '../../src/store/lock.js';
import { MigrationChangedError } from '../../src/store/migrations.js';
import { finishingStore, importBatch, quickStore } from '../../src/workflows/profiles.js';

const dbError = (code: string, message = 'x') => Object.assign(new Error(message), { code });

describe('the SQLSTATE table', () => {
  it.each([
    ['08006', ErrorType.DatabaseUnavailable], // connection failure
    ['08P01', ErrorType.DatabaseUnavailable],
    ['53300', ErrorType.DatabaseUnavailable], // too many connections
    ['53100', ErrorType.DatabaseUnavailable], // disk full
    ['57P01', ErrorType.DatabaseUnavailable], // admin shutdown
    ['57P03', ErrorType.DatabaseUnavailable], // cannot connect now
    ['40001', ErrorType.DatabaseUnavailable], // serialization failure
    ['40P01', ErrorType.DatabaseUnavailable], // deadlock
    ['22021', ErrorType.DataRefused], // NUL in text
    ['22P05', ErrorType.DataRefused], // \u0000 in jsonb
    ['22P02', ErrorType.DataRefused], // lone surrogate in jsonb
    ['22003', ErrorType.DataRefused], // numeric out of range
    ['23505', ErrorType.DataRefused], // unique violation
    ['23514', ErrorType.DataRefused], // check violation
  ])('%s is %s', (code, type) => {
    expect(classifyDbError(dbError(code))).toBe(type);
    expect(classifyError(dbError(code))).toBe(type);
  });

  it.each(['42P01', '42601', '40002', '57014', 'XX000', '25P02'])('%s (a bug, a cancel or an internal error) is Unexpected', (code) => {
    expect(classifyDbError(dbError(code))).toBeUndefined();
    expect(classifyError(dbError(code))).toBe(ErrorType.Unexpected);
  });

  it.each(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH'])('socket error %s is DatabaseUnavailable', (code) => {
    expect(classifyError(dbError(code))).toBe(ErrorType.DatabaseUnavailable);
  });

  it('node-postgres messages without a code, and wrapped causes, are DatabaseUnavailable', () => {
    expect(classifyError(new Error('Connection terminated unexpectedly'))).toBe(ErrorType.DatabaseUnavailable);
    expect(classifyError(new Error('timeout exceeded when trying to connect'))).toBe(ErrorType.DatabaseUnavailable);
    expect(classifyError(new Error('outer', { cause: dbError('ECONNREFUSED') }))).toBe(ErrorType.DatabaseUnavailable);
    expect(classifyError(new AggregateError([dbError('ECONNREFUSED')], 'connect failed'))).toBe(ErrorType.DatabaseUnavailable);
  });

  it('every row maps to one of the two database types, and the retryability follows the vocabulary', () => {
    for (const row of SQLSTATE_TABLE) expect([ErrorType.DatabaseUnavailable, ErrorType.DataRefused]).toContain(row.type);
    expect(isRetryableType(ErrorType.DatabaseUnavailable)).toBe(true);
    expect(isRetryableType(ErrorType.DataRefused)).toBe(false);
  });
});

describe('toApplicationFailure', () => {
  it('maps every vocabulary type to a failure of that type, retryable exactly when the vocabulary says', () => {
    for (const type of Object.values(ErrorType)) {
      const failure = toApplicationFailure(new PressroomError(type, `a ${type} happened`), 'doing a thing') as ApplicationFailure;
      expect(failure).toBeInstanceOf(ApplicationFailure);
      expect(failure.type).toBe(type);
      expect(failure.nonRetryable).toBe(type === ErrorType.Unexpected ? false : !isRetryableType(type));
      expect(failure.message).toContain('doing a thing');
    }
  });

  it('a cancellation stays a cancellation', () => {
    const cancelled = new CancelledFailure('batch cancelled');
    expect(toApplicationFailure(cancelled, 'x')).toBe(cancelled);
  });

  it('the store error classes carry their types', () => {
    expect(toApplicationFailure(new DatabaseUnavailableError('down'), 'x')).toMatchObject({ type: 'DatabaseUnavailable', nonRetryable: false });
    const holder = { pid: 1, host: 'h', startedAt: 'then', command: 'c' };
    expect(toApplicationFailure(new DataDirLockedError('/x/lock', holder), 'x')).toMatchObject({ type: 'DataDirLocked', nonRetryable: true });
    expect(toApplicationFailure(new MigrationChangedError({ id: 1, name: 'probe' }, 'a', 'b'), 'x')).toMatchObject({
      type: 'MigrationChanged',
      nonRetryable: true,
    });
  });

  it('a database refusal is DataRefused and not retried; an outage is retried', () => {
    const refused = toApplicationFailure(
      Object.assign(new Error('invalid byte sequence for encoding "UTF8": 0x00'), { code: '22021' }),
      'importing batch 0-10',
    );
    expect(refused).toMatchObject({ type: 'DataRefused', nonRetryable: true });
    expect(refused.message).toMatch(/importing batch 0-10.*0x00.*SQLSTATE 22021.*not retryable/);
    expect(toApplicationFailure(dbError('57P01', 'terminating connection'), 'x')).toMatchObject({ type: 'DatabaseUnavailable', nonRetryable: false });
  });

  it('an unknown error is Unexpected, never typed by its name, retried until a bounded attempt, logged with its stack', async () => {
    class SomeLibraryError extends Error {
      override name = 'SomeLibraryError';
    }
    const logged: LogEntry[] = [];
    const logger = new DefaultLogger('WARN', (entry) => logged.push(entry));
    const failAt = (attempt: number) =>
      new MockActivityEnvironment({ attempt }, { logger })
        .run(async () => {
          throw toApplicationFailure(new SomeLibraryError('boom'), 'doing a thing');
        })
        .then(
          () => undefined,
          (e: unknown) => e as ApplicationFailure,
        );

    const first = (await failAt(1))!;
    expect(first).toMatchObject({ type: 'Unexpected', nonRetryable: false });
    expect(first.message).toContain('boom');
    const last = (await failAt(UNEXPECTED_MAX_ATTEMPTS))!;
    expect(last).toMatchObject({ type: 'Unexpected', nonRetryable: true });
    expect(last.message).toContain(`at most ${UNEXPECTED_MAX_ATTEMPTS}`);
    const ours = logged.filter((entry) => entry.message.startsWith('unexpected error while doing a thing'));
    expect(ours).toHaveLength(2);
    expect(ours[0]).toMatchObject({ level: 'ERROR' });
    expect(String(ours[0]?.meta?.stack)).toContain('SomeLibraryError: boom');
  });
});

describe('failureMappingInterceptor', () => {
  it('maps an error an activity lets escape; passes ApplicationFailure through untouched', async () => {
    const env = () => new MockActivityEnvironment({ activityType: 'leaky', attempt: 1 }, { interceptors: [failureMappingInterceptor()] });
    const escaped = await env()
      .run(async () => {
        throw new TypeError('cannot read properties of undefined');
      })
      .catch((e: unknown) => e);
    expect(escaped).toBeInstanceOf(ApplicationFailure);
    expect(escaped).toMatchObject({ type: 'Unexpected', nonRetryable: false });
    expect((escaped as Error).message).toMatch(/running activity leaky failed unexpectedly: cannot read properties/);
    const own = ApplicationFailure.nonRetryable('bad input', 'InvalidInput');
    expect(
      await env()
        .run(async () => Promise.reject(own))
        .catch((e: unknown) => e),
    ).toBe(own);
    const down = await env()
      .run(async () => Promise.reject(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })))
      .catch((e: unknown) => e);
    expect(down).toMatchObject({ type: 'DatabaseUnavailable', nonRetryable: false });
  });
});

// Every type must have a thrower (or a mapping that produces it); a type nobody throws is vocabulary
// an operator could look for in vain.
describe('the vocabulary is exhaustive and used', () => {
  const sources: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (path.endsWith('.ts') && !path.endsWith(join('domain', 'errors.ts'))) sources.push(readFileSync(path, 'utf8'));
    }
  };
  walk(join(import.meta.dirname, '../../src'));
  const code = sources.join('\n');

  it.each(Object.values(ErrorType))('%s is thrown or mapped somewhere in src/', (type) => {
    expect(code).toMatch(new RegExp(`ErrorType\\.${type}\\b`));
  });
});

/** How long a policy keeps retrying, counting only the waits between attempts. */
function retryWindowMs(policy: RetryPolicy): number {
  let wait = msToNumber(policy.initialInterval);
  let total = 0;
  for (let attempt = 1; attempt < policy.maximumAttempts!; attempt++) {
    total += Math.min(wait, msToNumber(policy.maximumInterval));
    wait *= policy.backoffCoefficient!;
  }
  return total;
}

// Issue 8 item 15: an outage at the end of an import must not fail it.
describe('retry budgets', () => {
  const hour = 3_600_000;
  it.each([
    ['importBatch', importBatch.retry],
    ['finishImport (finishingStore)', finishingStore.retry],
  ])('%s outlasts a two-hour database outage, and is bounded', (_name, policy) => {
    expect(retryWindowMs(policy)).toBeGreaterThanOrEqual(2 * hour - 60_000);
    expect(retryWindowMs(policy)).toBeLessThan(3 * hour);
    expect(msToNumber(policy.maximumInterval)).toBeLessThanOrEqual(60_000);
    expect(policy.nonRetryableErrorTypes).toEqual(expect.arrayContaining(['DataRefused', 'MigrationChanged', 'InvalidInput']));
  });

  it('short round trips stay short, and Unexpected is bounded by the activity, below every budget', () => {
    expect(retryWindowMs(quickStore.retry)).toBeLessThan(10 * 60_000);
    for (const policy of [importBatch.retry, finishingStore.retry, quickStore.retry]) expect(UNEXPECTED_MAX_ATTEMPTS).toBeLessThan(policy.maximumAttempts!);
  });
});
