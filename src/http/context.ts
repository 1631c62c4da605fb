import type { IncomingMessage } from 'node:http';
import type { Context } from 'hono';
import type { z } from 'zod';
import { contract, type Contract, type Endpoint, type ReplyOf } from './contract.js';
import { assertWellEscaped, BadRequestError, quote } from './errors.js';

// What every route file shares: the app's environment type, request parsing through the contract
// and the JSON reply. A route never reads a parameter the contract did not parse.

export type HttpLogger = {
  warn(message: string, meta?: Record<string, unknown>): void;
  error(message: string, meta?: Record<string, unknown>): void;
};

/** Hono's environment: the node request (absent when the app is called directly) and the request id. */
export type AppEnv = { Bindings: { incoming?: IncomingMessage }; Variables: { requestId: string } };
export type AppContext = Context<AppEnv>;

export const JSON_TYPE = 'application/json; charset=utf-8';

/** Headers every answer carries: error bodies echo parts of the request, so a browser must never sniff them into HTML. */
export function baseHeaders(requestId: string): Record<string, string> {
  return { 'x-content-type-options': 'nosniff', 'x-request-id': requestId };
}

/**
 * A text answer with its length, so a HEAD (hono answers it from the GET route, without the body)
 * says how long the body would be, and a client reading one response off a kept-alive socket knows where it ends.
 */
export function sendText(c: AppContext, status: number, text: string, headers: Record<string, string>): Response {
  return new Response(text, {
    status,
    headers: { 'cache-control': 'no-store', ...baseHeaders(c.get('requestId')), ...headers, 'content-length': String(Buffer.byteLength(text)) },
  });
}

/** A JSON answer. API answers are never cached unless the route says otherwise. */
export function sendJson(c: AppContext, status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return sendText(c, status, JSON.stringify(body), { 'content-type': JSON_TYPE, ...headers });
}

/** A 200 with an endpoint's response: the body must type-check against the contract's response schema. */
export function reply<E extends Endpoint>(c: AppContext, _endpoint: E, body: ReplyOf<E>, headers: Record<string, string> = {}): Response {
  return sendJson(c, 200, body, headers);
}

/** A 404 naming what is missing. */
export function notFound(c: AppContext, error: string, headers: Record<string, string> = {}): Response {
  return sendJson(c, 404, { error, requestId: c.get('requestId') }, headers);
}

/** Turns zod's issues into one 400 naming the first bad parameter, what was expected and what was given. */
function refuse(error: z.ZodError, given: Record<string, string>, where: 'query' | 'path'): BadRequestError {
  const issue = error.issues[0];
  if (issue?.code === 'unrecognized_keys') {
    const name = issue.keys[0] ?? '?';
    return new BadRequestError(`unknown ${where} parameter ${quote(name)}`, name, 'only the parameters this endpoint documents');
  }
  const name = String(issue?.path[0] ?? where);
  const value = given[name];
  const expected = (issue?.message ?? 'a valid value').replace(/^expected /, '');
  return new BadRequestError(`${name}: expected ${expected}, got ${value === undefined ? 'nothing' : quote(value)}`, name, expected);
}

/** The raw query of a request URL, refused when it holds a malformed %-escape (URLSearchParams would pass it on verbatim). */
export function queryOf(url: string): URLSearchParams {
  const mark = url.indexOf('?');
  if (mark === -1) return new URLSearchParams();
  const hash = url.indexOf('#', mark);
  const raw = url.slice(mark + 1, hash === -1 ? undefined : hash);
  assertWellEscaped(raw, 'query');
  return new URLSearchParams(raw);
}

export function parseQuery<S extends z.ZodType>(schema: S, query: URLSearchParams): z.output<S> {
  const given: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [key, value] of query) {
    if (key in given) throw new BadRequestError(`query parameter ${quote(key)} given more than once`, key, 'one value');
    given[key] = value;
  }
  const parsed = schema.safeParse(given);
  if (!parsed.success) throw refuse(parsed.error, given, 'query');
  return parsed.data;
}

export function parseParams<S extends z.ZodType>(schema: S, given: Record<string, string>): z.output<S> {
  const parsed = schema.safeParse(given);
  if (!parsed.success) throw refuse(parsed.error, given, 'path');
  return parsed.data;
}

/** An endpoint's path parameters and query, parsed by its contract schemas (parameters first). */
export function parseRequest<E extends Endpoint>(
  c: AppContext,
  endpoint: E,
): { params: z.output<Contract[E]['params']>; query: z.output<Contract[E]['query']> } {
  const spec = contract[endpoint];
  const params = parseParams(spec.params, c.req.param() as Record<string, string>) as z.output<Contract[E]['params']>;
  const query = parseQuery(spec.query, queryOf(c.req.url)) as z.output<Contract[E]['query']>;
  return { params, query };
}
