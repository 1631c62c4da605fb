import { describe, expect, it } from 'vitest';
import { synthesizeDocument } from '../../src/domain/article/index.js';
import {
  DEFAULT_VERIFY,
  PLAN_CHECK_MIN_DOCUMENTS,
  ReindexWorkflowInput,
  failedChecks,
  judgeVerification,
  type VerifyMeasurements,
} from '../../src/domain/search/input.js';
import { HIGHLIGHT_START, HIGHLIGHT_STOP, SEARCH_MAX_PAGE, SEARCH_MAX_QUERY, SearchParams, snippetHtml } from '../../src/domain/search/query.js';
import { SIMILAR_COUNT, computeSimilar, similarPrecision, type SimilarFeatures, type SimilarList } from '../../src/domain/search/similar.js';

// Search's pure parts: the query parameters the HTTP route parses, the snippet HTML, similar posts and
// the verification a full reindex is judged by before its swap.

const S = HIGHLIGHT_START;
const E = HIGHLIGHT_STOP;

/** The first issue's message and path of a refused SearchParams input. */
function refusal(input: Record<string, string>): { path: PropertyKey[]; message: string; keys: string[] } {
  const parsed = SearchParams.safeParse(input);
  expect(parsed.success).toBe(false);
  const issue = parsed.error!.issues[0]!;
  return { path: issue.path, message: issue.message, keys: issue.code === 'unrecognized_keys' ? issue.keys : [] };
}

describe('SearchParams', () => {
  it('accepts a bare query, the page defaulting to 1', () => {
    expect(SearchParams.parse({ q: 'jobs' })).toEqual({ q: 'jobs', page: 1 });
  });

  it('trims q, lowercases the text filters and turns page into a number', () => {
    expect(
      SearchParams.parse({ q: '  background jobs \t', tool: ' Celery ', stack: 'PYTHON', codeLanguage: 'TypeScript', difficulty: 'advanced', page: '7' }),
    ).toEqual({
      q: 'background jobs',
      tool: 'celery',
      stack: 'python',
      codeLanguage: 'typescript',
      difficulty: 'advanced',
      page: 7,
    });
  });

  it('accepts q of exactly the maximum length and pages 1 and SEARCH_MAX_PAGE', () => {
    expect(SearchParams.parse({ q: 'a'.repeat(SEARCH_MAX_QUERY) }).q).toHaveLength(SEARCH_MAX_QUERY);
    expect(SearchParams.parse({ q: 'x', page: '1' }).page).toBe(1);
    expect(SearchParams.parse({ q: 'x', page: String(SEARCH_MAX_PAGE) }).page).toBe(SEARCH_MAX_PAGE);
  });

  it.each([
    ['empty', ''],
    ['whitespace-only', ' \t  '],
    ['257 characters', 'a'.repeat(SEARCH_MAX_QUERY + 1)],
    ['a NUL character', 'jobs\u0000'],
  ])('refuses q that is %s, naming q', (_label, q) => {
    const { path, message } = refusal({ q });
    expect(path).toEqual(['q']);
    expect(message).toMatch(/\bq\b/);
  });

  it('refuses a missing q, naming q', () => {
    const { path } = refusal({});
    expect(path).toEqual(['q']);
  });

  it.each(['0', String(SEARCH_MAX_PAGE + 1), 'abc', '1.5', '-1', ''])('refuses page %j, naming page', (page) => {
    const { path, message } = refusal({ q: 'jobs', page });
    expect(path).toEqual(['page']);
    expect(message).toContain('page');
  });

  it('refuses an unknown parameter, naming it', () => {
    const { message, keys } = refusal({ q: 'jobs', color: 'red' });
    expect(keys).toEqual(['color']);
    expect(message).toContain('color');
  });

  it('refuses an unknown difficulty, naming difficulty and the allowed values', () => {
    const { path, message } = refusal({ q: 'jobs', difficulty: 'expert' });
    expect(path).toEqual(['difficulty']);
    expect(message).toContain('difficulty');
    expect(message).toContain('beginner');
  });

  it('refuses an empty or NUL-holding filter, naming it', () => {
    expect(refusal({ q: 'jobs', tool: '  ' }).path).toEqual(['tool']);
    expect(refusal({ q: 'jobs', stack: 'py\u0000' }).message).toContain('stack');
    expect(refusal({ q: 'jobs', codeLanguage: 'x'.repeat(101) }).message).toContain('codeLanguage');
  });
});

