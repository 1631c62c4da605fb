import { describe, expect, it } from 'vitest';
import { Article } from '../../src/domain/article/index.js';
import {
  articlePath,
  escapeHtml,
  escapeXml,
  labelFor,
  renderArticlePage,
  renderIndexPage,
  renderMetaBox,
  renderSitemap,
  surrogateKey,
} from '../../src/domain/site/index.js';
import { articleFixture } from '../helpers/site.js';

// The site's rendering: every text escaped, the meta box's array fields as lists, a well-formed sitemap.

const hostile = '<script>alert("x")</script> & \'quoted\'';

/** Everything between tags, i.e. the page's text: none of it may hold a raw `<`, `"` or `'` from content. */
function rawTagsIn(html: string): string[] {
  return html.match(/<[a-zA-Z/!?][^>]*>/g) ?? [];
}

describe('escaping', () => {
  it('escapes the five characters that break out of text or attributes', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
    expect(escapeHtml('plain text, ünïcode')).toBe('plain text, ünïcode');
  });

  it('drops characters XML cannot carry at all', () => {
    expect(escapeXml('a\u0000b\u0008c\u001fd\ufffee\ud800f&')).toBe('abcdef&amp;');
    expect(escapeXml('tab\tand\nnewline 😀')).toBe('tab\tand\nnewline 😀');
  });
});

