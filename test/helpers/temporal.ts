import { randomUUID } from 'node:crypto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { encodeSearchAttributeIndexedValueType } from '@temporalio/common/lib/search-attributes.js';
import { inject } from 'vitest';
import { SEARCH_ATTRIBUTES } from '../../src/domain/names.js';
import { loadConfig, type Config } from '../../src/config.js';
import type { DatabaseConfig } from '../../src/store/index.js';

export function workflowBundle(): { codePath: string } {
  return { codePath: inject('workflowBundlePath') };
}

/** The run's shared dev server (see test/setup/global.ts). */
export function devServerEnv(): Promise<TestWorkflowEnvironment> {
  return TestWorkflowEnvironment.createFromExistingServer({ address: inject('temporalAddress') });
}

/**
 * A time-skipping test server of this file's own, from the resolved binary (never a download), with
 * Pressroom's search attributes registered: it refuses a workflow's upsert of an unknown one.
 */
export async function timeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  const env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path: inject('temporalTestServer') } } });
  await env.connection.operatorService.addSearchAttributes({
    namespace: env.namespace ?? 'default',
    searchAttributes: Object.fromEntries(Object.keys(SEARCH_ATTRIBUTES).map((name) => [name, encodeSearchAttributeIndexedValueType('KEYWORD')!])),
  });
  return env;
}

export function uniqueQueue(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

/** A full Config as the worker would parse it, pointed at the test server and database. */
export function testConfig(database: DatabaseConfig, overrides: Record<string, string> = {}): Config {
  const config = loadConfig({
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    TASK_QUEUE: uniqueQueue('test'),
    PRESSROOM_HTTP_PORT: '1',
    PRESSROOM_SHUTDOWN_GRACE_MS: '2000',
    ...overrides,
  });
  return { ...config, database, http: { ...config.http, port: 0 } };
}
