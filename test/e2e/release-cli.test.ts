import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectClient, type PressroomClient } from '../../src/client.js';
import type { Config } from '../../src/config.js';
import { parseExport, synthesizeDocument, type SynthDocument } from '../../src/domain/article/index.js';
import type { ReleaseReport, ReleaseStatusView } from '../../src/domain/release/input.js';
import { CONTENT_CHECKS } from '../../src/domain/release/checks.js';
import { startWorker, type RunningWorker } from '../../src/worker.js';
import { runCli, type CliRun } from '../cli/capture.js';
import { backends, type TestDatabase } from '../helpers/db.js';
import { testConfig, workflowBundle } from '../helpers/temporal.js';

// A newcomer's path through the CLI, against a real worker, the shared dev server and PGlite: import,
// release with auto-approve, read the history and one release, find nothing more to release, change
// an article, release it with an explicit approval, and roll it back, checking production through
// the read API at each step. No cache is configured, so purging is a logged no-op here.

const SEED = 7;

/** Exports that pass every content check (warnings too), so `--auto-approve` really goes on by itself. */
function cleanDocuments(count: number): SynthDocument[] {
  const docs: SynthDocument[] = [];
  for (let index = 0; docs.length < count; index++) {
    const doc = synthesizeDocument(SEED, index);
    const article = doc.expected;
    if (!article || article.meta.flags?.needsHumanReview) continue;
    const review = { approved: true, by: 'ed', published: false };
    if (CONTENT_CHECKS.every((check) => check.run({ sourceId: doc.sourceId, revision: 1, article, review }).length === 0)) docs.push(doc);
  }
  return docs;
}

