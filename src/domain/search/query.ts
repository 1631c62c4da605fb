import { z } from 'zod';
import { Difficulty } from '../article/schema.js';

// What a search asks for and what it answers, shared by the HTTP route, the store and the CLI. Search
// input is hostile by default: every field has a bound, and anything else is refused with a 400 that
// names the parameter, never passed to the database as anything but a bind parameter.

/** Results per page. */
export const SEARCH_PAGE_SIZE = 10;
/** Pages beyond this are refused (400): ranking is bounded to SEARCH_CANDIDATES matches anyway. */
export const SEARCH_MAX_PAGE = 20;
/**
 * How many matches are ranked at most. A broad query ("the", "python") matches most of the corpus, and
 * ts_rank reads every match it is given; ranking only the SEARCH_CANDIDATES matches with the best static
 * score (quality and freshness, precomputed per document) keeps such a query as cheap as a rare one.
 * What it trades: a document whose text matches best but whose static score is below the first
 * SEARCH_CANDIDATES matches' is not ranked at all.
 */
export const SEARCH_CANDIDATES = 200;
/** A query longer than this is refused: nobody types it, and websearch_to_tsquery's work grows with it. */
export const SEARCH_MAX_QUERY = 256;
const MAX_FILTER = 100;

// PostgreSQL text cannot hold NUL: refused here as a bad parameter, never a database error.
// eslint-disable-next-line no-control-regex -- NUL is exactly what must be refused
const NO_NUL = /^[^\u0000]*$/;

const filter = (name: string) =>
  z
    .string()
    .regex(NO_NUL, `expected ${name} without NUL characters`)
    .trim()
    .min(1, `expected ${name} as 1 to ${MAX_FILTER} characters`)
    .max(MAX_FILTER, `expected ${name} as 1 to ${MAX_FILTER} characters`)
    .transform((v) => v.toLowerCase());

/** The search's parameters as an HTTP query carries them (all strings). Unknown parameters are refused. */
export const SearchParams = z.strictObject({
  q: z
    .string()
    .regex(NO_NUL, 'expected q without NUL characters')
    .trim()
    .min(1, `expected q as a search query of 1 to ${SEARCH_MAX_QUERY} characters`)
    .max(SEARCH_MAX_QUERY, `expected q as a search query of 1 to ${SEARCH_MAX_QUERY} characters`),
  tool: filter('tool').optional(),
  stack: filter('stack').optional(),
  difficulty: z.enum(Difficulty.options, `expected difficulty as ${Difficulty.options.join(', ')}`).optional(),
  codeLanguage: filter('codeLanguage').optional(),
  page: z
    .string()
    .regex(/^\d{1,6}$/, `expected page as a whole number from 1 to ${SEARCH_MAX_PAGE}`)
    .transform(Number)
    .pipe(z.number().min(1, `expected page from 1 to ${SEARCH_MAX_PAGE}`).max(SEARCH_MAX_PAGE, `expected page from 1 to ${SEARCH_MAX_PAGE}`))
    .default(1),
});
export type SearchParams = z.output<typeof SearchParams>;

/** A search as the store runs it. */
export type SearchRequest = {
  q: string;
  tool?: string | undefined;
  stack?: string | undefined;
  difficulty?: string | undefined;
  codeLanguage?: string | undefined;
  page: number;
};

export type SearchHit = {
  sourceId: string;
  slug: string;
  title: string;
  summary: string | null;
  /** HTML: the matched passage escaped, with the matched words in <mark>…</mark>. */
  snippet: string;
  score: number;
  /** The title holds the query as a phrase (such hits rank first). */
  titleMatch: boolean;
  quality: number | null;
  lastReviewed: string | null;
  difficulty: string | null;
  tools: string[];
  stack: string[];
};

export type SearchResult = {
  generation: number;
  query: string;
  page: number;
  pageSize: number;
  /** Matches ranked: at most SEARCH_CANDIDATES (then `capped` is true and more matched). */
  total: number;
  capped: boolean;
  hits: SearchHit[];
  /** Answered from the worker's memory of recent identical searches on the same generation and watermark. */
  cached?: boolean;
};

/** Marks ts_headline puts around a match: private-use characters, removed from the text first, so only these are marks. */
export const HIGHLIGHT_START = '\uE000';
export const HIGHLIGHT_STOP = '\uE001';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** A headline as HTML: everything escaped, then the marks turned into <mark> elements (balanced, whatever the input). */
export function snippetHtml(headline: string): string {
  let out = '';
  let open = false;
  for (const ch of headline) {
    if (ch === HIGHLIGHT_START) {
      if (!open) out += '<mark>';
      open = true;
    } else if (ch === HIGHLIGHT_STOP) {
      if (open) out += '</mark>';
      open = false;
    } else out += ESCAPES[ch] ?? ch;
  }
  return open ? `${out}</mark>` : out;
}
