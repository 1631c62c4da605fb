// The metadata block (FORMAT.md "The metadata block"): labelled scalar lines and labelled bullet
// blocks. Values are converted from text here; ranges and patterns are left to the Article schema so
// the rules live in one place.
import { isNoiseLine } from './lines.js';
import type { FieldError, Warning } from './result.js';
import { dedupeItems, extraLine } from './sanitize.js';
import type { TextCleaner } from './sanitize.js';
import { EXPECTED, showValue } from './schema.js';

type Value = { kind: 'text' } | { kind: 'raw' } | { kind: 'lower' } | { kind: 'whole'; expected: string; commas?: boolean } | { kind: 'flag' };

type Keys = Readonly<Record<string, Value>>;

type Field =
  | { label: string; key: string; shape: 'scalar'; value: Value }
  | { label: string; key: string; shape: 'list'; dedupe: boolean }
  | { label: string; key: string; shape: 'object'; keys: Keys }
  | { label: string; key: string; shape: 'records'; keys: Keys };

const TEXT: Value = { kind: 'text' };
const RAW: Value = { kind: 'raw' };
const SCORE: Value = { kind: 'whole', expected: EXPECTED.score };
const FLAG: Value = { kind: 'flag' };

const FIELDS: readonly Field[] = [
  { label: 'topic', key: 'topic', shape: 'scalar', value: TEXT },
  { label: 'summary', key: 'summary', shape: 'scalar', value: TEXT },
  { label: 'ai brief', key: 'brief', shape: 'scalar', value: TEXT },
  { label: 'code language', key: 'codeLanguage', shape: 'scalar', value: TEXT },
  { label: 'difficulty', key: 'difficulty', shape: 'scalar', value: { kind: 'lower' } },
  { label: 'reading time', key: 'readingTimeMinutes', shape: 'scalar', value: { kind: 'whole', expected: EXPECTED.readingTimeMinutes } },
  { label: 'view count', key: 'viewCount', shape: 'scalar', value: { kind: 'whole', expected: EXPECTED.viewCount, commas: true } },
  { label: 'reference', key: 'reference', shape: 'scalar', value: TEXT },
  { label: 'hash', key: 'hash', shape: 'scalar', value: RAW },
  { label: 'ai outline', key: 'outline', shape: 'object', keys: { context: TEXT, problem: TEXT, stack: TEXT, recommendedAction: TEXT } },
  { label: 'stack', key: 'stack', shape: 'list', dedupe: false },
  { label: 'tools', key: 'tools', shape: 'list', dedupe: true },
  { label: 'score', key: 'score', shape: 'object', keys: { quality: SCORE, freshness: SCORE, depth: SCORE, clarity: SCORE } },
  { label: 'revision', key: 'revision', shape: 'object', keys: { status: TEXT, version: RAW, lastReviewed: RAW } },
  { label: 'flags', key: 'flags', shape: 'object', keys: { aiGeneratedStyle: FLAG, hasImages: FLAG, imageHeavy: FLAG, needsHumanReview: FLAG } },
  { label: 'checklist', key: 'checklist', shape: 'list', dedupe: false },
  { label: 'entities', key: 'entities', shape: 'records', keys: { name: TEXT, type: TEXT } },
  { label: 'image sources', key: 'images', shape: 'records', keys: { source: TEXT, url: RAW, caption: TEXT } },
  {
    label: 'payload',
    key: 'payload',
    shape: 'object',
    keys: {
      sourceId: RAW,
      generator: TEXT,
      paragraphs: { kind: 'whole', expected: EXPECTED.paragraphs },
      scenario: TEXT,
      seed: { kind: 'whole', expected: EXPECTED.seed },
    },
  },
  { label: 'notes', key: 'notes', shape: 'list', dedupe: false },
];

// Longest label first, so a label that is the start of another never steals its lines; grouped by
// first letter so a line is compared with two or three labels, not twenty.
const BY_FIRST_LETTER = new Map<number, Field[]>();
for (const field of [...FIELDS].sort((a, b) => b.label.length - a.label.length)) {
  const first = field.label.charCodeAt(0);
  BY_FIRST_LETTER.set(first, [...(BY_FIRST_LETTER.get(first) ?? []), field]);
}