describe('the release commands against a real worker, dev server and database', () => {
  const root = mkdtempSync(join(tmpdir(), 'pressroom-release-cli-'));
  const corpus = join(root, 'corpus');
  let database: TestDatabase;
  let config: Config;
  let worker: RunningWorker;
  let pc: PressroomClient;
  let env: NodeJS.ProcessEnv;
  const docs = cleanDocuments(4);
  const first = { id: '', tag: '' };
  let second = '';
  let slug = '';

  const cli = (...args: string[]): Promise<CliRun> => runCli(args, env);
  const site = async (path: string) => {
    const response = await fetch(`${worker.httpUrl}${path}`, { headers: { accept: 'application/json' } });
    return { status: response.status, body: (await response.json()) as { title?: string; error?: string } };
  };
  const statusOf = async (id: string): Promise<ReleaseStatusView | undefined> => {
    const run = await cli('release', 'status', id, '--json');
    return run.code === 0 ? (JSON.parse(run.stdout) as { view?: ReleaseStatusView }).view : undefined;
  };

  beforeAll(async () => {
    database = await backends()[0]!.create();
    config = testConfig(database.config, { REVIEW_POLICY: 'none' });
    worker = await startWorker(config, { workflowBundle: workflowBundle() });
    env = { ...process.env, TEMPORAL_ADDRESS: config.temporal.address, TASK_QUEUE: config.temporal.taskQueue, PRESSROOM_API_URL: worker.httpUrl };
    mkdirSync(corpus, { recursive: true });
    for (const doc of docs) writeFileSync(join(corpus, doc.fileName), doc.content);
    pc = await connectClient(config);
  });
  afterAll(async () => {
    await pc?.close();
    await worker?.shutdown();
    await database?.cleanup();
    rmSync(root, { recursive: true, force: true });
  });

  it('imports, then releases with --auto-approve --wait: live with a tag, production serves it', async () => {
    const imported = await cli('import', corpus, '--wait', '--json');
    expect(imported.code, imported.stderr).toBe(0);

    const run = await cli('release', '--auto-approve', '--wait', '--json', '--by', 'ana');
    expect(run.code, run.stderr).toBe(0);
    const { status, report } = JSON.parse(run.stdout) as { status: string; report: ReleaseReport };
    expect(status).toBe('live');
    expect(report).toMatchObject({ step: 'live', requestedBy: 'ana', plan: { articles: docs.length, diff: { added: docs.length } } });
    expect(report.tag).toMatch(/^\d{4}\.\d{2}\.\d{2}-\d+$/);
    expect(report.decision).toMatchObject({ by: 'ana', approved: true });
    expect(report.checks?.results.every((r) => r.passed)).toBe(true);
    // The first release replaced nothing: there is no earlier release to go back to.
    expect(report.rollbackCommand).toBeNull();
    first.id = report.releaseId!;
    first.tag = report.tag!;

    const article = await site(`/production/`);
    expect(article.status).toBe(200);
  });

  it('releases --json lists it, with production serving it; release show has checks and changelog', async () => {
    const listed = await cli('releases', '--json');
    expect(listed.code, listed.stderr).toBe(0);
    const page = JSON.parse(listed.stdout) as {
      total: number;
      items: Array<{ id: string; status: string; tag: string }>;
      environments: Array<{ name: string; releaseId: string }>;
    };
    expect(page.total).toBe(1);
    expect(page.items[0]).toMatchObject({ id: first.id, status: 'live', tag: first.tag });
    expect(page.environments).toContainEqual(expect.objectContaining({ name: 'production', releaseId: first.id }));

    const table = await cli('releases');
    expect(table.stdout).toMatch(new RegExp(`production\\s+serves ${first.id} \\(${first.tag.replace(/\./g, '\\.')}\\)`));

    const shown = await cli('release', 'show', first.id, '--json');
    expect(shown.code, shown.stderr).toBe(0);
    const detail = JSON.parse(shown.stdout) as {
      checks: { results: Array<{ check: string }> };
      changelog: string;
      items: { entries: Array<{ slug: string }> };
    };
    expect(detail.checks.results.map((r) => r.check)).toEqual(CONTENT_CHECKS.map((c) => c.name));
    expect(detail.changelog).toContain(first.tag);
    slug = detail.items.entries.find((e) => e.slug.endsWith(docs[0]!.sourceId))?.slug ?? '';
    expect(slug).not.toBe('');

    const text = await cli('release', 'show', `release-${first.id}`);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain(`release ${first.id}: live, tag ${first.tag}, served by production and staging`);
    expect(text.stdout).toContain('checks: 5 passed\n  ok    required-fields (blocking)');
    expect(text.stdout).toMatch(/changelog:\n/);
    expect(text.stdout).toMatch(/production promote \(none\) → rel-/);
  });

  it('a second release finds nothing to release (exit 1)', async () => {
    const run = await cli('release', '--auto-approve');
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^nothing to release: production \(rel-[0-9a-f]{16}\) already serves every approved revision/);
  });

  it('a changed article is released after an explicit approval; starting it twice attaches', async () => {
    const doc = docs[0]!;
    const oldTitle = doc.expected!.title;
    // The title is the first place its text appears (exports vary the whitespace around it).
    const content = String(doc.content).replace(oldTitle, `${oldTitle} second edition`);
    expect(parseExport(content)).toMatchObject({ ok: true, article: { title: `${oldTitle} second edition` } });
    writeFileSync(join(corpus, doc.fileName), content);
    expect((await cli('import', corpus, '--wait')).code).toBe(0);

    const started = await cli('release', '--json', '--by', 'ana');
    expect(started.code, started.stderr).toBe(0);
    const start = JSON.parse(started.stdout) as { releaseId: string; workflowId: string; attached: boolean };
    expect(start).toMatchObject({ attached: false, workflowId: `release-${start.releaseId}` });
    second = start.releaseId;
    const again = await cli('release', '--by', 'bo');
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain(`attached to the running release ${second}`);
    expect(again.stderr).toContain(`pressroom release approve ${second} --by NAME --reason TEXT`);

    await expect.poll(async () => (await statusOf(second))?.step, { timeout: 30_000, interval: 500 }).toBe('awaiting-approval');
    // Staging serves the change already; production does not.
    expect((await site(`/staging/articles/${slug}`)).body.title).toBe(`${oldTitle} second edition`);
    expect((await site(`/production/articles/${slug}`)).body.title).toBe(oldTitle);

    const refused = await cli('release', 'approve', second, '--by', 'bo', '--reason', ' ');
    expect(refused.code).toBe(2);
    const approved = await cli('release', 'approve', second, '--by', 'bo', '--reason', 'checked the new title');
    expect(approved.code, approved.stderr).toBe(0);
    expect(approved.stdout).toContain(`approved release ${second} as bo`);

    const report = (await pc.client.workflow.getHandle(`release-${second}`).result()) as ReleaseReport;
    expect(report).toMatchObject({ step: 'live', decision: { by: 'bo', reason: 'checked the new title', approved: true }, plan: { diff: { updated: 1 } } });
    expect(report.rollbackCommand).toBe(`pressroom rollback ${first.id}`);
    expect((await site(`/production/articles/${slug}`)).body.title).toBe(`${oldTitle} second edition`);

    // Decided and finished: a second decision is refused, not applied.
    const late = await cli('release', 'reject', second, '--by', 'bo', '--reason', 'too late');
    expect(late.code).toBe(1);

    const status = await cli('release', 'status', second);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toContain(`undo: pressroom rollback ${first.id} --reason 'undo ${second}'`);
  });

  it('rollback --reason puts production back on the previous release and prints how to undo it', async () => {
    const run = await cli('rollback', '--reason', 'the new title is wrong', '--by', 'ana', '--wait');
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(
      /^rollback (rb-[0-9a-f]{16}) is live as [\d.-]+; undo with `pressroom rollback rel-[0-9a-f]{16}`\n {2}workflow rollback-previous\n/,
    );
    expect(run.stdout).toContain(`serves ${first.id} again`);
    expect(run.stdout).toMatch(new RegExp(`undo: pressroom rollback ${second} --reason 'undo rb-[0-9a-f]{16}'`));
    expect((await site(`/production/articles/${slug}`)).body.title).toBe(docs[0]!.expected!.title);

    const listed = JSON.parse((await cli('releases', '--json')).stdout) as {
      items: Array<{ kind: string; status: string; target: string | null; id: string }>;
    };
    expect(listed.items.map((r) => [r.kind, r.status])).toEqual([
      ['rollback', 'live'],
      ['release', 'rolled-back'],
      ['release', 'live'],
    ]);
    expect(listed.items[0]!.target).toBe(first.id);
  });
});
