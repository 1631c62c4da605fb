import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CHANGELOG_LIST_LIMIT, escapeMarkdown, renderChangelog } from '../../src/domain/release/changelog.js';
import {
  CHECK_EXAMPLES,
  CONTENT_CHECKS,
  codeForLanguage,
  imagesComplete,
  plausibleReadingTime,
  requiredFields,
  reviewCleared,
  runContentChecks,
  wordCount,
  type CheckSubject,
} from '../../src/domain/release/checks.js';
import { diffManifests, manifestChanges } from '../../src/domain/release/diff.js';
import { candidateKey, manifestText, releaseIdFromHash, rollbackKey, isReleaseId } from '../../src/domain/release/identity.js';
import { DIFF_SAMPLE, type ManifestEntry } from '../../src/domain/release/model.js';
import { nextTag, parseTag, tagDay } from '../../src/domain/release/tag.js';
import { sampleArticle } from '../helpers/release-fixtures.js';

const approved: CheckSubject['review'] = { approved: true, by: 'editor', published: false };
const subject = (article = sampleArticle('art-000001'), review = approved): CheckSubject => ({ sourceId: article.sourceId, revision: 1, article, review });
const clone = <T>(value: T): T => structuredClone(value);

describe('content checks', () => {
  it('a complete, reviewed article passes every check', () => {
    const report = runContentChecks([subject()]);
    expect(report.passed).toBe(true);
    expect(report.results.map((r) => [r.check, r.severity, r.passed])).toEqual(CONTENT_CHECKS.map((c) => [c.name, c.severity, true]));
  });

  it('required fields: a blank title, a missing summary, an empty body and a mismatched payload id each fail, by name', () => {
    const article = clone(sampleArticle('art-000001'));
    article.title = '  ';
    delete article.meta.summary;
    article.lede = null;
    article.sections = [];
    article.meta.payload.sourceId = 'someone-else';
    const messages = requiredFields.run(subject(article));
    expect(messages).toHaveLength(4);
    expect(messages.join('\n')).toMatch(/^title: missing/m);
    expect(messages.join('\n')).toMatch(/^meta\.summary: missing/m);
    expect(messages.join('\n')).toMatch(/^body: empty/m);
    expect(messages.join('\n')).toContain('someone-else');
  });

  it('review: not approved blocks; a flagged article needs a reviewer, not a policy; what the live release published passes', () => {
    const flagged = sampleArticle('art-000002', { needsHumanReview: true });
    expect(reviewCleared.run(subject(undefined, { approved: false, by: null, published: false }))[0]).toMatch(/revision 1 is not approved/);
    expect(reviewCleared.run(subject(flagged, { approved: true, by: null, published: false }))[0]).toMatch(
      /flagged for human review.*review approve art-000002/,
    );
    expect(reviewCleared.run(subject(flagged, { approved: true, by: 'ana', published: false }))).toEqual([]);
    expect(reviewCleared.run(subject(flagged, { approved: false, by: null, published: true }))).toEqual([]);
  });

  it('images: a blank caption, a non-http URL and a body image with no listed URL block', () => {
    const article = clone(sampleArticle('art-000003'));
    const image = article.meta.images?.[0];
    if (!image) throw new Error('fixture has an image');
    image.url = 'javascript:alert(1)';
    image.caption = ' ';
    article.sections[0]?.blocks.push({ type: 'image', caption: 'an orphan picture', source: 'elsewhere.org' });
    const messages = imagesComplete.run(subject(article));
    expect(messages).toEqual([
      'meta.images[0]: no caption, expected a non-empty caption',
      'meta.images[0].url: expected an http:// or https:// URL, got "javascript:alert(1)"',
      expect.stringMatching(/^image "an orphan picture": no URL/),
    ]);
    // The first body image is still served: its host is listed even though the caption was blanked.
    expect(messages.filter((m) => m.includes('the queue and its workers'))).toEqual([]);
  });

  it('warnings: a named code language with no code block, and an implausible reading time, do not block', () => {
    const article = clone(sampleArticle('art-000004'));
    article.sections[0]!.blocks = article.sections[0]!.blocks.filter((b) => b.type !== 'code');
    article.meta.readingTimeMinutes = 90;
    expect(codeForLanguage.run(subject(article))).toEqual(['meta.codeLanguage is python but the article has no code block']);
    expect(plausibleReadingTime.run(subject(article))[0]).toMatch(/reading time 90 min is implausible for \d+ words/);
    const report = runContentChecks([subject(article)]);
    expect(report.passed).toBe(true);
    expect(report.results.filter((r) => !r.passed).map((r) => [r.check, r.severity])).toEqual([
      ['code-for-language', 'warning'],
      ['reading-time', 'warning'],
    ]);
  });

  it('reading time: the bounds follow the word count (20 to 600 words a minute, a minute either way)', () => {
    const article = clone(sampleArticle('art-000005'));
    const words = wordCount(article);
    expect(words).toBeGreaterThan(20);
    article.meta.readingTimeMinutes = Math.ceil(words / 20) + 1;
    expect(plausibleReadingTime.run(subject(article))).toEqual([]);
    article.meta.readingTimeMinutes += 1;
    expect(plausibleReadingTime.run(subject(article))).toHaveLength(1);
    const long = clone(article);
    long.sections[0]!.blocks.push({ type: 'paragraph', text: Array.from({ length: 3000 }, () => 'word').join(' ') });
    long.meta.readingTimeMinutes = 1;
    expect(plausibleReadingTime.run(subject(long))[0]).toMatch(/for 3043 words: expected at least 4 min/);
  });

  it('aggregates per check: exact failure counts, capped examples, and a failed blocking check fails the report', () => {
    const broken = Array.from({ length: CHECK_EXAMPLES + 5 }, (_, i) =>
      subject(sampleArticle(`art-${String(i).padStart(6, '0')}`), { approved: false, by: null, published: false }),
    );
    const report = runContentChecks([subject(), ...broken]);
    const review = report.results.find((r) => r.check === 'review-cleared');
    expect(review).toMatchObject({ passed: false, failures: CHECK_EXAMPLES + 5, severity: 'blocking' });
    expect(review?.examples).toHaveLength(CHECK_EXAMPLES);
    expect(report.passed).toBe(false);
  });

  it('a check that throws on a malformed stored revision fails it instead of crashing the run', () => {
    const article = clone(sampleArticle('art-000006')) as unknown as { sections: unknown };
    article.sections = null;
    const report = runContentChecks([subject(article as never)]);
    expect(report.passed).toBe(false);
    // The body walk meets `sections: null`: the image check cannot read it, and says so.
    expect(report.results.find((r) => r.check === 'images-complete')?.examples[0]?.message).toMatch(/could not read this revision/);
  });
});

