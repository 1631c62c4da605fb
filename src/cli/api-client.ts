import type { z } from 'zod';
import type { Config } from '../config.js';
import { contract, ErrorBody, type Contract, type Endpoint } from '../http/contract.js';
import { ApiError } from './errors.js';

export { ApiError };

/**
 * GET one endpoint of the worker's HTTP API (the CLI never opens the database itself), parsed with
 * that endpoint's response schema from the contract the server answers through: an answer of
 * another shape is an error naming the endpoint, never a crash deep in a printer.
 */
export async function apiGet<E extends Endpoint>(config: Config, endpoint: E, path: string): Promise<z.output<Contract[E]['response']>> {
  const where = `GET ${path.split('?')[0]}`;
  let response: Response;
  try {
    response = await fetch(`${config.apiUrl}${path}`, { signal: AbortSignal.timeout(30_000), headers: { accept: 'application/json' } });
  } catch (error) {
    throw new ApiError(
      `cannot reach the worker's HTTP API at ${config.apiUrl} (${error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : String(error)}). ` +
        'Is a worker running (`pressroom dev` or `pressroom worker`)? Set PRESSROOM_API_URL or PRESSROOM_HTTP_PORT to where it listens; retrying once it runs will work.',
      undefined,
    );
  }
  const body: unknown = await response.json().catch(() => undefined);
  if (!response.ok) {
    const parsed = ErrorBody.safeParse(body);
    const error = parsed.success ? parsed.data.error : `HTTP ${response.status}`;
    const hint = response.status >= 500 ? '; the worker failed, retrying may help' : '';
    throw new ApiError(`${error} (${where} answered ${response.status}${hint})`, response.status);
  }
  const parsed = contract[endpoint].response.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ApiError(
      `the worker's API answered ${where} (${endpoint}) in an unexpected shape (${issue?.path.join('.') || 'body'}: ${issue?.message}); is the worker a different version than this CLI?`,
      undefined,
    );
  }
  return parsed.data as z.output<Contract[E]['response']>;
}
