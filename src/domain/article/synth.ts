// A pure generator of synthetic alphanode exports for tests, benchmarks and load. Every document is a
// function of (seed, index, options) alone, so overlapping runs agree on shared indexes and any one
// document can be rebuilt without generating the others. Good documents come with the exact article
// the parser must produce; malformed ones name the rule they break and the field it is reported on.
import { mixSeed, rng } from '../random.js';
import type { Rng } from '../random.js';
import type { Article, Block, Meta, Section } from './schema.js';
import {
  ACTIONS,
  CHECKLISTS,
  EXTRA_LINES,
  FINAL_PARAGRAPHS,
  HEADINGS,
  HTML_INSERTS,
  HTML_WRAPS,
  IMAGE_HOSTS,
  LEDES,
  NOTES,
  PARAGRAPHS,
  PARAGRAPH_TAILS,
  PROBLEMS,
  SCENARIOS,
  SIMILAR_POSTS,
  STACKS,
  STATUSES,
  TITLES,
} from './synth-vocabulary.js';
import type { Stack } from './synth-vocabulary.js';

/** One kind per rejection rule of FORMAT.md; a malformed document breaks exactly one. */
export const BAD_KINDS = [
  'empty',
  'binary',
  'notUtf8',
  'noTitle',
  'truncated',
  'viewCount',
  'readingTime',
  'difficulty',
  'hash',
  'score',
  'version',
  'lastReviewed',
  'flag',
  'imageUrl',
  'missingSourceId',
  'invalidSourceId',
  'payloadNumber',
] as const;
export type BadKind = (typeof BAD_KINDS)[number];

export type SynthOptions = {
  /** Fraction of malformed documents, 0..1. Which indexes are malformed depends on seed and ratio only. */
  badRatio?: number;
  /** 0 is the original; n > 0 is a changed edition of the same document (same sourceId). */
  variant?: number;
};

export type SynthDocument = {
  index: number;
  sourceId: string;
  fileName: string;
  /** Text for readable exports; bytes for the binary and non-UTF-8 kinds. */
  content: string | Uint8Array;
  expectBad: BadKind | null;
  /** The field a malformed document is rejected on (`meta.score.depth`, `document`, ...). */
  expectField: string | null;
  /** For good documents, the article the parser must produce, exactly. */
  expected: Article | null;
};

const STREAM = { content: 1, render: 2, variant: 3, bad: 4, phase: 5 } as const;

export function sourceIdFor(index: number): string {
  return `alphanode-${String(index).padStart(6, '0')}`;
}

export function fileNameFor(index: number): string {
  return `${String(index).padStart(6, '0')}_${sourceIdFor(index)}.txt`;
}

/**
 * Spreads malformed documents evenly: index i is malformed when floor((i+1)·r) > floor(i·r), and the
 * number of malformed ones before it picks the kind, so kinds cycle without any state.
 */
export function badKindFor(seed: number, index: number, badRatio: number): BadKind | null {
  if (!(badRatio > 0)) return null;
  const ratio = Math.min(badRatio, 1);
  const at = index + (mixSeed(seed, STREAM.phase) % 1000);
  const before = Math.floor(at * ratio);
  if (Math.floor((at + 1) * ratio) === before) return null;
  return BAD_KINDS[before % BAD_KINDS.length] ?? null;
}

// ---- the model: the canonical article the export is rendered from ----

type Model = { article: Article; meta: Meta & { images: NonNullable<Meta['images']> }; stack: Stack; problem: string };

function slugText(text: string): string {
  return text.replaceAll(' ', '+').slice(0, 40);
}

function paragraph(r: Rng, stack: Stack): string {
  return r.pick(PARAGRAPHS) + (r.chance(0.35) ? r.pick(PARAGRAPH_TAILS)(stack.name) : '');
}

function calendarDate(r: Rng): string {
  const year = r.int(2021, 2026);
  const month = r.int(1, 12);
  const leap = year % 4 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1] ?? 28;
  return `${year}-${String(month).padStart(2, '0')}-${String(r.int(1, days)).padStart(2, '0')}`;
}

function hexHash(r: Rng): string {
  const length = r.pick([8, 16, 24, 24, 24, 32, 40, 64]);
  let out = '';
  for (let i = 0; i < length; i++) out += '0123456789abcdef'.charAt(r.int(0, 15));
  return out;
}