/** Case-insensitive `line.startsWith(label, at)` for labels of lower-case letters and spaces. */
function hasLabel(line: string, at: number, label: string): boolean {
  if (line.length - at < label.length) return false;
  for (let k = 0; k < label.length; k++) {
    if ((line.charCodeAt(at + k) | 0x20) !== label.charCodeAt(k)) return false;
  }
  return true;
}

const BULLET_CODE = 0x2022;

const DIGITS = /^\d+$/;
const GROUPED_DIGITS = /^\d{1,3}(?:,\d{3})+$/;

/** `recommended action` → `recommendedAction`. */
export function lowerCamelCase(key: string): string {
  const words = key
    .trim()
    .toLowerCase()
    .split(/[\s_-]+/);
  return words.map((word, i) => (i === 0 ? word : word.charAt(0).toUpperCase() + word.slice(1))).join('');
}

// Every bullet key in every export is one of a handful of spellings; look those up, compute the rest.
const KNOWN_KEYS = new Map<string, string>();
for (const field of FIELDS) {
  if (field.shape !== 'object' && field.shape !== 'records') continue;
  for (const key of Object.keys(field.keys))
    KNOWN_KEYS.set(
      key.replace(/[A-Z]/g, (c) => ` ${c.toLowerCase()}`),
      key,
    );
}

function bulletKey(raw: string): string {
  return KNOWN_KEYS.get(raw) ?? KNOWN_KEYS.get(raw.toLowerCase()) ?? lowerCamelCase(raw);
}

type Bag = Record<string, string>;

type BlockState =
  | { kind: 'list'; field: Extract<Field, { shape: 'list' }>; items: string[] }
  | { kind: 'object'; field: Extract<Field, { shape: 'object' }>; values: Bag }
  | { kind: 'records'; field: Extract<Field, { shape: 'records' }>; records: Bag[] };

export type MetaResult = { meta: Record<string, unknown>; errors: FieldError[]; warnings: Warning[] };

function isBlank(code: number): boolean {
  return code === 32 || code === 9;
}

class MetaReader {
  readonly meta: Record<string, unknown> = {};
  readonly errors: FieldError[] = [];
  readonly warnings: Warning[] = [];
  readonly extra: string[] = [];
  private readonly blocks = new Map<string, BlockState>();
  private current: BlockState | null = null;

  constructor(private readonly plainText: TextCleaner) {}

  line(line: string): void {
    if (line === '') return;
    let at = 0;
    while (isBlank(line.charCodeAt(at))) at++;
    const first = line.charCodeAt(at);
    if (first === BULLET_CODE) {
      if (this.current === null || !this.bullet(this.current, line, at + 1)) this.extra.push(line);
      return;
    }
    if (first === 124 && isNoiseLine(line)) return;
    this.current = null;
    for (const field of BY_FIRST_LETTER.get(first | 0x20) ?? []) {
      if (!hasLabel(line, at, field.label)) continue;
      const rest = line.slice(at + field.label.length);
      if (field.shape === 'scalar') {
        this.scalar(field, stripSeparator(rest));
        return;
      }
      const after = rest.trim();
      if (after === '' || after === ':') {
        this.current = this.open(field);
        return;
      }
    }
    this.extra.push(line);
  }

  private scalar(field: Extract<Field, { shape: 'scalar' }>, raw: string): void {
    const path = `meta.${field.key}`;
    if (field.key in this.meta || this.errors.some((error) => error.field === path)) {
      this.warnings.push({ field: path, message: `"${field.label}" appears more than once; the first value is kept` });
      return;
    }
    const value = convert(raw, field.value, path, this.errors, this.plainText);
    if (value !== undefined) this.meta[field.key] = value;
  }

  private open(field: Exclude<Field, { shape: 'scalar' }>): BlockState {
    const seen = this.blocks.get(field.key);
    if (seen) {
      this.warnings.push({ field: `meta.${field.key}`, message: `"${field.label}" appears more than once; its bullets are merged` });
      return seen;
    }
    const state: BlockState =
      field.shape === 'list'
        ? { kind: 'list', field, items: [] }
        : field.shape === 'object'
          ? { kind: 'object', field, values: {} }
          : { kind: 'records', field, records: [] };
    this.blocks.set(field.key, state);
    return state;
  }

