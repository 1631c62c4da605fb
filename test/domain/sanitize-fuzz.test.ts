// Issue 8 item 7: no markup survives sanitizing, whichever route (export text, canonical JSON) and
// whichever text field; code keeps its text verbatim; image URLs are real http(s) URLs, normalised.
import { describe, expect, it } from 'vitest';
import { normalizeHttpUrl } from '../../src/domain/article/schema.js';
import { parse, parseCanonical, parseCanonicalJson, plainText, sanitizeArticle, stripTags } from '../../src/domain/article/index.js';
import type { Article, ParseResult } from '../../src/domain/article/index.js';
import { extraLine } from '../../src/domain/article/sanitize.js';
import { rng } from '../../src/domain/random.js';
import type { Rng } from '../../src/domain/random.js';
import { VALID_EXPORT, withLine } from './fixtures.js';

/** What any HTML parser would read as the start of a tag, an end tag, a comment or a declaration. */
const MARKUP = /<[A-Za-z/!?]/;

const ISSUE_PAYLOADS = [
  '<<img src=x onerror=alert(1)>img src=x onerror=alert(1)>',
  '<img src=x onerror=alert(1)//',
  '<<script>script>alert(1)<</script>/script>',
  '<<script>script>',
  'x <<<b>b>b>y',
  '<!<!-- -->-- comment -->',
  '<</b>/b>',
];

function article(): Article {
  const result = parse(VALID_EXPORT);
  if (!result.ok) throw new Error('fixture must parse');
  return structuredClone(result.article);
}

/** Every string of an article but its code blocks (which are code, kept verbatim), with its path. */
function textFields(a: Article): [string, string][] {
  const out: [string, string][] = [];
  const walk = (value: unknown, path: string): void => {
    if (typeof value === 'string') out.push([path, value]);
    else if (Array.isArray(value)) value.forEach((v, i) => walk(v, `${path}[${i}]`));
    else if (typeof value === 'object' && value !== null) {
      if ((value as { type?: unknown }).type === 'code') return;
      for (const [k, v] of Object.entries(value)) walk(v, path === '' ? k : `${path}.${k}`);
    }
  };
  walk(a, '');
  return out;
}

function expectNoMarkup(result: ParseResult, what: string): void {
  if (!result.ok) return;
  for (const [path, text] of textFields(result.article)) {
    if (MARKUP.test(text)) throw new Error(`${what}: markup survived in ${path}: ${JSON.stringify(text)}`);
  }
}

/** An article with `soup` in every text field the canonical JSON route has. */
function soaked(soup: string): Article {
  const a = article();
  const text = (s: string) => `${s} ${soup}`;
  a.title = text(a.title);
  a.lede = text(a.lede ?? '');
  for (const section of a.sections) {
    if (section.heading !== null) section.heading = text(section.heading);
    section.blocks.push(
      { type: 'paragraph', text: text('p.') },
      { type: 'list', items: [text('i')] },
      { type: 'image', caption: text('c'), source: text('s') },
    );
  }
  const m = a.meta;
  for (const key of ['topic', 'summary', 'brief', 'codeLanguage', 'reference'] as const) m[key] = text(m[key] ?? '');
  m.outline = { context: text('c'), problem: text('p'), stack: text('s'), recommendedAction: text('r') };
  m.stack = [text('python')];
  m.tools = [text('git')];
  m.checklist = [text('a')];
  m.notes = [text('n')];
  m.extra = [text('e')];
  m.entities = [{ name: text('n'), type: text('t') }];
  m.images = [{ source: text('s'), url: 'https://example.com/a.png', caption: text('c') }];
  m.revision = { ...m.revision, status: text('drafted') };
  m.payload = { ...m.payload, generator: text('g'), scenario: text('s') };
  return a;
}

/** The fixture export with `soup` in the title, lede, a heading, paragraph, caption, list item and the meta text. */
function soakedExport(soup: string): string {
  let text = withLine('a title for testing', `a title ${soup}`);
  text = withLine('this is the lede paragraph.', `this is the lede ${soup} paragraph.`, text);
  text = withLine('paragraph one.', `paragraph ${soup} one.`, text);
  text = withLine('caption one', [`caption ${soup}`, `caption ${soup}. image source: example.com`], text);
  text = withLine('caption one. image source: example.com', null, text);
  text = withLine('  • item a', `  • item ${soup}`, text);
  text = withLine('  • git', `  • git ${soup}`, text);
  text = withLine('    • name: python', `    • name: python ${soup}`, text);
  text = withLine('  • a note', [`  • a note ${soup}`, `unlabelled ${soup}`], text);
  text = withLine('topicsome topic', `topic${soup}`, text);
  text = withLine('  • context: ctx', `  • context: ${soup}`, text);
  return text;
}