function buildModel(seed: number, index: number, needImages: boolean): Model {
  const r = rng(mixSeed(seed, index, STREAM.content));
  const stack = r.pick(STACKS);
  const problem = r.pick(PROBLEMS);
  const scenario = r.pick(SCENARIOS);
  const images: NonNullable<Meta['images']> = [];
  const image = (): Block => {
    const host = r.pick(IMAGE_HOSTS);
    const caption = `${problem} with ${stack.name} visual reference ${images.length + 1}`;
    images.push({ source: host.source, url: host.url(slugText(caption), images.length, index), caption });
    return { type: 'image', caption, source: host.source };
  };

  const title = r.pick(TITLES)(stack.name, problem, scenario);
  const lede = r.chance(0.9) ? r.pick(LEDES)(stack.name, problem, scenario) : null;
  const sections: Section[] = [];
  const leadingImages = needImages ? r.int(1, 2) : r.pick([0, 0, 1, 1, 2]);
  if (leadingImages > 0) sections.push({ heading: null, blocks: Array.from({ length: leadingImages }, image) });

  const headings = r.sample(HEADINGS, r.int(1, 3));
  const codeAt = r.int(0, headings.length - 1);
  for (let h = 0; h < headings.length; h++) {
    const blocks: Block[] = [];
    const count = r.int(1, 4);
    const used = new Set<string>();
    for (let p = 0; p < count; p++) {
      const text = paragraph(r, stack);
      // A repeated paragraph would be one the reader skips; keep them distinct like a real article.
      if (!used.has(text)) blocks.push({ type: 'paragraph', text });
      used.add(text);
    }
    if (h === codeAt || r.chance(0.15)) blocks.push({ type: 'code', text: r.pick(stack.code).join('\n\n') });
    if (r.chance(0.1)) blocks.push(image());
    sections.push({ heading: headings[h] ?? 'notes', blocks });
  }
  const checklist = [...r.pick(CHECKLISTS)];
  const listBlocks: Block[] = [{ type: 'list', items: checklist }];
  for (let n = r.pick([0, 0, 0, 1, 2]); n > 0; n--) listBlocks.push(image());
  sections.push({ heading: 'implementation checklist', blocks: listBlocks });
  sections.push({ heading: 'final notes', blocks: [{ type: 'paragraph', text: r.pick(FINAL_PARAGRAPHS)(stack.name) }] });

  const sourceId = sourceIdFor(index);
  const paragraphs = sections.reduce((sum, s) => sum + s.blocks.filter((b) => b.type === 'paragraph').length, 0);
  const meta = {
    topic: `${problem} / ${stack.name}`,
    summary: `this ai-style technical summary explains ${problem} in ${stack.name}, with emphasis on measurement, safe defaults, rollback planning, and maintainable documentation.`,
    outline: { context: scenario, problem, stack: stack.name, recommendedAction: r.pick(ACTIONS) },
    brief:
      'the article is written like a careful ai generated engineering draft: it explains the reason for the change, lists operational checks, and avoids pretending that one command fixes every production case.',
    stack: [stack.name, stack.area, stack.language],
    tools: r.sample(stack.tools, r.int(3, stack.tools.length)),
    codeLanguage: stack.language,
    difficulty: r.pick(['beginner', 'intermediate', 'advanced'] as const),
    readingTimeMinutes: r.int(1, 30),
    viewCount: r.int(0, 2_500_000),
    score: { quality: r.int(0, 100), freshness: r.int(0, 100), depth: r.int(0, 100), clarity: r.int(0, 100) },
    revision: { status: r.pick(STATUSES), version: `${r.int(0, 3)}.${r.int(0, 12)}.${r.int(0, 20)}`, lastReviewed: calendarDate(r) },
    reference: `anp-ref-${String(index).padStart(6, '0')}-${r.int(1000, 9999)}`,
    hash: hexHash(r),
    flags: { aiGeneratedStyle: r.chance(0.8), hasImages: images.length > 0, imageHeavy: images.length >= 3, needsHumanReview: r.chance(0.3) },
    checklist,
    entities: [
      { name: stack.name, type: 'stack' },
      { name: stack.area, type: 'area' },
      { name: problem, type: 'problem' },
    ],
    images,
    payload: { sourceId, generator: 'anp content synthesizer', paragraphs, scenario, seed: index },
    notes: r.sample(NOTES, r.int(1, 3)),
  };
  return { article: { sourceId, title, lede, sections, meta }, meta, stack, problem };
}

