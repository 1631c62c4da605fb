import type { Config } from '../config.js';

export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    message: string,
    readonly status: number | undefined,
  ) {
    super(message);
  }
}

/** GET from the worker's HTTP API: the CLI never opens the database itself. */
export async function apiGet<T>(config: Config, path: string): Promise<T> {
  const url = `${config.apiUrl}${path}`;
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(30_000) });
  } catch (error) {
    throw new ApiError(
      `cannot reach the worker's HTTP API at ${config.apiUrl} (${error instanceof Error ? (error.cause as Error | undefined)?.message ?? error.message : String(error)}). ` +
        'Is a worker running (`pressroom dev` or `pressroom worker`)? Set PRESSROOM_API_URL or PRESSROOM_HTTP_PORT to where it listens; retrying once it runs will work.',
      undefined,
    );
  }
  const body = (await response.json().catch(() => ({}))) as T & { error?: string };
  if (!response.ok) throw new ApiError(`${url}: ${body.error ?? `HTTP ${response.status}`}`, response.status);
  return body;
}
