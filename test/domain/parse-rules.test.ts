// FORMAT.md rule by rule: each rejection names its field, each quirk is accepted.
import { describe, expect, it } from 'vitest';
import { Article, parse, synthesizeDocuments } from '../../src/domain/article/index.js';
import type { ParseResult } from '../../src/domain/article/index.js';
import { VALID_EXPORT, withLine } from './fixtures.js';
import { stableStringify } from '../../src/domain/content.js';

function accepted(result: ParseResult) {
  if (!result.ok) throw new Error(`expected ok, got ${JSON.stringify(result.errors)}`);
  return result;
}

/** Asserts the document is rejected exactly on `field` and returns that error's message. */
function rejectedOn(result: ParseResult, field: string): string {
  if (result.ok) throw new Error(`expected a rejection on ${field}, got ok`);
  expect(result.errors.map((e) => e.field)).toEqual([field]);
  const message = result.errors[0]?.message ?? '';
  expect(message.length).toBeGreaterThan(0);
  return message;
}

describe('the valid fixture', () => {
  it('parses with no warnings', () => {
    const { article, warnings } = accepted(parse(VALID_EXPORT));
    expect(warnings).toEqual([]);
    expect(Article.safeParse(article).success).toBe(true);
    expect(article.sourceId).toBe('alphanode-000001');
    expect(article.title).toBe('a title for testing');
    expect(article.lede).toBe('this is the lede paragraph.');
    expect(article.sections).toEqual([
      { heading: null, blocks: [{ type: 'image', caption: 'caption one', source: 'example.com' }] },
      {
        heading: 'first heading',
        blocks: [
          { type: 'paragraph', text: 'paragraph one.' },
          { type: 'code', text: 'code line 1\ncode line 2' },
        ],
      },
      { heading: 'checklist', blocks: [{ type: 'list', items: ['item a', 'item b'] }] },
    ]);
    expect(article.meta.entities).toEqual([
      { name: 'python', type: 'stack' },
      { name: 'backend', type: 'area' },
    ]);
    expect(article.meta.extra).toBeUndefined();
  });

  it('accepts a Uint8Array and a string alike', () => {
    expect(parse(new TextEncoder().encode(VALID_EXPORT))).toEqual(parse(VALID_EXPORT));
  });
});

describe('rejections on document, title and meta', () => {
  it('an empty document', () => {
    expect(rejectedOn(parse(''), 'document')).toMatch(/empty/);
    expect(rejectedOn(parse(new Uint8Array()), 'document')).toMatch(/empty/);
  });

  it('a document of only white space', () => {
    expect(rejectedOn(parse(' \n\r\n\t \n'), 'document')).toMatch(/white space/);
  });

  it('bytes that are not UTF-8', () => {
    const bytes = new TextEncoder().encode(VALID_EXPORT);
    const broken = new Uint8Array([...bytes.subarray(0, 40), 0xff, 0xfe, ...bytes.subarray(40)]);
    expect(rejectedOn(parse(broken), 'document')).toMatch(/UTF-8/);
    expect(rejectedOn(parse(new Uint8Array([0xc3, 0x28, 0x41])), 'document')).toMatch(/not valid UTF-8/);
  });

  it('binary data (NUL bytes)', () => {
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d]);
    expect(rejectedOn(parse(png), 'document')).toMatch(/binary/);
    expect(rejectedOn(parse(`${VALID_EXPORT}\u0000`), 'document')).toMatch(/binary/);
  });

  it('a document over the size limit', () => {
    expect(rejectedOn(parse(VALID_EXPORT, { maxBytes: 100 }), 'document')).toMatch(/over the limit of 100 bytes/);
    expect(rejectedOn(parse(new TextEncoder().encode(VALID_EXPORT), { maxBytes: 100 }), 'document')).toMatch(/limit/);
    // Multi-byte text is measured in UTF-8 bytes, not characters.
    expect(rejectedOn(parse('é'.repeat(60), { maxBytes: 100 }), 'document')).toMatch(/120 bytes/);
    expect(parse(VALID_EXPORT, { maxBytes: VALID_EXPORT.length + 100 }).ok).toBe(true);
  });

  it('no title before the metadata block', () => {
    const text = VALID_EXPORT.slice(VALID_EXPORT.indexOf('alphanode post meta'));
    expect(rejectedOn(parse(text), 'title')).toMatch(/missing/);
    expect(rejectedOn(parse(`| | |\n\n\n${text}`), 'title')).toMatch(/missing/);
  });

  it('a title that is only markup', () => {
    expect(rejectedOn(parse(withLine('a title for testing', '<script>alert(1)</script>')), 'title')).toMatch(/markup/);
  });

  it('no metadata block: the export was truncated', () => {
    const text = VALID_EXPORT.slice(0, VALID_EXPORT.indexOf('alphanode post meta'));
    expect(rejectedOn(parse(text), 'meta')).toMatch(/truncated/);
  });
});