describe('snippetHtml', () => {
  it('escapes & < > " and \'', () => {
    expect(snippetHtml(`a & b < c > d "e" 'f'`)).toBe('a &amp; b &lt; c &gt; d &quot;e&quot; &#39;f&#39;');
  });

  it('turns the highlight marks into <mark> elements', () => {
    expect(snippetHtml(`run ${S}background${E} ${S}jobs${E} daily`)).toBe('run <mark>background</mark> <mark>jobs</mark> daily');
  });

  it('closes a start without a stop', () => {
    expect(snippetHtml(`run ${S}background jobs`)).toBe('run <mark>background jobs</mark>');
  });

  it('drops a stop without a start, and a repeated start', () => {
    expect(snippetHtml(`run${E} jobs`)).toBe('run jobs');
    expect(snippetHtml(`${S}a${S}b${E}${E}c`)).toBe('<mark>ab</mark>c');
  });

  it('escapes markup inside a mark', () => {
    const html = snippetHtml(`x ${S}<script>alert(1)</script>${E} y`);
    expect(html).toBe('x <mark>&lt;script&gt;alert(1)&lt;/script&gt;</mark> y');
    expect(html).not.toContain('<script>');
  });

  it('keeps text without marks as it is, apart from escaping', () => {
    expect(snippetHtml('')).toBe('');
    expect(snippetHtml('plain words … ünïcode')).toBe('plain words … ünïcode');
  });
});

function features(sourceId: string, title: string, problem: string | null, stack: string[], tools: string[], entities: string[] = []): SimilarFeatures {
  return { sourceId, title, problem, stack, tools, entities };
}

function synthFeatures(seed: number, count: number): SimilarFeatures[] {
  const out: SimilarFeatures[] = [];
  for (let i = 0; i < count; i++) {
    const article = synthesizeDocument(seed, i).expected;
    if (!article) throw new Error(`synthesized document ${i} has no expected article`);
    const meta = article.meta;
    out.push({
      sourceId: article.sourceId,
      title: article.title,
      problem: meta.outline?.problem ?? null,
      stack: meta.stack ?? [],
      tools: meta.tools ?? [],
      entities: (meta.entities ?? []).map((e) => `${e.type}:${e.name}`),
    });
  }
  return out;
}

const byId = (lists: readonly SimilarList[]) => new Map(lists.map((l) => [l.sourceId, l.similar]));

