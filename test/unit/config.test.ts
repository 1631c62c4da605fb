import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { heapGrowthFlag } from '../../src/worker.js';

describe('config', () => {
  it('has defaults that need no setup', () => {
    const config = loadConfig({});
    expect(config.temporal).toMatchObject({ address: '127.0.0.1:7233', namespace: 'default', taskQueue: 'pressroom', tls: undefined });
    expect(config.database.kind).toBe('pglite');
    expect(config.database.kind === 'pglite' && config.database.dataDir.endsWith('/.pressroom/db')).toBe(true);
    expect(config.http.port).toBe(8080);
    expect(config.reviewPolicy).toBe('flagged');
  });

  it('switches to PostgreSQL when DATABASE_URL is set', () => {
    expect(loadConfig({ DATABASE_URL: 'postgres://u@h/db' }).database).toEqual({ kind: 'postgres', url: 'postgres://u@h/db' });
  });

  it('names each bad value and the form expected', () => {
    let error: unknown;
    try {
      loadConfig({ PRESSROOM_HTTP_PORT: 'eighty', TEMPORAL_ADDRESS: 'nohost', DATABASE_URL: 'mysql://x' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toMatch(/PRESSROOM_HTTP_PORT="eighty": .*number/);
    expect(message).toMatch(/TEMPORAL_ADDRESS="nohost": expected host:port/);
    expect(message).toMatch(/DATABASE_URL="mysql:\/\/x": expected a postgres:\/\//);
    expect(message).toMatch(/not retryable/);
  });

  it('gives the worker one parse thread unless IMPORT_PARSE_THREADS says otherwise (0: the main thread parses)', () => {
    expect(loadConfig({}).import.parseThreads).toBe(1);
    expect(loadConfig({ IMPORT_PARSE_THREADS: '0' }).import.parseThreads).toBe(0);
    expect(loadConfig({ IMPORT_PARSE_THREADS: '3' }).import.parseThreads).toBe(3);
    for (const bad of ['17', '-1', '1.5', 'two'])
      expect(() => loadConfig({ IMPORT_PARSE_THREADS: bad })).toThrow(
        new RegExp(`IMPORT_PARSE_THREADS="${bad}": expected a whole number of parse threads from 0 \\(parse on the main thread\\) to 16`),
      );
  });

  it('lets V8 grow a worker heap by 150% unless PRESSROOM_HEAP_GROWTH_PERCENT says otherwise (0: V8 decides)', () => {
    expect(loadConfig({}).heapGrowthPercent).toBe(150);
    expect(loadConfig({ PRESSROOM_HEAP_GROWTH_PERCENT: '0' }).heapGrowthPercent).toBe(0);
    expect(loadConfig({ PRESSROOM_HEAP_GROWTH_PERCENT: '250' }).heapGrowthPercent).toBe(250);
    for (const bad of ['401', '-5', '1.5', 'lots'])
      expect(() => loadConfig({ PRESSROOM_HEAP_GROWTH_PERCENT: bad })).toThrow(
        new RegExp(`PRESSROOM_HEAP_GROWTH_PERCENT="${bad}": expected a whole percentage from 0 \\(V8's own heuristic\\) to 400`),
      );
    expect(heapGrowthFlag(loadConfig({}).heapGrowthPercent)).toBe('--heap-growing-percent=150');
    expect(heapGrowthFlag(0)).toBeUndefined();
  });

  it('turns TLS on for an API key and requires cert and key together', () => {
    expect(loadConfig({ TEMPORAL_API_KEY: 'k' }).temporal).toMatchObject({ apiKey: 'k', tls: {} });
    expect(() => loadConfig({ TEMPORAL_TLS_CERT: '/c.pem' })).toThrow(/TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY must be set together/);
    expect(loadConfig({ TEMPORAL_TLS: 'false', TEMPORAL_API_KEY: 'k' }).temporal.tls).toBeUndefined();
  });
});