const entry = (sourceId: string, revision: number, title = `t ${sourceId}`): ManifestEntry => ({
  sourceId,
  revision,
  slug: `s--${sourceId}`,
  title,
  contentHash: `h${revision}`,
});

describe('manifest diff', () => {
  it('counts added, updated and removed exactly, and samples each in code-unit order', () => {
    const before = [entry('b', 1), entry('a', 1), entry('c', 1)];
    const after = [entry('a', 1), entry('b', 2), entry('d', 1), entry('B', 1)];
    expect(diffManifests(before, after)).toEqual({ added: 2, updated: 1, removed: 1, sample: { added: ['B', 'd'], updated: ['b'], removed: ['c'] } });
    expect(manifestChanges(before, after).find((c) => c.sourceId === 'b')).toMatchObject({ kind: 'updated', from: 1, to: 2, contentHash: 'h2' });
  });

  it('caps samples at DIFF_SAMPLE while counts stay exact; nothing live means everything is added', () => {
    const after = Array.from({ length: DIFF_SAMPLE * 3 }, (_, i) => entry(`id-${String(i).padStart(4, '0')}`, 1));
    const diff = diffManifests(null, after);
    expect(diff.added).toBe(DIFF_SAMPLE * 3);
    expect(diff.sample.added).toHaveLength(DIFF_SAMPLE);
    expect(diff.sample.added[0]).toBe('id-0000');
    expect(diffManifests(after, after)).toMatchObject({ added: 0, updated: 0, removed: 0 });
  });
});