describe('the issue 8 payloads', () => {
  it.each([
    ['<<img src=x onerror=alert(1)>img src=x onerror=alert(1)>', ''],
    ['a <<img src=x onerror=alert(1)>img src=x onerror=alert(1)> b', 'a  b'],
    ['<img src=x onerror=alert(1)//', '< img src=x onerror=alert(1)//'],
    ['<<script>script>', '<'],
    ['<<script>script>alert(1)<</script>/script>', ''],
    ['x<y', 'x< y'],
    ['a </b', 'a < /b'],
    ['a <!b', 'a < !b'],
    ['a <?php', 'a < ?php'],
    ['1 < 2 and 3 > 2', '1 < 2 and 3 > 2'],
    ['<</b>/b>tail', 'tail'],
    ['<</>/b>x', 'x'],
    // `<!` opens a declaration that ends at the first `>`, as in HTML.
    ['<!<!-- -->-- comment -->z', '-- comment -->z'],
    ['<' + '<'.repeat(10) + 'img>'.repeat(11), ''],
    ['a<<<' + 'b>'.repeat(2) + 'c', 'a< c'],
  ])('stripTags(%j) → %j', (input, output) => {
    const stripped = stripTags(input);
    expect(stripped).toEqual(output);
    expect(MARKUP.test(stripped)).toBe(false);
    expect(stripTags(stripped)).toBe(stripped);
  });

  it('5,000 nested joins are unwound to the last one', () => {
    expect(stripTags(`${'<'.repeat(5000)}${'img>'.repeat(5000)}z`)).toBe('z');
    expect(stripTags(`${'<'.repeat(5001)}${'img>'.repeat(5000)}z`)).toBe('< z');
  });

  it('no payload survives in any text field of a canonical JSON article', () => {
    for (const soup of ISSUE_PAYLOADS) {
      const result = parseCanonical(soaked(soup));
      if (!result.ok) throw new Error(`${soup}: ${JSON.stringify(result.errors)}`);
      expectNoMarkup(result, soup);
      expect(result.article.meta.extra).toHaveLength(1);
    }
  });

  it('no payload survives in any text field of an export', () => {
    for (const soup of ISSUE_PAYLOADS) {
      const result = parse(soakedExport(soup));
      if (!result.ok) throw new Error(`${soup}: ${JSON.stringify(result.errors)}`);
      expectNoMarkup(result, soup);
      expect(result.article.meta.extra?.length).toBeGreaterThan(0);
    }
  });

  it('a title that was only markup is refused on title, on both routes', () => {
    const payload = '<<img src=x onerror=alert(1)>img src=x onerror=alert(1)>';
    const json = parseCanonical({ ...article(), title: payload });
    expect(json.ok ? [] : json.errors.map((e) => e.field)).toEqual(['title']);
    const text = parse(withLine('a title for testing', payload));
    expect(text.ok ? [] : text.errors.map((e) => e.field)).toEqual(['title']);
  });

  it('code keeps its text verbatim', () => {
    const code = 'if (a<b && c>d) {\n  el.innerHTML = "<<img src=x onerror=alert(1)>img>";\n}';
    const a = article();
    a.sections[0]!.blocks.push({ type: 'code', text: code });
    const result = parseCanonical(a);
    expect(result.ok && result.article.sections[0]!.blocks.at(-1)).toEqual({ type: 'code', text: code });
    const exported = parse(withLine('code line 1', ['List<String> xs = f();', '<<script>script>x'], withLine('code line 2', null)));
    expect(exported.ok && exported.article.sections[1]!.blocks[1]).toEqual({ type: 'code', text: 'List<String> xs = f();\n<<script>script>x' });
  });
});

describe('stripTags stays linear', () => {
  it.each([
    ['nested joins', '<'.repeat(300_000) + 'img src=x>'.repeat(300_000)],
    ['unclosed openers', '<a'.repeat(500_000)],
    ['held brackets, no tags', '<'.repeat(1_000_000) + ' x'],
    ['unclosed scripts', '<<script>script>'.repeat(100_000)],
    ['near-miss closers', `<script>${'</scrip'.repeat(200_000)}`],
  ])('%s', (_name, hostile) => {
    const start = performance.now();
    const out = stripTags(hostile);
    expect(performance.now() - start).toBeLessThan(1000);
    expect(MARKUP.test(out)).toBe(false);
  });
});

