import type { z } from 'zod';
import type { Config } from '../config.js';
import { ApiError } from './errors.js';

export { ApiError };

/**
 * GET from the worker's HTTP API (the CLI never opens the database itself), parsed with `schema`:
 * an answer of another shape is an error naming the path, never a crash deep in a printer.
 */
export async function apiGet<S extends z.ZodType>(config: Config, path: string, schema: S): Promise<z.output<S>> {
  let response: Response;
  try {
    response = await fetch(`${config.apiUrl}${path}`, { signal: AbortSignal.timeout(30_000) });
  } catch (error) {
    throw new ApiError(
      `cannot reach the worker's HTTP API at ${config.apiUrl} (${error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : String(error)}). ` +
        'Is a worker running (`pressroom dev` or `pressroom worker`)? Set PRESSROOM_API_URL or PRESSROOM_HTTP_PORT to where it listens; retrying once it runs will work.',
      undefined,
    );
  }
  const body: unknown = await response.json().catch(() => undefined);
  if (!response.ok) {
    const error = typeof body === 'object' && body !== null && 'error' in body ? String(body.error) : `HTTP ${response.status}`;
    const hint = response.status >= 500 ? '; the worker failed, retrying may help' : '';
    throw new ApiError(`${error} (GET ${path.split('?')[0]} answered ${response.status}${hint})`, response.status);
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ApiError(
      `the worker's API answered GET ${path.split('?')[0]} in an unexpected shape (${issue?.path.join('.') || 'body'}: ${issue?.message}); is the worker a different version than this CLI?`,
      undefined,
    );
  }
  return parsed.data;
}