/** A later edition of the same document: new view count, one paragraph rewritten, a version bump. */
function applyVariant(model: Model, seed: number, index: number, variant: number): void {
  const r = rng(mixSeed(seed, index, STREAM.variant, variant));
  model.meta.viewCount = (model.meta.viewCount ?? 0) + r.int(1, 50_000);
  const revision = model.meta.revision;
  if (revision?.version) {
    const [major, minor, patch] = revision.version.split('.').map(Number);
    revision.version = `${major ?? 0}.${minor ?? 0}.${(patch ?? 0) + variant}`;
  }
  const slots: { section: Section; at: number }[] = [];
  for (const section of model.article.sections) {
    section.blocks.forEach((block, at) => {
      if (block.type === 'paragraph') slots.push({ section, at });
    });
  }
  const slot = slots.length > 0 ? r.pick(slots) : undefined;
  if (slot) slot.section.blocks[slot.at] = { type: 'paragraph', text: `${r.pick(PARAGRAPHS)} edition ${variant} of this note adds one more check.` };
}

// ---- rendering: the model as an export, with the quirks FORMAT.md allows ----

type Overrides = Map<string, string | null>;

function htmlize(r: Rng, text: string, probability: number): string {
  if (!r.chance(probability)) return text;
  const words = text.split(' ');
  const at = r.int(0, words.length - 1);
  if (r.chance(0.5)) words[at] = r.pick(HTML_WRAPS)(words[at] ?? '');
  else words.splice(at, 0, r.pick(HTML_INSERTS));
  return words.join(r.chance(0.1) ? ' \t' : ' ');
}

function label(r: Rng, text: string): string {
  const style = r.next();
  if (style < 0.85) return text;
  if (style < 0.95) return text.replace(/\b\w/g, (c) => c.toUpperCase());
  return text.toUpperCase();
}

function spacedKey(key: string): string {
  return key.replace(/[A-Z]/g, (c) => ` ${c.toLowerCase()}`);
}

function grouped(value: number): string {
  return String(value).replace(/\B(?=(\d{3})+$)/g, ',');
}

function renderBody(r: Rng, model: Model): string[] {
  const lines: string[] = [];
  if (r.chance(0.5)) lines.push(r.pick(['| | |', '| |', ' | | | ']), '');
  lines.push(htmlize(r, model.article.title, 0.1), '');
  if (model.article.lede !== null) lines.push(htmlize(r, model.article.lede, 0.15), '');
  const bullet = r.pick(['  • ', '    • ', '• ']);
  for (const section of model.article.sections) {
    if (section.heading !== null) lines.push(r.chance(0.05) ? `<b>${section.heading}</b>` : section.heading, '');
    let previous: Block['type'] | null = null;
    for (const block of section.blocks) {
      // Images right under a list without a blank line, as alphanode renders galleries.
      if (block.type === 'image' && (previous === 'list' || previous === 'image') && r.chance(0.6)) lines.pop();
      if (block.type === 'paragraph') lines.push(htmlize(r, block.text, 0.2));
      else if (block.type === 'code') lines.push(...block.text.split('\n').flatMap((line) => (line === '' && r.chance(0.2) ? ['', ''] : [line])));
      else if (block.type === 'image') lines.push(block.caption, `${block.caption}. image source: ${block.source}`);
      else {
        lines.push(...block.items.map((item) => bullet + htmlize(r, item, 0.05)));
        if (r.chance(0.2)) lines.push(bullet + (block.items[0] ?? '').toUpperCase());
      }
      lines.push('');
      if (r.chance(0.03)) lines.push('| |', '');
      previous = block.type;
    }
  }
  return lines;
}

