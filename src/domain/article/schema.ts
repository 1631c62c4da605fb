// The canonical Article: the one zod schema every reader validates against and the single source of
// the Article type. Messages follow FORMAT.md: they say what was found and what was expected.
import { z } from 'zod';

const SHOWN_CHARS = 77;

/**
 * Shows a found value in a message: short enough to read, quoted so blanks stay visible. Bounded
 * whatever the value: containers are named, never serialised (a 5,000-level array would overflow
 * JSON.stringify), and a long string is cut between characters, never inside a surrogate pair.
 */
export function showValue(value: unknown): string {
  switch (typeof value) {
    case 'undefined':
      return 'nothing';
    case 'string': {
      if (value.length <= SHOWN_CHARS) {
        const shown = JSON.stringify(value);
        if (shown.length <= SHOWN_CHARS + 3) return shown;
      }
      let end = Math.min(value.length, SHOWN_CHARS - 1);
      const last = value.charCodeAt(end - 1);
      if (last >= 0xd800 && last <= 0xdbff) end--;
      return `${JSON.stringify(value.slice(0, end))}...`;
    }
    case 'number':
      if (Number.isFinite(value)) return String(value);
      return Number.isNaN(value) ? 'a number that is not a number (NaN)' : `a number too large to represent (${value > 0 ? '' : 'minus '}infinity)`;
    case 'boolean':
    case 'bigint':
      return String(value);
    case 'object':
      if (value === null) return 'null';
      return Array.isArray(value) ? 'an array' : 'an object';
    default:
      return `a ${typeof value}`;
  }
}

type Issue = { input?: unknown };

/** One error option for every check on a value: a missing value and a wrong one read differently. */
export function expecting(expected: string): { error: (issue: Issue) => string } {
  return { error: (issue) => (issue.input === undefined ? `missing: expected ${expected}` : `expected ${expected}, got ${showValue(issue.input)}`) };
}

export const EXPECTED = {
  text: 'text',
  title: 'a non-empty title',
  readingTimeMinutes: 'a whole number from 1 to 600',
  viewCount: 'a whole number >= 0',
  score: 'a whole number from 0 to 100',
  paragraphs: 'a whole number >= 0',
  seed: 'a whole number >= 0',
  difficulty: 'beginner, intermediate or advanced',
  hash: '8 to 64 lower-case hex digits',
  version: 'a version N.N.N',
  lastReviewed: 'a real calendar date YYYY-MM-DD',
  flag: '0 or 1',
  url: 'an http:// or https:// URL',
  sourceId: 'a source id matching [a-z0-9][a-z0-9._-]{2,80}',
} as const;

export const SOURCE_ID_PATTERN = /^[a-z0-9][a-z0-9._-]{2,80}$/;
const HASH_PATTERN = /^[0-9a-f]{8,64}$/;
const VERSION_PATTERN = /^\d{1,9}\.\d{1,9}\.\d{1,9}$/;
const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A calendar check by arithmetic, not Date, so time zones and Date's rollover cannot lie. */
export function isCalendarDate(value: string): boolean {
  const match = DATE_PATTERN.exec(value);
  if (!match) return false;
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  if (month < 1 || month > 12 || day < 1) return false;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1] ?? 0;
  return day <= days;
}

// Characters that end an attribute or open a tag wherever a URL is pasted into HTML; the URL parser
// would quietly percent-encode them, so a URL holding one is refused rather than repaired.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const URL_BREAKERS = /[\u0000-\u0020\u007f-\u00a0"'<>`\\\s]/;

/**
 * An image URL as stored: parsed by the WHATWG URL parser, http(s) with a host, normalised (`href`);
 * null when it is not one. http(s) only: an image URL ends up in an <img src>, where javascript: and
 * data: are attacks. The prefix is checked on the raw text too, since the parser would accept `https:x`.
 */
export function normalizeHttpUrl(value: string): string | null {
  const lower = value.slice(0, 8).toLowerCase();
  const rest = lower.startsWith('https://') ? value.slice(8) : lower.startsWith('http://') ? value.slice(7) : null;
  if (rest === null || rest.length === 0) return null;
  const first = rest.charAt(0);
  if (first === '/' || first === '?' || first === '#' || URL_BREAKERS.test(value)) return null;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return null;
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '') return null;
  return url.href;
}

export function isHttpUrl(value: string): boolean {
  return normalizeHttpUrl(value) !== null;
}

const text = () => z.string(expecting(EXPECTED.text));
const nonEmptyText = (what: string) => z.string(expecting(what)).min(1, expecting(what));
const whole = (expected: string, min: number, max = Number.MAX_SAFE_INTEGER) =>
  z.number(expecting(expected)).int(expecting(expected)).min(min, expecting(expected)).max(max, expecting(expected));

export const ParagraphBlock = z.strictObject({ type: z.literal('paragraph'), text: nonEmptyText('non-empty paragraph text') });
export const CodeBlock = z.strictObject({ type: z.literal('code'), text: nonEmptyText('non-empty code') });
export const ListBlock = z.strictObject({ type: z.literal('list'), items: z.array(nonEmptyText('a non-empty list item'), expecting('a list of items')) });
export const ImageBlock = z.strictObject({ type: z.literal('image'), caption: nonEmptyText('a non-empty caption'), source: text() });

const BLOCK_TYPES = 'a block type of paragraph, code, list or image';
export const Block = z.discriminatedUnion('type', [ParagraphBlock, CodeBlock, ListBlock, ImageBlock], {
  // The issue's input is the whole block; the type inside it is what went wrong.
  error: (issue) => {
    const input = issue.input;
    if (input === null || typeof input !== 'object') return expecting('a block object').error(issue);
    return expecting(BLOCK_TYPES).error({ input: (input as { type?: unknown }).type });
  },
});
export type Block = z.infer<typeof Block>;

