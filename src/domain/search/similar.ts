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

/**
 * Builds similar-post lists: `add` the articles (in any order, in pages), then `compute` once. Every
 * article is held in flat arrays (its feature ids and weights, the features it is compared through with
 * their windows), never as objects of its own: 100,000 articles fit a worker's heap, and the features as
 * the database returns them are dropped page by page.
 */
export class SimilarIndex {
  private readonly featureIds = new Map<string, number>();
  private readonly ids: string[] = [];
  private readonly keys: string[] = [];
  private readonly norms: number[] = [];
  // Article i's features are tokens[tokenStart[i] .. tokenStart[i+1]), sorted, with their weights.
  private readonly tokenStart: number[] = [0];
  private readonly tokens: number[] = [];
  private readonly weights: number[] = [];
  // Article i is compared through block[blockStart[i] .. blockStart[i+1]), each with its window.
  private readonly blockStart: number[] = [0];
  private readonly block: number[] = [];
  private readonly windows: number[] = [];

  constructor(
    private readonly count = SIMILAR_COUNT,
    private readonly window = SIMILAR_WINDOW,
  ) {}

  get size(): number {
    return this.ids.length;
  }

  add(articles: Iterable<SimilarFeatures>): void {
    const weak = Math.max(2, Math.floor(this.window / 4));
    for (const a of articles) {
      const weighted = new Map<number, number>();
      const block = new Map<number, number>();
      const put = (key: string, weight: number, window: number) => {
        let t = this.featureIds.get(key);
        if (t === undefined) {
          t = this.featureIds.size;
          this.featureIds.set(key, t);
        }
        weighted.set(t, Math.max(weighted.get(t) ?? 0, weight));
        if (!block.has(t)) block.set(t, window);
      };
      if (a.problem) put(`p:${a.problem.toLowerCase()}`, WEIGHT.problem, this.window);
      for (const s of a.stack) put(`s:${s.toLowerCase()}`, WEIGHT.stack, this.window);
      for (const t of a.tools) put(`t:${t.toLowerCase()}`, WEIGHT.tool, this.window);
      // Entities and title words find neighbours too, through a narrower window: they matter most where
      // the strong features are rare (a small corpus), and must not multiply the work where they are not.
      for (const e of a.entities) put(`e:${e.toLowerCase()}`, WEIGHT.entity, weak);
      for (const w of words(a.title)) put(`w:${w}`, WEIGHT.word, weak);
      let norm = 0;
      for (const t of [...weighted.keys()].sort((x, y) => x - y)) {
        const w = weighted.get(t)!;
        this.tokens.push(t);
        this.weights.push(w);
        norm += w * w;
      }
      this.tokenStart.push(this.tokens.length);
      for (const [t, w] of block) {
        this.block.push(t);
        this.windows.push(w);
      }
      this.blockStart.push(this.block.length);
      this.ids.push(a.sourceId);
      this.norms.push(Math.sqrt(norm));
      // The global order: articles that agree on problem, then stack, then tools sit next to each other.
      this.keys.push(`${a.problem ?? ''}\u0000${[...a.stack].sort().join(',')}\u0000${[...a.tools].sort().join(',')}\u0000${a.sourceId}`);
    }
  }

  /** The top `count` others of every article added, best first; never the article itself. */
  compute(): SimilarList[] {
    const n = this.ids.length;
    const { keys, ids, norms, tokenStart, blockStart, block, windows } = this;
    const tokens = Int32Array.from(this.tokens);
    const weights = Float32Array.from(this.weights);
    const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => (keys[x]! < keys[y]! ? -1 : keys[x]! > keys[y]! ? 1 : 0));
    // Each blocking entry's position in its feature's list; the lists follow the global order.
    const at = new Int32Array(block.length);
    const postings: number[][] = [];
    for (const i of order) {
      for (let k = blockStart[i]!; k < blockStart[i + 1]!; k++) {
        const list = (postings[block[k]!] ??= []);
        at[k] = list.length;
        list.push(i);
      }
    }
    const cosine = (a: number, b: number): number => {
      let dot = 0;
      let x = tokenStart[a]!;
      let y = tokenStart[b]!;
      const xEnd = tokenStart[a + 1]!;
      const yEnd = tokenStart[b + 1]!;
      while (x < xEnd && y < yEnd) {
        const ta = tokens[x]!;
        const tb = tokens[y]!;
        if (ta === tb) dot += weights[x++]! * weights[y++]!;
        else if (ta < tb) x++;
        else y++;
      }
      return dot === 0 ? 0 : dot / (norms[a]! * norms[b]!);
    };
    const seen = new Int32Array(n).fill(-1);
    const visit = (i: number, best: Best[], widen: number) => {
      for (let k = blockStart[i]!; k < blockStart[i + 1]!; k++) {
        const list = postings[block[k]!]!;
        const p = at[k]!;
        const w = windows[k]! * widen;
        const to = Math.min(list.length - 1, p + w);
        for (let q = Math.max(0, p - w); q <= to; q++) {
          const j = list[q]!;
          if (j === i || seen[j] === i) continue;
          seen[j] = i;
          const score = cosine(i, j);
          if (score > 0) insertBest(best, { j, score }, this.count, ids);
        }
      }
    };
    const out: SimilarList[] = new Array<SimilarList>(n);
    for (let i = 0; i < n; i++) {
      const best: Best[] = [];
      visit(i, best, 1);
      // Too few neighbours share anything (rare features): look further, once, still a bounded distance.
      if (best.length < this.count) visit(i, best, WIDEN);
      out[i] = { sourceId: ids[i]!, similar: best.map((b) => ids[b.j]!) };
    }
    return out;
  }
}

type Best = { j: number; score: number };

/** The top SIMILAR_COUNT others of every article, best first; never the article itself. */
export function computeSimilar(articles: readonly SimilarFeatures[], options: { count?: number; window?: number } = {}): SimilarList[] {
  const index = new SimilarIndex(options.count ?? SIMILAR_COUNT, options.window ?? SIMILAR_WINDOW);
  index.add(articles);
  return index.compute();
}

/** Keeps the `count` best, best first; ties go to the smaller source id, so the result does not depend on visiting order. */
function insertBest(best: Best[], candidate: Best, count: number, ids: readonly string[]): void {
  const before = (x: Best, y: Best) => x.score > y.score || (x.score === y.score && ids[x.j]! < ids[y.j]!);
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
