// Word stock for the synthetic export generator. Our own text, shaped like the alphanode seeds.

export type Stack = { name: string; area: string; language: string; tools: readonly string[]; code: readonly (readonly string[])[] };

// Each code sample is a list of chunks; a chunk has at least two lines so that no chunk can be
// mistaken for a heading or a paragraph.
export const STACKS: readonly Stack[] = [
  {
    name: 'python services',
    area: 'backend',
    language: 'python',
    tools: ['fastapi', 'pytest', 'uvicorn', 'ruff', 'git', 'logs', 'celery', 'mypy'],
    code: [
      ['from fastapi import FastAPI\napp = FastAPI()', "@app.get('/health')\ndef health():\n    return {'ok': True}"],
      [
        '@celery.task(bind=True, max_retries=3)\ndef rebuild_index(self, article_id):\n    try:\n        index.rebuild(article_id)\n    except TimeoutError as exc:\n        raise self.retry(exc=exc, countdown=30)',
      ],
      ['rows = session.execute(\n    select(Article).where(Article.slug == slug)\n).scalars().all()', 'for row in rows:\n    print(row.id, row.title)'],
    ],
  },
  {
    name: 'node.js apis',
    area: 'backend',
    language: 'typescript',
    tools: ['express', 'vitest', 'pnpm', 'eslint', 'pino', 'tsx'],
    code: [
      ["import express from 'express';\nconst app = express();", "app.get('/health', (_req, res) => {\n  res.json({ ok: true });\n});\napp.listen(3000);"],
      [
        'export async function withRetry<T>(fn: () => Promise<T>, tries = 3): Promise<T> {\n  for (let i = 1; ; i++) {\n    try { return await fn(); }\n    catch (err) { if (i >= tries) throw err; }\n  }\n}',
      ],
    ],
  },
  {
    name: 'go microservices',
    area: 'backend',
    language: 'go',
    tools: ['go test', 'golangci-lint', 'pprof', 'docker', 'delve'],
    code: [
      [
        'func health(w http.ResponseWriter, r *http.Request) {\n\tw.Header().Set("Content-Type", "application/json")\n\tw.Write([]byte(`{"ok":true}`))\n}',
        'func main() {\n\thttp.HandleFunc("/health", health)\n\tlog.Fatal(http.ListenAndServe(":8080", nil))\n}',
      ],
      ['ctx, cancel := context.WithTimeout(ctx, 2*time.Second)\ndefer cancel()\nrows, err := db.QueryContext(ctx, query, id)'],
    ],
  },
  {
    name: 'rust command line tools',
    area: 'tooling',
    language: 'rust',
    tools: ['cargo', 'clippy', 'rustfmt', 'criterion', 'git'],
    code: [
      [
        'use std::env;\nuse std::process::ExitCode;',
        'fn main() -> ExitCode {\n    let args: Vec<String> = env::args().skip(1).collect();\n    if args.is_empty() { return ExitCode::from(2); }\n    ExitCode::SUCCESS\n}',
      ],
    ],
  },
  {
    name: 'php content sites',
    area: 'cms',
    language: 'php',
    tools: ['composer', 'phpunit', 'wp-cli', 'phpstan', 'redis'],
    code: [
      ['<?php\nfunction cached_posts(int $limit): array {\n    $key = "posts:$limit";\n    return wp_cache_get($key) ?: [];\n}'],
      ["$query = new WP_Query([\n    'posts_per_page' => 20,\n    'no_found_rows' => true,\n]);"],
    ],
  },
  {
    name: 'react frontends',
    area: 'frontend',
    language: 'tsx',
    tools: ['vite', 'react testing library', 'storybook', 'eslint', 'playwright'],
    code: [
      [
        'export function Badge({ label }: { label: string }) {\n  return <span className="badge">{label}</span>;\n}',
        'export function List({ items }: { items: string[] }) {\n  return <ul>{items.map((i) => <li key={i}>{i}</li>)}</ul>;\n}',
      ],
    ],
  },
  {
    name: 'postgres databases',
    area: 'data',
    language: 'sql',
    tools: ['psql', 'pgbench', 'pg_stat_statements', 'explain analyze', 'git'],
    code: [
      [
        "create index concurrently if not exists articles_published_idx\n    on articles (published_at desc)\n    where status = 'published';",
        "explain (analyze, buffers)\nselect id, title from articles\nwhere status = 'published'\norder by published_at desc limit 20;",
      ],
    ],
  },
  {
    name: 'kubernetes clusters',
    area: 'infrastructure',
    language: 'yaml',
    tools: ['kubectl', 'helm', 'k9s', 'kustomize', 'prometheus'],
    code: [['apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: nightly-import', 'spec:\n  schedule: "0 3 * * *"\n  concurrencyPolicy: Forbid']],
  },
  {
    name: 'java spring services',
    area: 'backend',
    language: 'java',
    tools: ['maven', 'junit', 'spring boot', 'jacoco', 'gradle'],
    code: [
      [
        '@GetMapping("/articles")\npublic List<Article> list(@RequestParam int page) {\n    Map<String, Integer> limits = Map.of("size", 20);\n    return service.page(page, limits.get("size"));\n}',
      ],
    ],
  },
  {
    name: 'shell deploy scripts',
    area: 'operations',
    language: 'bash',
    tools: ['bash', 'shellcheck', 'rsync', 'systemd', 'make'],
    code: [['#!/usr/bin/env bash\nset -euo pipefail', 'rsync -az --delete build/ deploy@web:/srv/site/\nssh deploy@web "systemctl reload site"']],
  },
];