describe('rejections on scalar meta fields', () => {
  it.each([['12k'], ['-5'], ['1.5'], ['12,34'], ['']])('view count %j', (value) => {
    expect(rejectedOn(parse(withLine('view count201251', `view count${value}`)), 'meta.viewCount')).toBe(
      `expected a whole number >= 0, got ${JSON.stringify(value)}`,
    );
  });

  it('view count with thousands separators is accepted', () => {
    expect(accepted(parse(withLine('view count201251', 'view count1,201,251'))).article.meta.viewCount).toBe(1201251);
  });

  it.each([['0'], ['601'], ['ten']])('reading time %j', (value) => {
    expect(rejectedOn(parse(withLine('reading time9', `reading time${value}`)), 'meta.readingTimeMinutes')).toMatch(/from 1 to 600/);
  });

  it('reading time at the edges is accepted', () => {
    expect(accepted(parse(withLine('reading time9', 'reading time1'))).article.meta.readingTimeMinutes).toBe(1);
    expect(accepted(parse(withLine('reading time9', 'reading time600'))).article.meta.readingTimeMinutes).toBe(600);
  });

  it('difficulty outside the three levels', () => {
    expect(rejectedOn(parse(withLine('difficultyadvanced', 'difficultyexpert')), 'meta.difficulty')).toMatch(
      /beginner, intermediate or advanced, got "expert"/,
    );
  });

  it('difficulty is case-insensitive and stored lower case', () => {
    expect(accepted(parse(withLine('difficultyadvanced', 'difficultyIntermediate'))).article.meta.difficulty).toBe('intermediate');
  });

  it.each([['0962F2CF19E8C5B2'], ['abc1234'], ['zz62f2cf19e8'], ['a'.repeat(65)]])('hash %j', (value) => {
    expect(rejectedOn(parse(withLine('hash0962f2cf19e8c5b25586106d', `hash${value}`)), 'meta.hash')).toMatch(/lower-case hex/);
  });
});

