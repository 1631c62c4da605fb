// Canonical JSON articles: one schema, the same field paths, the same text rules as exports.
import { describe, expect, it } from 'vitest';
import { parse, parseCanonical, parseCanonicalJson, parseCanonicalNdjson, sanitizeArticle, stripTags } from '../../src/domain/article/index.js';
import type { Article } from '../../src/domain/article/index.js';
import { VALID_EXPORT } from './fixtures.js';

function article(): Article {
  const result = parse(VALID_EXPORT);
  if (!result.ok) throw new Error('fixture must parse');
  return structuredClone(result.article);
}

function fields(result: ReturnType<typeof parseCanonical>): string[] {
  return result.ok ? [] : result.errors.map((e) => e.field);
}

describe('canonical JSON', () => {
  it('round-trips a parsed article', () => {
    const result = parseCanonicalJson(JSON.stringify(article()));
    expect(result.ok && result.article).toEqual(article());
  });

  it('reports zod issues with FORMAT.md paths and messages', () => {
    const a = article() as unknown as { meta: Record<string, unknown> & { images: { url: string }[]; score: Record<string, unknown> } };
    a.meta.images[0]!.url = 'javascript:alert(1)';
    a.meta.score.depth = 101;
    a.meta.viewCount = '12k';
    const result = parseCanonical(a);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toEqual(
      expect.arrayContaining([
        { field: 'meta.images[0].url', message: 'expected an http:// or https:// URL, got "javascript:alert(1)"' },
        { field: 'meta.score.depth', message: 'expected a whole number from 0 to 100, got 101' },
        { field: 'meta.viewCount', message: 'expected a whole number >= 0, got "12k"' },
      ]),
    );
  });

  it('rejects unknown keys, a missing title and a mismatched identity', () => {
    const extraKey = { ...article(), surprise: 1 };
    expect(fields(parseCanonical(extraKey))).toEqual(['surprise']);
    const { title: _title, ...untitled } = article();
    expect(fields(parseCanonical(untitled))).toEqual(['title']);
    expect(fields(parseCanonical({ ...article(), sourceId: 'alphanode-999999' }))).toEqual(['sourceId']);
  });

  it('validates calendar dates and block types', () => {
    const a = article();
    a.meta.revision = { ...a.meta.revision, lastReviewed: '2023-02-30' };
    (a.sections[0]!.blocks as unknown[]).push({ type: 'video', src: 'x' });
    const result = parseCanonical(a);
    expect(result.ok ? [] : result.errors).toEqual([
      { field: 'sections[0].blocks[1].type', message: 'expected a block type of paragraph, code, list or image, got "video"' },
      { field: 'meta.revision.lastReviewed', message: 'expected a real calendar date YYYY-MM-DD, got "2023-02-30"' },
    ]);
  });

  it('sanitizes text on the way in, and re-validates what is left', () => {
    const a = article();
    a.title = '<b>clean</b>\u0007   title';
    a.meta.tools = ['git', 'GIT', ' <i>ruff</i> '];
    const result = parseCanonical(a);
    expect(result.ok && result.article.title).toBe('clean title');
    expect(result.ok && result.article.meta.tools).toEqual(['git', 'ruff']);
    expect(fields(parseCanonical({ ...article(), title: '<script>x</script>' }))).toEqual(['title']);
  });

  it('warns like the export parser does', () => {
    const a = article();
    a.meta.payload.paragraphs = 9;
    const result = parseCanonical(a);
    expect(result.ok && result.warnings.map((w) => w.field)).toEqual(['meta.payload.paragraphs']);
  });

  it('refuses text that is not JSON, not an object, empty or not UTF-8', () => {
    expect(fields(parseCanonicalJson('{"title": '))).toEqual(['document']);
    expect(fields(parseCanonicalJson('[1, 2]'))).toEqual(['document']);
    expect(fields(parseCanonicalJson(''))).toEqual(['document']);
    expect(fields(parseCanonicalJson(new Uint8Array([0x7b, 0xff, 0x7d])))).toEqual(['document']);
  });

  it('reads .ndjson one line at a time, numbering lines from 1 and skipping blank ones', () => {
    const good = JSON.stringify(article());
    const results = parseCanonicalNdjson(`${good}\n\n{"bad": true}\r\nnot json\n${good}\n`);
    expect(results.map((r) => [r.line, r.result.ok])).toEqual([
      [1, true],
      [3, false],
      [4, false],
      [5, true],
    ]);
  });

  it('sanitizeArticle is idempotent', () => {
    const once = sanitizeArticle(article());
    expect(sanitizeArticle(once)).toEqual(once);
  });
});

describe('stripTags', () => {
  it.each([
    ['plain text', 'plain text'],
    ['a <b>bold</b> move', 'a bold move'],
    ['x <script>alert(1)</script>y', 'x y'],
    ['x <SCRIPT type="a">alert(1)</ScRiPt >y', 'x y'],
    ['x <style>p{}</style>y', 'x y'],
    ['unclosed <script>alert(1)', 'unclosed '],
    ['a < b and c > d', 'a < b and c > d'],
    // No `>` follows, so no tag; but `<` before a letter stays markup to a renderer: it gets a space.
    ['x<y', 'x< y'],
    ['a <!-- hidden --> b', 'a  b'],
    ['<img src=x onerror=alert(1)>caption', 'caption'],
    ['<scripts>kept</scripts>', 'kept'],
  ])('%j → %j', (input, output) => {
    expect(stripTags(input)).toBe(output);
  });

  it('is linear on hostile input', () => {
    const hostile = '<a'.repeat(200_000) + '<script>'.repeat(50_000);
    const start = performance.now();
    stripTags(hostile);
    expect(performance.now() - start).toBeLessThan(1000);
  });
});