describe('image URLs', () => {
  it.each([
    ['https://example.com/a.png', 'https://example.com/a.png'],
    ['https://example.com', 'https://example.com/'],
    ['HTTPS://Example.COM/a/../b.png?q=1#f', 'https://example.com/b.png?q=1#f'],
    ['http://example.com:80/x', 'http://example.com/x'],
    ['https://exämple.com/a.png', 'https://xn--exmple-cua.com/a.png'],
    ['https://dummyimage.com/1200x630/111827/ffffff.png&text=a+b+', 'https://dummyimage.com/1200x630/111827/ffffff.png&text=a+b+'],
  ])('%j is stored as %j', (input, href) => {
    expect(normalizeHttpUrl(input)).toBe(href);
    expect(normalizeHttpUrl(href)).toBe(href);
  });

  it.each([
    'https://x/"><script>',
    "https://x/'onerror=alert(1)",
    'https://x/<b>',
    'https://x/a b',
    'https://x/\\evil',
    'https://x/`',
    'javascript:alert(1)',
    'data:image/png;base64,iVBORw0KGgo=',
    'https:x.png',
    'https:///x.png',
    'https://',
    'https://[::1',
    'ftp://x/a.png',
    '//cdn.example.com/a.png',
  ])('%j is refused', (input) => {
    expect(normalizeHttpUrl(input)).toBeNull();
  });

  it('`https://x/"><script>` is refused on its field, from JSON and from an export', () => {
    const json = parseCanonicalJson(
      JSON.stringify({ ...article(), meta: { ...article().meta, images: [{ source: 's', url: 'https://x/"><script>', caption: 'c' }] } }),
    );
    expect(json.ok ? [] : json.errors).toEqual([{ field: 'meta.images[0].url', message: 'expected an http:// or https:// URL, got "https://x/\\"><script>"' }]);
    const text = parse(withLine('    • url: https://example.com/a.png', '    • url: https://x/"><script>'));
    expect(text.ok ? [] : text.errors.map((e) => e.field)).toEqual(['meta.images[0].url']);
  });

  it('a URL is stored normalised, and the stored article validates again unchanged', () => {
    const result = parse(withLine('    • url: https://example.com/a.png', '    • url: HTTPS://EXAMPLE.com/./a.png'));
    expect(result.ok && result.article.meta.images?.[0]?.url).toBe('https://example.com/a.png');
    const again = result.ok ? parseCanonical(result.article) : null;
    expect(again?.ok && again.article).toEqual(result.ok && result.article);
  });
});

/** Fragments that tag soups are made of: brackets, names, attributes, comment and declaration openers. */
const FRAGMENTS = [
  '<',
  '<',
  '<',
  '>',
  '>',
  '/',
  '!',
  '?',
  '--',
  '<!--',
  '-->',
  '</',
  '<!',
  '<?',
  'img',
  'script',
  'SCRIPT',
  'style',
  'b',
  'iframe',
  ' src=x',
  ' onerror=alert(1)',
  '"',
  "'",
  '=',
  ' ',
  '\t',
  'a',
  'x',
  '1',
  'é',
  '😀',
  '\u0007',
  '\n',
  '&lt;',
  '//',
  'svg/onload=alert(1)',
];

function soup(r: Rng): string {
  let out = '';
  for (let n = r.int(1, 24); n > 0; n--) out += r.pick(FRAGMENTS);
  return out;
}

describe('fuzz: 10,000 random tag soups', () => {
  it('never leave a tag in plain text or extra lines, and cleaning is idempotent', () => {
    const r = rng(7);
    for (let i = 0; i < 10_000; i++) {
      const input = soup(r);
      const text = plainText(input);
      if (MARKUP.test(text)) throw new Error(`soup ${i}: ${JSON.stringify(input)} → ${JSON.stringify(text)}`);
      expect(plainText(text)).toBe(text);
      const line = extraLine(input);
      if (line !== null && MARKUP.test(line)) throw new Error(`soup ${i} (extra): ${JSON.stringify(input)} → ${JSON.stringify(line)}`);
    }
  });

  it('never leave a tag in any text field of a canonical article or an export', () => {
    const r = rng(11);
    let accepted = 0;
    for (let i = 0; i < 10_000; i++) {
      const s = soup(r).replaceAll('\n', ' ');
      // Alternate the routes; both see every text field.
      const result = i % 2 === 0 ? parseCanonical(soaked(s)) : parse(soakedExport(s));
      if (result.ok) accepted++;
      expectNoMarkup(result, `soup ${i} ${JSON.stringify(s)}`);
      if (result.ok && i % 2 === 0) expect(sanitizeArticle(result.article)).toEqual(result.article);
    }
    expect(accepted).toBeGreaterThan(9_000);
  });
});
