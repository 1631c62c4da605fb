import { isHttpUrl, type Article } from '../article/index.js';
import { needsHumanReview } from '../content.js';
import type { CheckReport, CheckResult, CheckSeverity } from './model.js';

// The release's content checks. Each runs on one revision as the release will publish it (its stored
// Article and the review evidence for that exact revision), never on a flag cached at import: content
// that changed after an approval, or a flag nobody cleared, is caught at release time.

/** What a check looks at: one revision of the release, with the evidence that a reviewer cleared it. */
export type CheckSubject = {
  sourceId: string;
  revision: number;
  article: Article;
  review: {
    /** The article's review state applies to this very revision and is `approved`. */
    approved: boolean;
    /** Who approved it; null when an import policy approved it with no reviewer. */
    by: string | null;
    /** This exact revision was already published by the release now live (it was checked then). */
    published: boolean;
  };
};

export type ContentCheck = {
  name: string;
  severity: CheckSeverity;
  /** One line for reports: what the check wants. */
  description: string;
  /** The reasons this revision fails the check; empty when it passes. */
  run(subject: CheckSubject): string[];
};

/** At most this many failing articles per check travel in a report; `failures` still counts them all. */
export const CHECK_EXAMPLES = 20;

const blank = (value: string | null | undefined) => value === undefined || value === null || value.trim() === '';

function blocks(article: Article) {
  return article.sections.flatMap((section) => section.blocks);
}

export const requiredFields: ContentCheck = {
  name: 'required-fields',
  severity: 'blocking',
  description: 'a title, a summary, a body, and the same source id in the article and its payload',
  run({ article, sourceId }) {
    const missing: string[] = [];
    if (blank(article.title)) missing.push('title: missing, expected a non-empty title');
    if (blank(article.meta.summary)) missing.push('meta.summary: missing, expected a non-empty summary for the index and the page description');
    if (blank(article.lede) && blocks(article).length === 0) missing.push('body: empty, expected a lede or at least one block');
    if (article.sourceId !== sourceId || article.meta.payload?.sourceId !== sourceId) {
      missing.push(`sourceId: expected ${sourceId} in the article and meta.payload, got ${article.sourceId} and ${String(article.meta.payload?.sourceId)}`);
    }
    return missing;
  },
};

export const reviewCleared: ContentCheck = {
  name: 'review-cleared',
  severity: 'blocking',
  description: 'no article is still waiting for review: the revision is approved, and one flagged for human review was approved by a reviewer',
  run({ article, revision, review }) {
    // A revision the live release already published passed this check then; its approval belongs to it.
    if (review.published) return [];
    if (!review.approved) return [`revision ${revision} is not approved: it is waiting for review, or the article changed since it was approved`];
    if (needsHumanReview(article) && review.by === null) {
      return [
        `revision ${revision} is flagged for human review (flags.needsHumanReview) and no reviewer approved it: run pressroom review approve ${article.sourceId}`,
      ];
    }
    return [];
  },
};

export const imagesComplete: ContentCheck = {
  name: 'images-complete',
  severity: 'blocking',
  description: 'every image has a caption and an http(s) URL',
  run({ article }) {
    const problems: string[] = [];
    const images = article.meta.images ?? [];
    images.forEach((image, i) => {
      if (blank(image.caption)) problems.push(`meta.images[${i}]: no caption, expected a non-empty caption`);
      if (!isHttpUrl(image.url)) problems.push(`meta.images[${i}].url: expected an http:// or https:// URL, got ${JSON.stringify(image.url.slice(0, 80))}`);
    });
    // An image in the body is served from the URL its image source lists, matched by caption, else by host.
    const byCaption = new Set(images.map((image) => image.caption.trim().toLowerCase()));
    const bySource = new Set(images.map((image) => image.source.trim().toLowerCase()));
    for (const block of blocks(article)) {
      if (block.type !== 'image') continue;
      if (blank(block.caption)) problems.push(`image block from ${block.source}: no caption, expected a non-empty caption`);
      else if (!byCaption.has(block.caption.trim().toLowerCase()) && !bySource.has(block.source.trim().toLowerCase())) {
        problems.push(`image "${block.caption.slice(0, 60)}": no URL, expected an image source (meta.images) with its caption or host ${block.source}`);
      }
    }
    return problems;
  },
};