  /** False when the bullet fits no key of the block, so the caller keeps the line in `extra`. */
  private bullet(state: BlockState, line: string, start: number): boolean {
    if (state.kind === 'list') {
      state.items.push(line.slice(start).trim());
      return true;
    }
    const colon = line.indexOf(':', start);
    if (colon === -1) return false;
    let from = start;
    let to = colon;
    while (from < to && isBlank(line.charCodeAt(from))) from++;
    while (to > from && isBlank(line.charCodeAt(to - 1))) to--;
    const key = bulletKey(line.slice(from, to));
    if (!Object.hasOwn(state.field.keys, key)) return false;
    const value = line.slice(colon + 1).trim();
    if (state.kind === 'object') {
      if (Object.hasOwn(state.values, key)) {
        this.warnings.push({ field: `meta.${state.field.key}.${key}`, message: `"${key}" appears more than once; the first value is kept` });
      } else {
        state.values[key] = value;
      }
      return true;
    }
    // A record ends when one of its keys repeats (FORMAT.md), so the repeat opens the next record.
    const last = state.records[state.records.length - 1];
    if (last === undefined || Object.hasOwn(last, key)) state.records.push({ [key]: value });
    else last[key] = value;
    return true;
  }

  finish(): MetaResult {
    for (const state of this.blocks.values()) {
      const key = state.field.key;
      if (state.kind === 'list') {
        const items: string[] = [];
        for (const raw of state.items) {
          const item = this.plainText(raw);
          if (item !== '') items.push(item);
        }
        this.meta[key] = state.field.dedupe ? dedupeItems(items) : items;
      } else if (state.kind === 'object') {
        this.meta[key] = this.object(state.values, state.field.keys, `meta.${key}`);
      } else {
        this.meta[key] = state.records.map((record, i) => this.object(record, state.field.keys, `meta.${key}[${i}]`));
      }
    }
    // Unlabelled lines are kept verbatim, but they are text too: markup goes, as everywhere.
    const extra: string[] = [];
    for (const raw of this.extra) {
      const line = extraLine(raw);
      if (line !== null) extra.push(line);
    }
    if (extra.length > 0) this.meta.extra = extra;
    return { meta: this.meta, errors: this.errors, warnings: this.warnings };
  }

  private object(values: Bag, keys: Keys, path: string): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const key in values) {
      const kind = keys[key];
      const raw = values[key];
      if (kind === undefined || raw === undefined) continue;
      // Only numbers and flags can fail, so only they pay for building their path.
      const fallible = kind.kind === 'whole' || kind.kind === 'flag';
      const value = convert(raw, kind, fallible ? `${path}.${key}` : path, this.errors, this.plainText);
      if (value !== undefined) out[key] = value;
    }
    return out;
  }
}

/** Exporters write `labelvalue`, `label: value` or `label<TAB>value`. */
function stripSeparator(rest: string): string {
  let start = 0;
  if (rest.charCodeAt(0) === 58 /* : */) start = 1;
  return rest.slice(start).trim();
}

function convert(raw: string, value: Value, path: string, errors: FieldError[], plainText: TextCleaner): unknown {
  switch (value.kind) {
    case 'text':
      return plainText(raw);
    case 'raw':
      return raw.trim();
    case 'lower':
      return plainText(raw).toLowerCase();
    case 'flag':
      if (raw === '0') return false;
      if (raw === '1') return true;
      errors.push({ field: path, message: `expected ${EXPECTED.flag}, got ${showValue(raw)}` });
      return undefined;
    case 'whole': {
      const digits = DIGITS.test(raw) ? raw : value.commas && GROUPED_DIGITS.test(raw) ? raw.replaceAll(',', '') : null;
      const number = digits === null ? Number.NaN : Number(digits);
      if (Number.isSafeInteger(number)) return number;
      errors.push({ field: path, message: `expected ${value.expected}, got ${showValue(raw)}` });
      return undefined;
    }
  }
}

/** Reads metadata lines [from, to). Lines have their trailing white space removed. */
export function parseMeta(lines: readonly string[], from: number, to: number, plainText: TextCleaner): MetaResult {
  const reader = new MetaReader(plainText);
  for (let i = from; i < to; i++) reader.line(lines[i] ?? '');
  return reader.finish();
}
