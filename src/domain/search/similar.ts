// Similar posts: each article's top 5 others by what they share (problem, stack, tools, entities) and by
// title words, scored by weighted cosine. Near-linear: an article is compared only with its neighbours
// in the posting list of each of its features (WINDOW each side for problem, stack and tools, a quarter
// of it for entities and title words), the lists ordered by one global key so that a neighbour in a list
// is likely similar in the rest too. n articles with f features cost about n·f·2·WINDOW comparisons,
// never n², and a feature every article shares costs the same as a rare one.

export type SimilarFeatures = {
  sourceId: string;
  title: string;
  problem: string | null;
  stack: readonly string[];
  tools: readonly string[];
  /** Entities as `type:name` (the stack and the problem are usually among them too). */
  entities: readonly string[];
};

export type SimilarList = { sourceId: string; similar: string[] };

export const SIMILAR_COUNT = 5;
/** Neighbours taken on each side in each posting list. */
export const SIMILAR_WINDOW = 8;
/** How much further an article with fewer than SIMILAR_COUNT candidates looks, once. */
const WIDEN = 16;

const WEIGHT = { problem: 4, stack: 3, tool: 1, entity: 1, word: 0.5 } as const;

// Words that say nothing about what a title is about; the rest (length ≥ 4) are title features.
const STOP = new Set(['with', 'from', 'that', 'this', 'notes', 'guide', 'lessons', 'practical', 'approach', 'production', 'checklist', 'what', 'when', 'your']);

function words(title: string): string[] {
  const out = new Set<string>();
  for (const w of title.toLowerCase().split(/[^a-z0-9]+/)) if (w.length >= 4 && !STOP.has(w)) out.add(w);
  return [...out];
}

type Doc = { id: string; tokens: Int32Array; weights: Float64Array; norm: number; blocking: Array<{ token: number; window: number }> };

/** The top SIMILAR_COUNT others of every article, best first; never the article itself. */
export function computeSimilar(articles: readonly SimilarFeatures[], options: { count?: number; window?: number } = {}): SimilarList[] {
  const count = options.count ?? SIMILAR_COUNT;
  const window = options.window ?? SIMILAR_WINDOW;
  const weakWindow = Math.max(2, Math.floor(window / 4));
  const ids = new Map<string, number>();
  const tokenWeight: number[] = [];
  const tokenOf = (key: string, weight: number): number => {
    let id = ids.get(key);
    if (id === undefined) {
      id = tokenWeight.length;
      ids.set(key, id);
      tokenWeight.push(weight);
    }
    return id;
  };

  // The global order: articles that agree on problem, then stack, then tools sit next to each other.
  const order = articles
    .map((a, i) => ({ i, key: `${a.problem ?? ''}\u0000${[...a.stack].sort().join(',')}\u0000${[...a.tools].sort().join(',')}\u0000${a.sourceId}` }))
    .sort((x, y) => (x.key < y.key ? -1 : x.key > y.key ? 1 : 0))
    .map((x) => x.i);

  const docs: Doc[] = new Array<Doc>(articles.length);
  const postings: number[][] = [];
  for (const i of order) {
    const a = articles[i]!;
    const weighted = new Map<number, number>();
    const blocking: Doc['blocking'] = [];
    const add = (key: string, weight: number, strong: boolean) => {
      const t = tokenOf(key, weight);
      weighted.set(t, Math.max(weighted.get(t) ?? 0, weight));
      if (!blocking.some((b) => b.token === t)) blocking.push({ token: t, window: strong ? window : weakWindow });
    };
    if (a.problem) add(`p:${a.problem.toLowerCase()}`, WEIGHT.problem, true);
    for (const s of a.stack) add(`s:${s.toLowerCase()}`, WEIGHT.stack, true);
    for (const t of a.tools) add(`t:${t.toLowerCase()}`, WEIGHT.tool, true);
    // Entities and title words find neighbours too, through a narrower window: they matter most where
    // the strong features are rare (a small corpus), and must not multiply the work where they are not.
    for (const e of a.entities) add(`e:${e.toLowerCase()}`, WEIGHT.entity, false);
    for (const w of words(a.title)) add(`w:${w}`, WEIGHT.word, false);
    const tokens = Int32Array.from([...weighted.keys()].sort((x, y) => x - y));
    const weights = Float64Array.from(tokens, (t) => weighted.get(t)!);
    let norm = 0;
    for (const w of weights) norm += w * w;
    docs[i] = { id: a.sourceId, tokens, weights, norm: Math.sqrt(norm), blocking };
    for (const { token } of blocking) {
      // Positions in a list follow the global order, because articles are visited in it.
      (postings[token] ??= []).push(i);
    }
  }
  // Each article's position in each of its blocking lists, found once.
  const position = new Map<number, Map<number, number>>();
  postings.forEach((list, t) => {
    const at = new Map<number, number>();
    list.forEach((i, p) => at.set(i, p));
    position.set(t, at);
  });

  const seen = new Int32Array(articles.length).fill(-1);
  const out: SimilarList[] = new Array<SimilarList>(articles.length);
  const visit = (i: number, best: Array<{ j: number; score: number }>, widen: number) => {
    const doc = docs[i]!;
    for (const { token, window: w } of doc.blocking) {
      const list = postings[token]!;
      const p = position.get(token)!.get(i)!;
      const from = Math.max(0, p - w * widen);
      const to = Math.min(list.length - 1, p + w * widen);
      for (let q = from; q <= to; q++) {
        const j = list[q]!;
        if (j === i || seen[j] === i) continue;
        seen[j] = i;
        const score = cosine(doc, docs[j]!);
        if (score <= 0) continue;
        insertBest(best, { j, score }, count, docs);
      }
    }
  };
  for (let i = 0; i < articles.length; i++) {
    const best: Array<{ j: number; score: number }> = [];
    visit(i, best, 1);
    // Too few neighbours share anything (rare features): look further, once, still a bounded distance.
    if (best.length < count) visit(i, best, WIDEN);
    out[i] = { sourceId: docs[i]!.id, similar: best.map((b) => docs[b.j]!.id) };
  }
  return out;
}

