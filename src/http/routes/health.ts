import { Hono } from 'hono';
import { contract, type ReplyOf } from '../contract.js';
import { parseRequest, sendJson, type AppEnv } from '../context.js';

// GET /health: 200 when Temporal and the database both answer within 3 s, else 503 naming what is down.

export type HealthCheck = () => Promise<void>;
export type HealthChecks = { temporal: HealthCheck; database: HealthCheck };

const CHECK_TIMEOUT_MS = 3_000;

async function check(fn: HealthCheck, timeoutMs: number): Promise<{ ok: true } | { ok: false; error: string }> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      fn(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return { ok: true };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  } finally {
    clearTimeout(timer);
  }
}

export async function health({ checks }: { checks: HealthChecks }): Promise<{ status: 200 | 503; body: ReplyOf<'health'> }> {
  const [temporal, database] = await Promise.all([check(checks.temporal, CHECK_TIMEOUT_MS), check(checks.database, CHECK_TIMEOUT_MS)]);
  const ok = temporal.ok && database.ok;
  const unreachable = [!temporal.ok && 'temporal', !database.ok && 'database'].filter(Boolean);
  return {
    status: ok ? 200 : 503,
    body: { ok, temporal, database, ...(ok ? {} : { error: `cannot reach ${unreachable.join(' and ')}` }) },
  };
}

export function healthRoutes(checks: HealthChecks): Hono<AppEnv> {
  return new Hono<AppEnv>().get(contract.health.path, async (c) => {
    parseRequest(c, 'health');
    const result = await health({ checks });
    return sendJson(c, result.status, result.body);
  });
}