function renderMeta(r: Rng, model: Model, overrides: Overrides): string[] {
  const m = model.meta;
  const lines: string[] = [];
  const indent = r.pick(['  • ', '    • ']);
  const value = (path: string, fallback: string): string | null => (overrides.has(path) ? (overrides.get(path) ?? null) : fallback);
  const scalar = (name: string, path: string, fallback: string) => {
    const v = value(path, fallback);
    if (v !== null) lines.push(label(r, name) + r.pick(['', '', '', '', ': ', '\t']) + v);
  };
  const block = (name: string, bullets: (string | null)[]) => {
    lines.push(label(r, name));
    for (const b of bullets) if (b !== null) lines.push(indent + b);
  };
  const object = (name: string, path: string, record: Record<string, string | number | boolean | undefined>) =>
    block(
      name,
      Object.entries(record).map(([key, raw]) => {
        const v = value(`${path}.${key}`, typeof raw === 'boolean' ? (raw ? '1' : '0') : String(raw));
        return v === null ? null : `${label(r, spacedKey(key))}: ${v}`;
      }),
    );

  scalar('topic', 'topic', m.topic ?? '');
  scalar('summary', 'summary', htmlize(r, m.summary ?? '', 0.1));
  object('ai outline', 'outline', m.outline ?? {});
  scalar('ai brief', 'brief', m.brief ?? '');
  block('stack', m.stack ?? []);
  const tools = [...(m.tools ?? [])];
  if (r.chance(0.3)) tools.push((tools[0] ?? '').toUpperCase());
  block('tools', tools);
  scalar('code language', 'codeLanguage', m.codeLanguage ?? '');
  scalar('difficulty', 'difficulty', r.chance(0.1) ? (m.difficulty ?? '').toUpperCase() : (m.difficulty ?? ''));
  scalar('reading time', 'readingTimeMinutes', String(m.readingTimeMinutes));
  scalar('view count', 'viewCount', r.chance(0.3) ? grouped(m.viewCount ?? 0) : String(m.viewCount));
  object('score', 'score', m.score ?? {});
  object('revision', 'revision', m.revision ?? {});
  if (m.extra) lines.push(...m.extra);
  scalar('reference', 'reference', m.reference ?? '');
  scalar('hash', 'hash', m.hash ?? '');
  object('flags', 'flags', m.flags ?? {});
  block('checklist', m.checklist ?? []);
  block('entities', m.entities?.flatMap((e) => [`name: ${e.name}`, `type: ${e.type}`]) ?? []);
  if (m.images.length > 0) {
    block(
      'image sources',
      m.images.flatMap((image, i) => [`source: ${image.source}`, `url: ${value(`images.${i}.url`, image.url) ?? ''}`, `caption: ${image.caption}`]),
    );
  }
  object('payload', 'payload', m.payload);
  block('notes', m.notes ?? []);
  return lines;
}

function render(r: Rng, model: Model, body: boolean, overrides: Overrides): string {
  const lines = body ? renderBody(r, model) : [r.pick(['', '| | |', '\n'])];
  lines.push('alphanode post meta', '', ...renderMeta(r, model, overrides), '', 'Similar Posts');
  if (r.chance(0.5)) lines.push('', ...r.sample(SIMILAR_POSTS, 2));
  for (let i = 0; i < lines.length; i++) if (r.chance(0.03)) lines[i] += r.pick([' ', '  ', '\t']);
  return lines.join(r.chance(0.2) ? '\r\n' : '\n');
}

// ---- malformed documents ----

type Breakage = { field: string; overrides?: Overrides; content?: (text: string) => string | Uint8Array; body?: boolean };

const encoder = new TextEncoder();

function injectBytes(text: string, r: Rng, bytes: number[]): Uint8Array {
  const encoded = encoder.encode(text);
  const at = r.int(0, encoded.length);
  const out = new Uint8Array(encoded.length + bytes.length);
  out.set(encoded.subarray(0, at));
  out.set(bytes, at);
  out.set(encoded.subarray(at), at + bytes.length);
  return out;
}

/** Offset just after the title line, so a cut export keeps its title and loses only the metadata. */
function titleEnd(text: string): number {
  let at = 0;
  for (;;) {
    const end = text.indexOf('\n', at);
    const line = text.slice(at, end === -1 ? text.length : end);
    if (end === -1 || /[^|\s]/.test(line)) return end === -1 ? text.length : end + 1;
    at = end + 1;
  }
}

