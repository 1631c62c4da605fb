import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

// The worker's HTTP server: /health now; the read API the CLI uses lands here too, because only
// the worker's process may open an embedded database.

export type HealthCheck = () => Promise<void>;
export type Reply = { status: number; body: unknown };
/** A read route: `pattern` is matched against the path; its groups are the handler's params. */
export type Route = { method: 'GET'; pattern: RegExp; handle: (params: string[], url: URL, req: IncomingMessage) => Promise<Reply> };

export type HttpDeps = {
  checks: { temporal: HealthCheck; database: HealthCheck };
  routes?: readonly Route[];
};

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

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

export async function health(deps: HttpDeps): Promise<{ status: number; body: Record<string, unknown> }> {
  const [temporal, database] = await Promise.all([check(deps.checks.temporal, 3_000), check(deps.checks.database, 3_000)]);
  const ok = temporal.ok && database.ok;
  const unreachable = [!temporal.ok && 'temporal', !database.ok && 'database'].filter(Boolean);
  return {
    status: ok ? 200 : 503,
    body: { ok, temporal, database, ...(ok ? {} : { error: `cannot reach ${unreachable.join(' and ')}` }) },
  };
}

export function createHttpServer(deps: HttpDeps): Server {
  return createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const handle = async () => {
      if (req.method === 'GET' && url.pathname === '/health') {
        const result = await health(deps);
        return send(res, result.status, result.body);
      }
      for (const route of deps.routes ?? []) {
        const match = req.method === route.method ? route.pattern.exec(url.pathname) : null;
        if (!match) continue;
        const result = await route.handle(match.slice(1).map((p) => decodeURIComponent(p ?? '')), url, req);
        return send(res, result.status, result.body);
      }
      send(res, 404, { error: `no route ${req.method} ${url.pathname}` });
    };
    handle().catch((error: unknown) => {
      send(res, 500, { error: error instanceof Error ? error.message : String(error) });
    });
  });
}

export async function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server.address() as AddressInfo;
}