describe('release tags', () => {
  it('numbers a UTC day from 1, after the highest of that day, ignoring other days and strangers', () => {
    const at = new Date('2025-03-09T23:30:00-05:00'); // already 2025-03-10 in UTC
    expect(tagDay(at)).toBe('2025.03.10');
    expect(nextTag(at, [])).toBe('2025.03.10-1');
    expect(nextTag(at, ['2025.03.10-1', '2025.03.10-3', '2025.03.09-7', 'junk', '2025.03.10-x'])).toBe('2025.03.10-4');
    expect(nextTag(at, ['2025.03.10-9'])).toBe('2025.03.10-10');
  });

  it('parses what it makes, and nothing else', () => {
    expect(parseTag('2025.03.10-12')).toEqual({ day: '2025.03.10', n: 12 });
    expect(parseTag('2025.03.10-0')).toBeNull();
    expect(parseTag('2025-03-10-1')).toBeNull();
    expect(() => tagDay(new Date('nope'))).toThrow(/invalid date/);
  });
});

describe('release identity', () => {
  it('the manifest text is one line per entry in source-id order, whatever order it is given in', () => {
    const entries = [entry('b', 2), entry('a.x', 1), entry('a', 3)];
    expect(manifestText(entries)).toBe('a 3 h3\na.x 1 h1\nb 2 h2\n');
    expect(manifestText([...entries].reverse())).toBe(manifestText(entries));
  });

  it('a release id is rel- or rb- and 16 hex digits of the key hash; base and target change it', () => {
    const hash = (text: string) => createHash('sha256').update(text).digest('hex');
    const id = releaseIdFromHash('release', hash(candidateKey({ manifestHash: 'm', base: null })));
    expect(id).toMatch(/^rel-[0-9a-f]{16}$/);
    expect(isReleaseId(id)).toBe(true);
    expect(releaseIdFromHash('release', hash(candidateKey({ manifestHash: 'm', base: 'rel-1' })))).not.toBe(id);
    expect(releaseIdFromHash('rollback', hash(rollbackKey({ target: 'a', base: 'b' })))).toMatch(/^rb-/);
    expect(() => releaseIdFromHash('release', 'XYZ')).toThrow(/hex hash/);
  });
});

describe('changelog', () => {
  it('lists changes by title under exact counts, escapes markdown and cuts long lists', () => {
    const changes = [
      { kind: 'added' as const, sourceId: 'a1', slug: 's', title: 'New *bold* [link]', from: null, to: 1, contentHash: 'h' },
      { kind: 'updated' as const, sourceId: 'u1', slug: 's', title: 'Changed', from: 1, to: 2, contentHash: 'h' },
      { kind: 'removed' as const, sourceId: 'r1', slug: 's', title: 'Gone', from: 4, to: null, contentHash: null },
    ];
    const md = renderChangelog({
      tag: '2025.03.10-1',
      releaseId: 'rel-0123456789abcdef',
      kind: 'release',
      base: 'rel-fedcba9876543210',
      diff: { added: 3, updated: 1, removed: 1, sample: { added: ['a1'], updated: ['u1'], removed: ['r1'] } },
      changes,
      limit: 1,
    });
    expect(md).toContain('## 2025.03.10-1 (rel-0123456789abcdef)');
    expect(md).toContain('3 articles added, 1 updated, 1 removed, against rel-fedcba9876543210.');
    expect(md).toContain('- New \\*bold\\* \\[link\\] (`a1`)');
    expect(md).toContain('- … and 2 more articles');
    expect(md).toContain('- Changed (`u1`, revision 1 → 2)');
    expect(md).toContain('### Removed\n\n- Gone (`r1`)');
    expect(escapeMarkdown('a_b')).toBe('a\\_b');
    expect(CHANGELOG_LIST_LIMIT).toBeGreaterThan(0);
  });

  it('a rollback says what it restores', () => {
    const md = renderChangelog({
      tag: '2025.03.10-2',
      releaseId: 'rb-0123456789abcdef',
      kind: 'rollback',
      target: 'rel-aaaaaaaaaaaaaaaa',
      base: 'rel-bbbbbbbbbbbbbbbb',
      diff: { added: 0, updated: 0, removed: 0, sample: { added: [], updated: [], removed: [] } },
      changes: [],
    });
    expect(md).toContain('Rollback: production goes back to the content of rel-aaaaaaaaaaaaaaaa.');
    expect(md).not.toContain('###');
  });
});