function breakage(kind: BadKind, r: Rng, model: Model): Breakage {
  const one = (path: string, field: string, bad: readonly string[]): Breakage => ({ field, overrides: new Map([[path, r.pick(bad)]]) });
  switch (kind) {
    case 'empty':
      return { field: 'document', content: () => r.pick(['', '\n\n', '  \r\n\t\n']) };
    case 'binary':
      return { field: 'document', content: (text) => injectBytes(text, r, [0, 0, 0x89, 0x50, 0x4e, 0x47, 0]) };
    case 'notUtf8':
      return {
        field: 'document',
        content: (text) =>
          injectBytes(
            text,
            r,
            r.pick([
              [0xff, 0xfe],
              [0xc3, 0x28],
              [0xe2, 0x82],
            ]),
          ),
      };
    case 'noTitle':
      return { field: 'title', body: false };
    case 'truncated':
      return { field: 'meta', content: (text) => text.slice(0, r.int(titleEnd(text), text.indexOf('alphanode post meta') - 1)) };
    case 'viewCount':
      return one('viewCount', 'meta.viewCount', ['12k', 'about 3000', '-5', '1.5', '12,34', 'n/a']);
    case 'readingTime':
      return one('readingTimeMinutes', 'meta.readingTimeMinutes', ['0', '601', '900', 'ten', '5 min']);
    case 'difficulty':
      return one('difficulty', 'meta.difficulty', ['expert', 'hard', 'medium', '']);
    case 'hash':
      return one('hash', 'meta.hash', ['0962F2CF19E8C5B2', 'abc12', 'xyz0962f2cf19e8', `${'a'.repeat(65)}`]);
    case 'score': {
      const key = r.pick(['quality', 'freshness', 'depth', 'clarity']);
      return one(`score.${key}`, `meta.score.${key}`, ['101', '250', 'high', '-1', '9.5']);
    }
    case 'version':
      return one('revision.version', 'meta.revision.version', ['1.2', 'v1.2.3', '1.2.3.4', 'latest']);
    case 'lastReviewed':
      return one('revision.lastReviewed', 'meta.revision.lastReviewed', ['2023-02-30', '2023-13-01', '2021-02-29', '2024-04-31', '18/01/2023']);
    case 'flag': {
      const key = r.pick(['aiGeneratedStyle', 'hasImages', 'imageHeavy', 'needsHumanReview']);
      return one(`flags.${key}`, `meta.flags.${key}`, ['yes', '2', 'true', '']);
    }
    case 'imageUrl': {
      const at = r.int(0, model.meta.images.length - 1);
      return one(`images.${at}.url`, `meta.images[${at}].url`, [
        'javascript:alert(1)',
        'data:image/png;base64,iVBORw0KGgo=',
        'ftp://files.example.com/a.png',
        '//cdn.example.com/a.png',
        'https://',
      ]);
    }
    case 'missingSourceId':
      return { field: 'meta.payload.sourceId', overrides: new Map([['payload.sourceId', null]]) };
    case 'invalidSourceId':
      return one('payload.sourceId', 'meta.payload.sourceId', ['Alphanode-000001', '-alphanode', 'ab', 'alphanode 12', `a${'b'.repeat(90)}`]);
    case 'payloadNumber': {
      const key = r.pick(['paragraphs', 'seed']);
      return one(`payload.${key}`, `meta.payload.${key}`, ['six', '12.5', '-3', '1e3']);
    }
  }
}

export function synthesizeDocument(seed: number, index: number, options: SynthOptions = {}): SynthDocument {
  const bad = badKindFor(seed, index, options.badRatio ?? 0);
  const model = buildModel(seed, index, bad === 'imageUrl');
  const variant = options.variant ?? 0;
  if (variant > 0) applyVariant(model, seed, index, variant);
  const r = rng(mixSeed(seed, index, STREAM.render, variant));
  if (r.chance(0.1)) model.meta.extra = [r.pick(EXTRA_LINES)];
  const base = { index, sourceId: model.article.sourceId, fileName: fileNameFor(index) };
  if (bad === null) {
    const content = render(r, model, true, new Map());
    // FORMAT.md: an export without images has no image sources, so the article has no images key.
    if (model.meta.images.length === 0) delete (model.meta as Meta).images;
    return { ...base, content, expectBad: null, expectField: null, expected: model.article };
  }
  const broken = breakage(bad, rng(mixSeed(seed, index, STREAM.bad)), model);
  const text = render(r, model, broken.body ?? true, broken.overrides ?? new Map<string, string | null>());
  return { ...base, content: broken.content ? broken.content(text) : text, expectBad: bad, expectField: broken.field, expected: null };
}

/** Documents [from, from + count) one at a time, so any number streams out in constant memory. */
export function* synthesizeDocuments(seed: number, count: number, options: SynthOptions & { from?: number } = {}): Generator<SynthDocument> {
  const from = options.from ?? 0;
  for (let index = from; index < from + count; index++) yield synthesizeDocument(seed, index, options);
}