describe('computeSimilar', () => {
  const small = [
    features('a', 'queue alpha', 'retries', ['python'], ['celery', 'redis']),
    features('b', 'queue bravo', 'retries', ['python'], []),
    features('c', 'charlie', 'caching', ['java'], ['celery', 'redis']),
    features('d', 'delta', 'logging', ['rust'], ['tracing'], ['area:observability']),
    features('e', 'echo', 'retries', ['python'], ['celery']),
  ];

  it('ranks articles sharing problem and stack before ones sharing only tools', () => {
    const lists = byId(computeSimilar(small));
    const a = lists.get('a')!;
    expect(a).toContain('b');
    expect(a).toContain('c');
    expect(a.indexOf('b')).toBeLessThan(a.indexOf('c'));
    expect(a.indexOf('e')).toBeLessThan(a.indexOf('c'));
    // c shares only tools with a and e: both are listed, a (both tools) before e (one).
    expect(lists.get('c')).toEqual(['a', 'e']);
  });

  it('gives an article sharing nothing an empty list, and lists it nowhere', () => {
    const lists = computeSimilar(small);
    expect(byId(lists).get('d')).toEqual([]);
    for (const list of lists) expect(list.similar).not.toContain('d');
  });

  it('answers one list per article, in input order', () => {
    expect(computeSimilar(small).map((l) => l.sourceId)).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(computeSimilar([])).toEqual([]);
  });

  it('never lists an article itself, nor one twice, and lists at most 5', () => {
    // Twelve articles identical in every feature: each has 11 candidates, all tied.
    const same = Array.from({ length: 12 }, (_, i) => features(`s${String(i).padStart(2, '0')}`, 'same title words', 'retries', ['python'], ['celery']));
    const lists = computeSimilar(same);
    for (const list of lists) {
      expect(list.similar).toHaveLength(SIMILAR_COUNT);
      expect(list.similar).not.toContain(list.sourceId);
      expect(new Set(list.similar).size).toBe(list.similar.length);
    }
    // Ties go to the smaller source id.
    expect(byId(lists).get('s00')).toEqual(['s01', 's02', 's03', 's04', 's05']);
    expect(byId(lists).get('s03')).toEqual(['s00', 's01', 's02', 's04', 's05']);
  });

  it('does not depend on the input order', () => {
    const corpus = synthFeatures(11, 400);
    const shuffled = [...corpus].reverse();
    // A fixed interleaving as well as the reverse.
    const interleaved = corpus.filter((_, i) => i % 2 === 1).concat(corpus.filter((_, i) => i % 2 === 0));
    const expected = byId(computeSimilar(corpus));
    expect(byId(computeSimilar(shuffled))).toEqual(expected);
    expect(byId(computeSimilar(interleaved))).toEqual(expected);
  });

  describe('on a synthesized corpus of 3,000 articles', () => {
    const corpus = synthFeatures(7, 3_000);
    const lists = computeSimilar(corpus);

    it('lists 5 others for every article, never itself', () => {
      expect(lists).toHaveLength(corpus.length);
      const ids = new Set(corpus.map((a) => a.sourceId));
      for (const list of lists) {
        expect(list.similar).toHaveLength(SIMILAR_COUNT);
        expect(list.similar).not.toContain(list.sourceId);
        for (const other of list.similar) expect(ids.has(other)).toBe(true);
      }
    });

    it('reaches a precision of at least 0.8', () => {
      expect(similarPrecision(corpus, lists)).toBeGreaterThanOrEqual(0.8);
    });

    it('gives the same lists when computed again', () => {
      expect(computeSimilar(corpus)).toEqual(lists);
    });
  });

  it('similarPrecision counts shared problems or stack entries only', () => {
    const set = [
      features('a', 'a', 'retries', ['python'], []),
      features('b', 'b', 'retries', ['go'], []),
      features('c', 'c', 'caching', ['python'], []),
      features('d', 'd', 'logging', ['rust'], []),
    ];
    expect(similarPrecision(set, [{ sourceId: 'a', similar: ['b', 'c', 'd', 'missing'] }])).toBe(2 / 3);
    expect(similarPrecision(set, [])).toBe(0);
  });
});

function measurements(overrides: Partial<VerifyMeasurements> = {}): VerifyMeasurements {
  return {
    documents: 300,
    productionArticles: 300,
    failed: 0,
    golden: { asked: 30, found: 28, tied: 2, missed: [] },
    plan: { asked: 30, usingIndex: 30, index: 'search_g1_tsv', example: null, skipped: false },
    latency: { newP95Ms: 1, liveP95Ms: 1 },
    ...overrides,
  };
}

const check = (m: VerifyMeasurements, name: string, settings = DEFAULT_VERIFY) => judgeVerification(m, settings).checks.find((c) => c.name === name)!;