function cosine(a: Doc, b: Doc): number {
  let dot = 0;
  let x = 0;
  let y = 0;
  while (x < a.tokens.length && y < b.tokens.length) {
    const ta = a.tokens[x]!;
    const tb = b.tokens[y]!;
    if (ta === tb) {
      dot += a.weights[x]! * b.weights[y]!;
      x++;
      y++;
    } else if (ta < tb) x++;
    else y++;
  }
  return dot === 0 ? 0 : dot / (a.norm * b.norm);
}

/** Keeps the `count` best, best first; ties go to the smaller source id, so the result does not depend on visiting order. */
function insertBest(best: Array<{ j: number; score: number }>, candidate: { j: number; score: number }, count: number, docs: Doc[]): void {
  const before = (x: { j: number; score: number }, y: { j: number; score: number }) =>
    x.score > y.score || (x.score === y.score && docs[x.j]!.id < docs[y.j]!.id);
  if (best.length === count && !before(candidate, best[count - 1]!)) return;
  let k = best.length;
  while (k > 0 && before(candidate, best[k - 1]!)) k--;
  best.splice(k, 0, candidate);
  if (best.length > count) best.pop();
}

/**
 * The share of top-5 entries that share their article's problem or one of its stack entries: the
 * precision the benchmark prints (goal ≥ 0.8 on the synthesized corpus).
 */
export function similarPrecision(articles: readonly SimilarFeatures[], lists: readonly SimilarList[]): number {
  const byId = new Map(articles.map((a) => [a.sourceId, a]));
  let shared = 0;
  let total = 0;
  for (const list of lists) {
    const a = byId.get(list.sourceId);
    if (!a) continue;
    for (const other of list.similar) {
      const b = byId.get(other);
      if (!b) continue;
      total++;
      if ((a.problem !== null && a.problem === b.problem) || a.stack.some((s) => b.stack.includes(s))) shared++;
    }
  }
  return total === 0 ? 0 : shared / total;
}