export const Section = z.strictObject({
  heading: nonEmptyText('a non-empty heading or null').nullable(),
  blocks: z.array(Block, expecting('a list of blocks')),
});
export type Section = z.infer<typeof Section>;

export const Difficulty = z.enum(['beginner', 'intermediate', 'advanced'], expecting(EXPECTED.difficulty));

const score = () => whole(EXPECTED.score, 0, 100).optional();
const flag = () => z.boolean(expecting(EXPECTED.flag)).optional();

export const Outline = z.strictObject({
  context: text().optional(),
  problem: text().optional(),
  stack: text().optional(),
  recommendedAction: text().optional(),
});

export const Score = z.strictObject({ quality: score(), freshness: score(), depth: score(), clarity: score() });

export const Revision = z.strictObject({
  status: text().optional(),
  version: z.string(expecting(EXPECTED.version)).regex(VERSION_PATTERN, expecting(EXPECTED.version)).optional(),
  lastReviewed: z.string(expecting(EXPECTED.lastReviewed)).refine(isCalendarDate, expecting(EXPECTED.lastReviewed)).optional(),
});

export const Flags = z.strictObject({ aiGeneratedStyle: flag(), hasImages: flag(), imageHeavy: flag(), needsHumanReview: flag() });

export const Entity = z.strictObject({ name: nonEmptyText('a non-empty entity name'), type: nonEmptyText('a non-empty entity type') });

export const ImageSource = z.strictObject({
  source: text(),
  url: z.string(expecting(EXPECTED.url)).transform((value, ctx) => {
    const href = normalizeHttpUrl(value);
    if (href !== null) return href;
    ctx.issues.push({ code: 'custom', input: value, message: expecting(EXPECTED.url).error({ input: value }) });
    return z.NEVER;
  }),
  caption: text(),
});

export const SourceId = z.string(expecting(EXPECTED.sourceId)).regex(SOURCE_ID_PATTERN, expecting(EXPECTED.sourceId));

export const Payload = z.strictObject({
  sourceId: SourceId,
  generator: text().optional(),
  paragraphs: whole(EXPECTED.paragraphs, 0).optional(),
  scenario: text().optional(),
  seed: whole(EXPECTED.seed, 0).optional(),
});

const textList = () => z.array(nonEmptyText('a non-empty list item'), expecting('a list of text'));

export const Meta = z.strictObject({
  topic: text().optional(),
  summary: text().optional(),
  brief: text().optional(),
  codeLanguage: text().optional(),
  difficulty: Difficulty.optional(),
  readingTimeMinutes: whole(EXPECTED.readingTimeMinutes, 1, 600).optional(),
  viewCount: whole(EXPECTED.viewCount, 0).optional(),
  reference: text().optional(),
  hash: z.string(expecting(EXPECTED.hash)).regex(HASH_PATTERN, expecting(EXPECTED.hash)).optional(),
  outline: Outline.optional(),
  stack: textList().optional(),
  tools: textList().optional(),
  score: Score.optional(),
  revision: Revision.optional(),
  flags: Flags.optional(),
  checklist: textList().optional(),
  entities: z.array(Entity, expecting('a list of {name, type} records')).optional(),
  images: z.array(ImageSource, expecting('a list of {source, url, caption} records')).optional(),
  payload: z.strictObject({ ...Payload.shape }, expecting('a payload block with a source id')),
  notes: textList().optional(),
  extra: z.array(text(), expecting('a list of lines')).optional(),
});
export type Meta = z.infer<typeof Meta>;

/** A shape with its keys in code-unit order: what zod's output then enumerates them in. */
function sortedShape<T extends z.core.$ZodLooseShape>(shape: T): T {
  return Object.fromEntries(Object.entries(shape).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) as T;
}

/**
 * Meta with every object's keys in sorted order, for the export parser's accepted documents: zod's
 * output follows its shape, and an article whose keys are all sorted is serialised by the native
 * JSON.stringify (content.ts stableStringify), half the cost of sorting as it goes. The rules are
 * Meta's very schemas; only the objects holding them are rebuilt. Meta itself keeps FORMAT.md's order,
 * which is the order its errors are reported in: a document this one refuses is checked again by Meta.
 */
export const MetaInKeyOrder = z.strictObject(
  sortedShape({
    ...Meta.shape,
    outline: z.strictObject(sortedShape(Outline.shape)).optional(),
    score: z.strictObject(sortedShape(Score.shape)).optional(),
    revision: z.strictObject(sortedShape(Revision.shape)).optional(),
    flags: z.strictObject(sortedShape(Flags.shape)).optional(),
    entities: z.array(z.strictObject(sortedShape(Entity.shape)), expecting('a list of {name, type} records')).optional(),
    images: z.array(z.strictObject(sortedShape(ImageSource.shape)), expecting('a list of {source, url, caption} records')).optional(),
    payload: z.strictObject(sortedShape(Payload.shape), expecting('a payload block with a source id')),
  }),
);

export const Article = z
  .strictObject({
    sourceId: SourceId,
    title: nonEmptyText(EXPECTED.title),
    lede: text().nullable(),
    sections: z.array(Section, expecting('a list of sections')),
    meta: Meta,
  })
  .superRefine((article, ctx) => {
    // sourceId is a copy of payload.sourceId; two identities for one document would split it in two.
    if (article.sourceId !== article.meta.payload.sourceId) {
      ctx.addIssue({
        code: 'custom',
        path: ['sourceId'],
        message: `expected the same value as meta.payload.sourceId (${showValue(article.meta.payload.sourceId)}), got ${showValue(article.sourceId)}`,
      });
    }
  });
export type Article = z.infer<typeof Article>;