describe('rejections on block meta fields', () => {
  it.each([
    ['quality', '101'],
    ['freshness', '-1'],
    ['depth', 'high'],
    ['clarity', '9.5'],
  ])('score %s = %s', (key, value) => {
    const label = key === 'quality' ? '  • quality: 98' : key === 'freshness' ? '  • freshness: 89' : key === 'depth' ? '  • depth: 95' : '  • clarity: 79';
    expect(rejectedOn(parse(withLine(label, `  • ${key}: ${value}`)), `meta.score.${key}`)).toMatch(/from 0 to 100/);
  });

  it.each([['1.2'], ['v1.2.3'], ['1.2.3.4']])('revision version %j', (value) => {
    expect(rejectedOn(parse(withLine('  • version: 1.8.1', `  • version: ${value}`)), 'meta.revision.version')).toMatch(/N\.N\.N/);
  });

  it.each([['2023-02-30'], ['2023-13-01'], ['2021-02-29'], ['2024-04-31'], ['18/01/2023'], ['2023-1-18']])('revision last reviewed %j', (value) => {
    expect(rejectedOn(parse(withLine('  • last reviewed: 2023-01-18', `  • last reviewed: ${value}`)), 'meta.revision.lastReviewed')).toMatch(
      /real calendar date/,
    );
  });

  it('a leap day is a real date', () => {
    expect(accepted(parse(withLine('  • last reviewed: 2023-01-18', '  • last reviewed: 2024-02-29'))).article.meta.revision?.lastReviewed).toBe('2024-02-29');
  });

  it.each([['yes'], ['2'], ['true'], ['']])('flags not 0/1: %j', (value) => {
    expect(rejectedOn(parse(withLine('  • image heavy: 0', `  • image heavy: ${value}`)), 'meta.flags.imageHeavy')).toMatch(/expected 0 or 1/);
  });

  it.each([
    ['javascript:alert(1)'],
    ['data:image/png;base64,AAAA'],
    ['ftp://example.com/a.png'],
    ['//example.com/a.png'],
    ['https://'],
    ['https://exa mple.com/a.png'],
  ])('image url %j', (value) => {
    expect(rejectedOn(parse(withLine('    • url: https://example.com/a.png', `    • url: ${value}`)), 'meta.images[0].url')).toMatch(/http:\/\/ or https:\/\//);
  });

  it('the second image record is addressed by its index', () => {
    const text = withLine('    • caption: caption one', ['    • caption: caption one', '    • source: b.com', '    • url: data:x', '    • caption: two']);
    rejectedOn(parse(text), 'meta.images[1].url');
  });

  it('payload without a source id', () => {
    expect(rejectedOn(parse(withLine('  • source id: alphanode-000001', null)), 'meta.payload.sourceId')).toMatch(/missing/);
  });

  it('no payload block at all', () => {
    const text = ['payload', '  • source id: alphanode-000001', '  • generator: test', '  • paragraphs: 1', '  • scenario: testing', '  • seed: 1'].reduce(
      (t, line) => withLine(line, null, t),
      VALID_EXPORT,
    );
    expect(rejectedOn(parse(text), 'meta.payload.sourceId')).toMatch(/missing/);
  });

  it.each([['Alphanode-1'], ['ab'], ['-alphanode'], ['alpha node'], [`a${'b'.repeat(81)}`]])('invalid source id %j', (value) => {
    expect(rejectedOn(parse(withLine('  • source id: alphanode-000001', `  • source id: ${value}`)), 'meta.payload.sourceId')).toMatch(/\[a-z0-9\]/);
  });

  it.each([
    ['  • paragraphs: 1', '  • paragraphs: six', 'meta.payload.paragraphs'],
    ['  • seed: 1', '  • seed: 12.5', 'meta.payload.seed'],
    ['  • seed: 1', '  • seed: -3', 'meta.payload.seed'],
  ])('payload whole numbers: %s → %s', (from, to, field) => {
    expect(rejectedOn(parse(withLine(from, to)), field)).toMatch(/whole number/);
  });

  it('an entity record without a type', () => {
    rejectedOn(parse(withLine('    • type: area', null)), 'meta.entities[1].type');
  });

  it('reports one error per broken rule', () => {
    const text = withLine(
      'view count201251',
      'view count12k',
      withLine('hash0962f2cf19e8c5b25586106d', 'hashXYZ', withLine('  • depth: 95', '  • depth: 500')),
    );
    const result = parse(text);
    expect(result.ok ? [] : result.errors.map((e) => e.field).sort()).toEqual(['meta.hash', 'meta.score.depth', 'meta.viewCount']);
  });
});

describe('warnings', () => {
  it('payload paragraph count that does not match the sections', () => {
    const { warnings } = accepted(parse(withLine('  • paragraphs: 1', '  • paragraphs: 3')));
    expect(warnings).toEqual([{ field: 'meta.payload.paragraphs', message: expect.stringMatching(/3 paragraphs .* hold 1/) }]);
  });

  it('has images: 0 while image sources are listed', () => {
    const { warnings } = accepted(parse(withLine('  • has images: 1', '  • has images: 0')));
    expect(warnings.map((w) => w.field)).toEqual(['meta.flags.hasImages']);
  });

  it('has images: 1 with no image sources', () => {
    let text = VALID_EXPORT;
    for (const line of ['image sources', '    • source: example.com', '    • url: https://example.com/a.png', '    • caption: caption one'])
      text = withLine(line, null, text);
    const { article, warnings } = accepted(parse(text));
    expect(article.meta.images).toBeUndefined();
    expect(warnings.map((w) => w.field)).toEqual(['meta.flags.hasImages']);
  });
});

describe('quirks the format allows', () => {
  it('keeps unknown meta lines verbatim in meta.extra', () => {
    const { article } = accepted(parse(withLine('referenceanp-ref-1', ['referenceanp-ref-1', 'exported by anp 2.4', '  • stray bullet'])));
    expect(article.meta.extra).toEqual(['exported by anp 2.4', '  • stray bullet']);
  });

  it('accepts ": " and tab between label and value', () => {
    const text = withLine(
      'view count201251',
      'view count: 201251',
      withLine('hash0962f2cf19e8c5b25586106d', 'hash\t0962f2cf19e8c5b25586106d', withLine('topicsome topic', 'topic:\tsome topic')),
    );
    const { article } = accepted(parse(text));
    expect(article.meta.viewCount).toBe(201251);
    expect(article.meta.hash).toBe('0962f2cf19e8c5b25586106d');
    expect(article.meta.topic).toBe('some topic');
  });

  it('matches labels case-insensitively, bullet keys too', () => {
    const text = withLine(
      'view count201251',
      'VIEW COUNT201251',
      withLine('image sources', 'Image Sources', withLine('  • source id: alphanode-000001', '  • Source Id: alphanode-000001')),
    );
    const { article } = accepted(parse(text));
    expect(article.meta.viewCount).toBe(201251);
    expect(article.meta.images).toHaveLength(1);
    expect(article.sourceId).toBe('alphanode-000001');
  });

  it('matches the longest label first: `stack` block vs `stacked…`, `code language` vs `code`', () => {
    const text = withLine(
      'stack',
      ['stack'],
      withLine('code languagepython', ['code languagepython', 'stackoverflow answers linked: 3', 'code owners: platform']),
    );
    const { article } = accepted(parse(text));
    expect(article.meta.stack).toEqual(['python']);
    expect(article.meta.codeLanguage).toBe('python');
    expect(article.meta.extra).toEqual(['stackoverflow answers linked: 3', 'code owners: platform']);
  });

  it('reads \\r\\n line endings and trailing white space', () => {
    const text = VALID_EXPORT.split('\n')
      .map((line) => `${line}  \t`)
      .join('\r\n');
    expect(accepted(parse(text)).article).toEqual(accepted(parse(VALID_EXPORT)).article);
  });

  it('drops noise lines anywhere in the body', () => {
    const text = withLine('first heading', ['| |', '', 'first heading', '|  |  |']);
    expect(accepted(parse(text)).article).toEqual(accepted(parse(VALID_EXPORT)).article);
  });

  it('splits entity records when a key repeats, in any key order', () => {
    const text = withLine('    • type: area', ['    • type: area', '    • type: data', '    • name: postgres']);
    const { article } = accepted(parse(text));
    expect(article.meta.entities).toEqual([
      { name: 'python', type: 'stack' },
      { name: 'backend', type: 'area' },
      { name: 'postgres', type: 'data' },
    ]);
  });

  it('an entity record cut short by a repeated key is missing its other key', () => {
    const text = withLine('    • type: area', ['    • type: area', '    • name: lonely', '    • name: postgres', '    • type: data']);
    rejectedOn(parse(text), 'meta.entities[2].type');
  });

  it('de-duplicates tools case-insensitively, keeping the first spelling', () => {
    const { article } = accepted(parse(withLine('  • ruff', ['  • Ruff', '  • GIT', '  • ruff', '  • '])));
    expect(article.meta.tools).toEqual(['git', 'Ruff']);
  });

  it('de-duplicates list items and drops empty ones', () => {
    const { article } = accepted(parse(withLine('  • item b', ['  • item b', '  • ITEM A', '  •', '  • <br>'])));
    expect(article.sections[2]?.blocks[0]).toEqual({ type: 'list', items: ['item a', 'item b'] });
  });

  it('strips html tags and drops script and style elements with their content', () => {
    const text = withLine(
      'paragraph one.',
      'paragraph <b>one</b> has <script type="text/javascript">steal(document.cookie)</script> <style>p{}</style>a <a href="x">link</a> and a < b.',
    );
    const { article } = accepted(parse(withLine('a title for testing', '<h1>a title</h1> <!-- x --> for testing', text)));
    expect(article.title).toBe('a title for testing');
    expect(article.sections[1]?.blocks[0]).toEqual({ type: 'paragraph', text: 'paragraph one has a link and a < b.' });
  });

  it('a heading wrapped in markup is still a heading', () => {
    const { article } = accepted(parse(withLine('first heading', '<b>first heading</b>')));
    expect(article.sections[1]?.heading).toBe('first heading');
  });

  it('keeps markup inside code: it is code, not html', () => {
    const { article } = accepted(parse(withLine('code line 2', ['  List<String> xs = new ArrayList<>();', '  <div class="a"></div>'])));
    expect(article.sections[1]?.blocks[1]).toEqual({ type: 'code', text: 'code line 1\n  List<String> xs = new ArrayList<>();\n  <div class="a"></div>' });
  });

  it('drops control characters and collapses white space in text', () => {
    const { article } = accepted(parse(withLine('paragraph one.', 'paragraph\u0007   one\u202e\t\u00a0 here.')));
    expect(article.sections[1]?.blocks[0]).toEqual({ type: 'paragraph', text: 'paragraph one here.' });
  });

  it('joins code chunks separated by blank lines with one blank line', () => {
    const { article } = accepted(parse(withLine('code line 2', ['code line 2', '', '', 'code line 3', '    indented();'])));
    expect(article.sections[1]?.blocks[1]).toEqual({ type: 'code', text: 'code line 1\ncode line 2\n\ncode line 3\n    indented();' });
  });

  it('splits a chunk around adjacent images', () => {
    const text = withLine('  • item b', ['  • item b', 'pic two', 'pic two. image source: b.com', 'pic three', 'pic three. image source: c.com']);
    const { article } = accepted(parse(text));
    expect(article.sections[2]?.blocks).toEqual([
      { type: 'list', items: ['item a', 'item b'] },
      { type: 'image', caption: 'pic two', source: 'b.com' },
      { type: 'image', caption: 'pic three', source: 'c.com' },
    ]);
  });

  it('lede is null when the first block is not a paragraph', () => {
    const { article } = accepted(parse(withLine('this is the lede paragraph.', null)));
    expect(article.lede).toBeNull();
    expect(article.sections[0]?.heading).toBeNull();
  });

  it('classifies headings (<= 8 words of letters, digits, spaces, -) and one-line code', () => {
    const text = withLine('paragraph one.', ['paragraph one.', '', 'one two three four five six seven eight nine', '', 'step-by-step 2 notes', '', 'x = 1']);
    const { article } = accepted(parse(withLine('  • paragraphs: 1', '  • paragraphs: 1', text)));
    expect(article.sections.map((s) => s.heading)).toEqual([null, 'first heading', 'step-by-step 2 notes', 'checklist']);
    expect(article.sections[1]?.blocks.map((b) => b.type)).toEqual(['paragraph', 'code']);
    expect(article.sections[2]?.blocks).toEqual([{ type: 'code', text: 'x = 1\n\ncode line 1\ncode line 2' }]);
  });

  it('ignores everything after Similar Posts', () => {
    const text = `${VALID_EXPORT}\nview count12k\nhashNOPE`;
    expect(accepted(parse(text)).article.meta.viewCount).toBe(201251);
  });

  it('the same bytes always give the same answer', () => {
    const text = withLine('view count201251', 'view count12k');
    expect(parse(text)).toEqual(parse(text));
  });
});

describe('the order of what the parser gives back', () => {
  // stableStringify hands a subtree whose keys are all sorted to the native JSON.stringify: the export
  // parser builds accepted articles that way (MetaInKeyOrder), so their canonical JSON costs half.
  it('an accepted article has every key in sorted order, so its canonical JSON is its plain JSON', () => {
    const docs = [VALID_EXPORT, ...[...synthesizeDocuments(7, 100)].map((d) => d.content)];
    let accepted = 0;
    for (const doc of docs) {
      const result = parse(doc);
      if (!result.ok) continue;
      accepted++;
      expect(JSON.stringify(result.article)).toBe(stableStringify(result.article));
    }
    expect(accepted).toBeGreaterThan(90);
  });

  it('meta errors come in the order FORMAT.md lists the fields, not in key order', () => {
    let text = withLine('reading time9', 'reading time0');
    text = withLine('hash0962f2cf19e8c5b25586106d', 'hashnot-a-hash', text);
    text = withLine('  • version: 1.8.1', '  • version: one', text);
    text = withLine('difficultyadvanced', 'difficultyexpert', text);
    const result = parse(text);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((e) => e.field)).toEqual(['meta.difficulty', 'meta.readingTimeMinutes', 'meta.hash', 'meta.revision.version']);
  });
});