describe('judgeVerification', () => {
  it('passes all-pass measurements with five checks in order', () => {
    const report = judgeVerification(measurements(), DEFAULT_VERIFY);
    expect(report.passed).toBe(true);
    expect(report.checks.map((c) => c.name)).toEqual(['count', 'golden', 'failures', 'plan', 'latency']);
    expect(report.checks.every((c) => c.passed)).toBe(true);
    expect(failedChecks(report)).toBe('');
  });

  it('fails count on a mismatch, saying by how much', () => {
    const fewer = judgeVerification(measurements({ documents: 299 }), DEFAULT_VERIFY);
    expect(fewer.passed).toBe(false);
    const count = fewer.checks.find((c) => c.name === 'count')!;
    expect(count.passed).toBe(false);
    expect(count.actual).toContain('(-1)');
    expect(count.expected).toContain('300');
    expect(check(measurements({ documents: 302 }), 'count').actual).toContain('(+2)');
    expect(check(measurements(), 'count').actual).toBe('300 documents');
  });

  it('fails golden when a sampled title is missed, naming it', () => {
    const golden = check(measurements({ golden: { asked: 30, found: 29, tied: 0, missed: ['alphanode-000001 ("x")'] } }), 'golden');
    expect(golden.passed).toBe(false);
    expect(golden.actual).toContain('missed: alphanode-000001');
  });

  it('fails failures when a document failed', () => {
    expect(check(measurements({ failed: 1 }), 'failures')).toMatchObject({ passed: false, actual: '1 failed' });
  });

  it('fails plan when a golden query does not use the index, and passes a skipped plan as not checked', () => {
    const plan = check(measurements({ plan: { asked: 30, usingIndex: 29, index: 'search_g1_tsv', example: 'Seq Scan', skipped: false } }), 'plan');
    expect(plan.passed).toBe(false);
    expect(plan.actual).toContain('Seq Scan');
    const skipped = check(measurements({ plan: { asked: 0, usingIndex: 0, index: 'search_g1_tsv', example: null, skipped: true } }), 'plan');
    expect(skipped.passed).toBe(true);
    expect(skipped.actual).toContain('not checked');
    expect(skipped.expected).toContain(String(PLAN_CHECK_MIN_DOCUMENTS));
  });

  it('judges latency by factor, then by grace', () => {
    const settings = { goldenQueries: 30, latencyFactor: 1.2, latencyGraceMs: 2 };
    const slow = check(measurements({ latency: { newP95Ms: 10, liveP95Ms: 5 } }), 'latency', settings);
    expect(slow.passed).toBe(false);
    expect(slow.actual).toContain('(2.00×)');
    expect(check(measurements({ latency: { newP95Ms: 5.9, liveP95Ms: 5 } }), 'latency', settings).passed).toBe(true);
    // Twice as slow, but only 1.5 ms slower: within grace.
    expect(check(measurements({ latency: { newP95Ms: 3, liveP95Ms: 1.5 } }), 'latency', settings).passed).toBe(true);
    expect(check(measurements({ latency: { newP95Ms: 3, liveP95Ms: 1.5 } }), 'latency', { ...settings, latencyGraceMs: 1 }).passed).toBe(false);
    const first = check(measurements({ latency: { newP95Ms: 50, liveP95Ms: null } }), 'latency', settings);
    expect(first.passed).toBe(true);
    expect(first.expected).toContain('no live generation');
  });

  it('failedChecks names only the failed checks, with what was expected and found', () => {
    const report = judgeVerification(measurements({ documents: 299, failed: 2 }), DEFAULT_VERIFY);
    expect(report.passed).toBe(false);
    expect(failedChecks(report)).toBe(
      "count: expected 300 documents (production's articles), got 299 documents (-1); failures: expected no document failed, got 2 failed",
    );
  });
});

describe('ReindexWorkflowInput', () => {
  it('accepts the three modes', () => {
    expect(ReindexWorkflowInput.parse({ mode: 'full', requestedBy: 'ana', batchSize: 2_000, verify: DEFAULT_VERIFY })).toMatchObject({ mode: 'full' });
    expect(ReindexWorkflowInput.parse({ mode: 'incremental', requestedBy: 'ana', trigger: null })).toMatchObject({ mode: 'incremental' });
    expect(ReindexWorkflowInput.parse({ mode: 'rollback', requestedBy: 'ana' })).toEqual({ mode: 'rollback', requestedBy: 'ana' });
  });

  it('refuses an unknown mode, naming the expected ones', () => {
    const parsed = ReindexWorkflowInput.safeParse({ mode: 'partial', requestedBy: 'ana' });
    expect(parsed.success).toBe(false);
    expect(parsed.error!.issues[0]!.message).toBe('expected mode as full, incremental or rollback');
  });

  it('refuses batch size 0', () => {
    const parsed = ReindexWorkflowInput.safeParse({ mode: 'full', requestedBy: 'ana', batchSize: 0, verify: DEFAULT_VERIFY });
    expect(parsed.success).toBe(false);
    expect(parsed.error!.issues[0]).toMatchObject({ path: ['batchSize'], message: 'expected 1 to 50000' });
  });

  it('refuses an empty requester and unknown keys', () => {
    expect(ReindexWorkflowInput.safeParse({ mode: 'rollback', requestedBy: '  ' }).success).toBe(false);
    expect(ReindexWorkflowInput.safeParse({ mode: 'rollback', requestedBy: 'ana', batchSize: 10 }).success).toBe(false);
  });
});