export const PROBLEMS = [
  'handling background jobs',
  'running scheduled tasks reliably',
  'caching api responses',
  'reducing cold start time',
  'paginating large result sets',
  'rotating secrets safely',
  'tracing slow requests',
  'migrating database schemas',
  'rate limiting public endpoints',
  'debugging memory leaks',
  'hardening file uploads',
  'shipping feature flags',
] as const;

export const SCENARIOS = [
  'for a content heavy programming website',
  'for a team that ships daily',
  'for api-first products',
  'for a small saas team',
  'for an internal tools platform',
  'for a high traffic news site',
] as const;

export const TITLES: readonly ((s: string, p: string, c: string) => string)[] = [
  (s, p, c) => `${s} notes: ${p} ${c}`,
  (s, p) => `production checklist for ${p} in ${s}`,
  (s, p) => `a practical guide to ${p} with ${s}`,
  (s, p, c) => `how we approach ${p} in ${s} ${c}`,
  (s, p) => `${p}: lessons from ${s}`,
];

export const LEDES: readonly ((s: string, p: string, c: string) => string)[] = [
  (s, p, c) => `this is a field note for developers who want a calm, readable solution. the focus is ${p} in ${s} ${c}, with checks that can be reused later.`,
  (s, p, c) =>
    `when a project grows, ${p} stops being a small cleanup task and becomes part of the way the team ships software. this alphanode note walks through a practical approach to ${s} ${c}.`,
  (s, p) =>
    `many teams notice ${p} only after traffic, content, or deploy frequency increases. this article explains how to review the issue in a ${s} project and make the fix easier to maintain.`,
  (s, p) => `${p} looks simple until the first incident. here is how we keep it predictable in ${s}, with numbers we can check before and after every change.`,
];

export const HEADINGS = [
  'the practical approach',
  'production checks',
  'why this matters',
  'security and maintenance notes',
  'measuring the baseline',
  'rollout plan',
  'common mistakes',
  'step-by-step migration',
  'what to monitor',
  'testing strategy',
  'trade-offs worth knowing',
  'a second look at the data',
] as const;

export const PARAGRAPHS = [
  'developer experience also matters. if the setup requires five manual steps, put those steps in a command, a make target, or a short runbook. small automation saves time every time the project is moved to another machine.',
  'keep the implementation boring on purpose. a clear function name, a small configuration array, and one predictable code path will usually survive future maintenance better than a clever abstraction that only one developer understands.',
  'treat staging as a rehearsal, not just a place to click around. copy the important configuration, test the real deployment command, and confirm that a rollback can be executed without searching through old notes.',
  'when the feature touches user input, validate at the boundary and keep error messages specific. a good error message should explain what failed, what value was expected, and whether the request can be retried safely.',
  'large content sites need predictable background work. queues, cron events, and import scripts should be idempotent, logged, and safe to run again. that makes recovery much easier when a request stops halfway through.',
  'cache rules should be written for people who will debug them later. name the rule, document the bypass conditions, and include examples of pages that should and should not be cached.',
  'database changes need extra care. check the existing indexes, inspect the query plan, and test the migration on a copy of real data. the fastest query in development can still become the slowest request in production.',
  'a good production pattern has a small surface area. it should be easy to test, easy to disable, and easy to explain to another developer in a few minutes.',
  'avoid mixing content decisions with infrastructure decisions. templates, query rules, and cache behavior should be separate enough that changing one does not unexpectedly break the others.',
  'security hardening works best as a checklist. confirm permissions, secrets, headers, upload limits, and logging. do not hide security settings inside unrelated code because future reviewers will miss them.',
  'write the final notes immediately after the change ships. include the reason for the change, the files touched, the command used, and the metric that improved.',
  'for performance work, change one variable at a time. measure the before state, apply the smallest safe change, clear only the cache that matters, and compare the result.',
  'the first useful improvement is usually visibility. collect the response time, error rate, cache status, and database call count before changing code.',
  'start by writing down what the system currently does. include the route, the expected input, the slow query or failing command, and the exact place where the user notices the problem.',
  'is the retry budget written down anywhere? if not, pick one, put it in configuration, and alert when it is exhausted rather than when users complain!',
  'feature flags are cheap to add and expensive to forget. give every flag an owner and a removal date, and list the stale ones in the weekly review.',
  'logs are only useful when someone can search them. use one request id across services, keep the field names stable, and drop the noisy debug lines before they cost money.',
  'timeouts belong at every network boundary. a call without a deadline turns a slow dependency into a stuck worker, and a stuck worker turns into an outage.',
  'here is the rule we settled on after two incidents: every scheduled task records when it started, when it finished, and how many items it touched.',
] as const;