describe('the article page', () => {
  const article = articleFixture('alphanode-000001', hostile, {
    summary: 'a <b>bold</b> summary',
    stack: ['python', '<img src=x onerror=alert(1)>'],
    tools: ['git', 'ruff'],
    checklist: ['first & foremost'],
    notes: ['note one'],
    extra: ['line one'],
    entities: [{ name: 'PostgreSQL', type: 'database' }],
    images: [{ source: 'example.com', url: 'https://example.com/a.png?x=1&y=2', caption: 'an image' }],
    outline: { context: 'ctx', problem: '<problem>' },
    score: { quality: 90 },
    flags: { needsHumanReview: false },
    readingTimeMinutes: 7,
  });
  article.sections[0]!.heading = '<h1>heading</h1>';
  article.sections[0]!.blocks.push({ type: 'image', caption: '<em>caption</em>', source: 'javascript:alert(1)' });
  const html = renderArticlePage({ environment: 'staging', slug: 'x--alphanode-000001', title: hostile, revision: 3, article });

  it('is a whole document whose text is escaped everywhere', () => {
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<img');
    expect(html).not.toContain('<b>');
    expect(html).not.toContain('<problem>');
    expect(html).not.toContain('<h1>heading');
    expect(html).not.toContain('<em>');
    // An image block's source is shown as text, never loaded or linked.
    expect(html).toContain('<div class="image-source">javascript:alert(1)</div><figcaption>&lt;em&gt;caption&lt;/em&gt;</figcaption>');
    expect(html).not.toMatch(/(src|href)="javascript/);
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;quoted&#39;');
    expect(html).toContain('<title>&lt;script&gt;');
    expect(html).toContain('<pre><code>let x = 1 &lt; 2 &amp;&amp; 3 &gt; 2;</code></pre>');
    // Every tag in the page is one the renderer wrote: none came from the content.
    const tags = new Set(rawTagsIn(html).map((t) => /^<\/?([a-zA-Z0-9!]+)/.exec(t)?.[1]?.toLowerCase()));
    expect([...tags].sort()).toEqual(
      [
        '!doctype',
        'a',
        'article',
        'aside',
        'body',
        'code',
        'dd',
        'dl',
        'dt',
        'figure',
        'h1',
        'h2',
        'head',
        'header',
        'html',
        'li',
        'main',
        'meta',
        'p',
        'pre',
        'section',
        'style',
        'title',
        'ul',
      ]
        .concat(['div', 'figcaption'])
        .sort(),
    );
  });

  it('renders every array field of the meta box as a list', () => {
    const box = renderMetaBox(article.meta);
    const listAfter = (label: string) => new RegExp(`<dt>${label}</dt><dd><ul>(.*?)</ul></dd>`).exec(box)?.[1];
    expect(listAfter('stack')).toBe('<li>python</li><li>&lt;img src=x onerror=alert(1)&gt;</li>');
    expect(listAfter('tools')).toBe('<li>git</li><li>ruff</li>');
    expect(listAfter('checklist')).toBe('<li>first &amp; foremost</li>');
    expect(listAfter('notes')).toBe('<li>note one</li>');
    expect(listAfter('extra')).toBe('<li>line one</li>');
    expect(listAfter('entities')).toBe('<li><dl><dt>name</dt><dd>PostgreSQL</dd><dt>type</dt><dd>database</dd></dl></li>');
    expect(listAfter('images')).toContain('<a href="https://example.com/a.png?x=1&amp;y=2" rel="nofollow noopener noreferrer">');
    // Every array in the meta record became exactly one list.
    const arrays = Object.values(article.meta).filter(Array.isArray).length;
    expect(box.match(/<dd><ul>/g)).toHaveLength(arrays);
  });

  it('renders nested records as definition lists and scalars as text, in the format order', () => {
    const box = renderMetaBox(article.meta);
    expect(box).toContain('<dt>outline</dt><dd><dl><dt>context</dt><dd>ctx</dd><dt>problem</dt><dd>&lt;problem&gt;</dd></dl></dd>');
    expect(box).toContain('<dt>reading time minutes</dt><dd>7</dd>');
    expect(box).toContain('<dt>needs human review</dt><dd>no</dd>');
    expect(box.indexOf('<dt>summary</dt>')).toBeLessThan(box.indexOf('<dt>stack</dt>'));
    expect(labelFor('recommendedAction')).toBe('recommended action');
  });

  it('renders a stored article the format accepts', () => {
    expect(Article.safeParse(article).success).toBe(true);
  });
});

describe('the index page', () => {
  it('links every article by its escaped, encoded path and escapes titles and summaries', () => {
    const html = renderIndexPage({
      environment: 'production',
      release: { id: 'rel-1', tag: '2026.01.02-1' },
      articles: [
        { slug: 'a--alphanode-000001', title: hostile, summary: '<i>s</i>' },
        { slug: 'b--alphanode-000002', title: 'Second', summary: null },
      ],
    });
    expect(html).toContain(`<a href="${articlePath('production', 'a--alphanode-000001')}">&lt;script&gt;`);
    expect(html).toContain('<p>&lt;i&gt;s&lt;/i&gt;</p>');
    expect(html).toContain('release 2026.01.02-1, 2 article(s)');
    expect(html.match(/<li>/g)).toHaveLength(2);
    expect(html).not.toContain('<script>');
  });
});

describe('the sitemap', () => {
  it('lists the index and every article as absolute URLs with lastmod, escaped', () => {
    const xml = renderSitemap('https://alphanode.dev/', 'production', [
      { slug: 'a--alphanode-000001', updatedAt: '2026-01-02T03:04:05.000Z' },
      { slug: 'b&c--alphanode-000002', updatedAt: '2026-01-03T00:00:00.000Z' },
    ]);
    expect(xml).toMatch(/^<\?xml version="1\.0" encoding="UTF-8"\?>\n<urlset xmlns="http:\/\/www\.sitemaps\.org\/schemas\/sitemap\/0\.9">/);
    expect(xml).toContain('<url><loc>https://alphanode.dev/production/</loc></url>');
    expect(xml).toContain('<url><loc>https://alphanode.dev/production/articles/a--alphanode-000001</loc><lastmod>2026-01-02T03:04:05.000Z</lastmod></url>');
    // The path is percent-encoded, so no bare `&` reaches the XML either way.
    expect(xml).toContain('<loc>https://alphanode.dev/production/articles/b%26c--alphanode-000002</loc>');
    expect(xml.match(/<url>/g)).toHaveLength(3);
    expect(xml.trimEnd()).toMatch(/<\/urlset>$/);
  });

  it('escapes a base that carries markup characters', () => {
    const xml = renderSitemap('https://a.dev/?x=1&y=<2>', 'staging', []);
    expect(xml).toContain('<loc>https://a.dev/?x=1&amp;y=&lt;2&gt;/staging/</loc>');
  });
});

describe('surrogate keys', () => {
  it('follow the shared convention', () => {
    expect(surrogateKey.article('staging', 'alphanode-000001')).toBe('staging:article:alphanode-000001');
    expect([surrogateKey.index('production'), surrogateKey.sitemap('production'), surrogateKey.site('production')]).toEqual([
      'production:index',
      'production:sitemap',
      'production:site',
    ]);
  });
});
