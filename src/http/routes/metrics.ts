import { Hono } from 'hono';
import { contract } from '../contract.js';
import { notFound, parseRequest, sendText, type AppEnv } from '../context.js';

// GET /metrics: the SDK's Prometheus exposition, scraped from its exporter and served here.

export function metricsRoutes(metrics: (() => Promise<string>) | undefined): Hono<AppEnv> {
  return new Hono<AppEnv>().get(contract.metrics.path, async (c) => {
    parseRequest(c, 'metrics');
    if (!metrics) return notFound(c, 'metrics are not served by this process');
    return sendText(c, 200, await metrics(), { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
  });
}