export const codeForLanguage: ContentCheck = {
  name: 'code-for-language',
  severity: 'warning',
  description: 'an article that names a code language shows at least one code block',
  run({ article }) {
    const language = article.meta.codeLanguage;
    if (blank(language)) return [];
    return blocks(article).some((block) => block.type === 'code') ? [] : [`meta.codeLanguage is ${language} but the article has no code block`];
  },
};

/** Slower than this a reader is not reading; faster, not either. Exports run slow (code takes time). */
export const READING_WORDS_PER_MINUTE = { slowest: 20, fastest: 600 } as const;

/** The words a reader reads: title, lede, headings, paragraphs, list items and code. */
export function wordCount(article: Article): number {
  const texts: string[] = [article.title, article.lede ?? ''];
  for (const section of article.sections) {
    texts.push(section.heading ?? '');
    for (const block of section.blocks) {
      if (block.type === 'list') texts.push(...block.items);
      else if (block.type !== 'image') texts.push(block.text);
    }
  }
  let words = 0;
  for (const text of texts) words += text.split(/\s+/).filter((word) => word !== '').length;
  return words;
}

export const plausibleReadingTime: ContentCheck = {
  name: 'reading-time',
  severity: 'warning',
  description: `a reading time that fits the word count (${READING_WORDS_PER_MINUTE.slowest} to ${READING_WORDS_PER_MINUTE.fastest} words a minute, a minute either way)`,
  run({ article }) {
    const minutes = article.meta.readingTimeMinutes;
    if (minutes === undefined) return [];
    const words = wordCount(article);
    const longest = Math.ceil(words / READING_WORDS_PER_MINUTE.slowest) + 1;
    const shortest = Math.floor(words / READING_WORDS_PER_MINUTE.fastest) - 1;
    if (minutes > longest) return [`reading time ${minutes} min is implausible for ${words} words: expected at most ${longest} min`];
    if (minutes < shortest) return [`reading time ${minutes} min is implausible for ${words} words: expected at least ${shortest} min`];
    return [];
  },
};

/** Every content check, in report order: blocking first. */
export const CONTENT_CHECKS: readonly ContentCheck[] = [requiredFields, reviewCleared, imagesComplete, codeForLanguage, plausibleReadingTime];

/** Accumulates check outcomes over pages of a release, so 5,000 articles never sit in memory at once. */
export class CheckAccumulator {
  private readonly results: CheckResult[];

  constructor(private readonly checks: readonly ContentCheck[] = CONTENT_CHECKS) {
    this.results = checks.map((check) => ({ check: check.name, severity: check.severity, passed: true, failures: 0, examples: [] }));
  }

  add(subject: CheckSubject): void {
    this.checks.forEach((check, i) => {
      const result = this.results[i];
      if (!result) return;
      let messages: string[];
      try {
        messages = check.run(subject);
      } catch (error) {
        // A revision that breaks a check's assumptions (stored before a schema change) fails it, visibly.
        messages = [`the check could not read this revision: ${error instanceof Error ? error.message : String(error)}`];
      }
      if (messages.length === 0) return;
      result.passed = false;
      result.failures++;
      if (result.examples.length < CHECK_EXAMPLES) result.examples.push({ sourceId: subject.sourceId, message: messages.join('; ') });
    });
  }

  report(): CheckReport {
    const results = this.results.map((r) => ({ ...r, examples: [...r.examples] }));
    return { passed: results.every((r) => r.passed || r.severity !== 'blocking'), results };
  }
}

/** Runs every check over a list of subjects (small releases and tests; the runner pages through big ones). */
export function runContentChecks(subjects: Iterable<CheckSubject>, checks: readonly ContentCheck[] = CONTENT_CHECKS): CheckReport {
  const accumulator = new CheckAccumulator(checks);
  for (const subject of subjects) accumulator.add(subject);
  return accumulator.report();
}