export const PARAGRAPH_TAILS: readonly ((s: string) => string)[] = [
  (s) => ` for this ${s} case, keep the owner, expected result, and rollback note in the same place.`,
  () => ' the alphanode approach is to prefer a small verified change over a broad rewrite.',
  () => ' this small baseline prevents random changes and makes the final result easier to verify.',
];

export const FINAL_PARAGRAPHS: readonly ((s: string) => string)[] = [
  (s) =>
    `the best result is not only a faster or cleaner ${s} implementation. it is a change that another developer can inspect, understand, and safely repeat. keep the final commands, metrics, and assumptions close to the article so future maintenance is easier.`,
  (s) =>
    `nothing here is specific to one framework, but ${s} makes the trade-offs visible. write down what you measured, what you changed, and what you would try next.`,
];

export const CHECKLISTS = [
  ['run linting', 'run unit tests', 'run one integration check', 'verify staging config', 'tag the release'],
  ['review query plans', 'add indexes carefully', 'test with realistic data', 'compare before and after metrics', 'document the migration'],
  ['inspect cache headers', 'test logged-in traffic', 'purge only the affected route', 'measure response time', 'keep a rollback command ready'],
  ['rotate the credentials', 'update the secret store', 'restart workers one by one', 'confirm old keys are revoked'],
  ['set a deadline on every call', 'log the request id', 'alert on the retry budget', 'write the runbook entry'],
] as const;

export const ACTIONS = [
  'measure first, change carefully, document the result',
  'add visibility before changing behaviour',
  'ship the smallest safe change and verify it',
  'write the rollback before the rollout',
] as const;

export const STATUSES = ['drafted', 'expanded', 'reviewed', 'published'] as const;

export const NOTES = [
  'sanitized array meta is expected to render as a list in the frontend box',
  'view count is synthetic and only used for testing meta volume',
  'content is generated for import/load testing and should be reviewed before indexing',
  'images are placeholders and carry no licensing information',
] as const;

export const EXTRA_LINES = ['exported by anp page exporter 2.4', 'render time 184 ms', 'canonical url pending', 'author desk: platform'] as const;

export const SIMILAR_POSTS = [
  'caching api responses in node.js apis',
  'a practical guide to tracing slow requests',
  'production checklist for rotating secrets safely',
] as const;

export type ImageHost = { source: string; url: (slug: string, n: number, index: number) => string };

export const IMAGE_HOSTS: readonly ImageHost[] = [
  { source: 'loremflickr.com', url: (_s, _n, index) => `https://loremflickr.com/1200/630/code,developer?lock=${index}` },
  { source: 'dummyimage.com', url: (slug) => `https://dummyimage.com/1200x630/111827/ffffff.png&text=${slug}` },
  { source: 'placehold.co', url: (slug) => `https://placehold.co/1200x630/png?text=${slug}` },
  { source: 'picsum.photos', url: (_s, n, index) => `https://picsum.photos/seed/anp-${String(index + n).padStart(6, '0')}/1200/630` },
  { source: 'unsplash', url: () => 'https://images.unsplash.com/photo-1555949963-aa79dcee981c?auto=format&fit=crop&w=1200&q=80' },
];

export const HTML_WRAPS: readonly ((word: string) => string)[] = [
  (w) => `<b>${w}</b>`,
  (w) => `<em>${w}</em>`,
  (w) => `<a href="https://alphanode.example/${w}">${w}</a>`,
  (w) => `<span style="color:red">${w}</span>`,
];

export const HTML_INSERTS = [
  '<script>alert("x")</script>',
  '<style>.ad{display:none}</style>',
  '<br>',
  '<!-- tracking pixel -->',
  '<img src="x" onerror="alert(1)">',
] as const;
