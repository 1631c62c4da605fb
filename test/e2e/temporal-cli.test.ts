import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { WorkflowFailedError, type WorkflowExecutionDescription, type WorkflowHandle } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { connectClient, startImport, type PressroomClient } from '../../src/client.js';
import { decideRelease, startRelease } from '../../src/client/release.js';
import { reindexInput } from '../../src/client/reindex.js';
import { reindexWorkflow } from '../../src/workflows/reindex.js';
import type { FreshnessSweepReport } from '../../src/domain/freshness.js';
import type { ReindexReport } from '../../src/domain/search/input.js';
import type { Config } from '../../src/config.js';
import { importMemo, importSummary } from '../../src/domain/import/index.js';
import type { ReleaseReport, ReleaseStatusView } from '../../src/domain/release/input.js';
import { previewRelease } from '../../src/release/build.js';
import { startWorker, type RunningWorker } from '../../src/worker.js';
import { PressroomKind, PressroomOutcome, PressroomSource } from '../../src/workflows/search-attributes.js';
import { writeCorpus, type Corpus } from '../helpers/corpus.js';
import { backends, type TestDatabase } from '../helpers/db.js';
import { reachStep } from '../helpers/release-e2e.js';
import { testConfig, uniqueQueue, workflowBundle } from '../helpers/temporal.js';

const run = promisify(execFile);
const README = join(import.meta.dirname, '..', '..', 'README.md');

/** One `### <type>` of the section: every command line of its sh blocks (as words), the start and result lines among them, and its result JSON. */
type Example = { type: string; lines: string[][]; start: string[]; result: string[]; resultJson: unknown };

/** Splits a shell command line the way sh would for these examples: blanks, and single-quoted words. */
function shellWords(line: string): string[] {
  const words: string[] = [];
  for (const match of line.matchAll(/'([^']*)'|(\S+)/g)) words.push(match[1] ?? match[2]!);
  return words;
}

/** The README's "Workflows" section: for each `### <type>`, its commands (from every sh block) and its first result JSON. */
function readmeExamples(): Map<string, Example> {
  const text = readFileSync(README, 'utf8');
  const start = text.indexOf('\n## Workflows\n');
  expect(start, 'README has a "Workflows" section').toBeGreaterThan(0);
  const section = text.slice(start + 1, text.indexOf('\n## ', start + 1));
  const examples = new Map<string, Example>();
  for (const part of section.split('\n### ').slice(1)) {
    const type = part.slice(0, part.indexOf('\n')).trim();
    const sh = [...part.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
    const json = /```json\n([\s\S]*?)```/.exec(part)?.[1];
    expect(sh.length, `${type}: a sh example`).toBeGreaterThan(0);
    expect(json, `${type}: a json result`).toBeDefined();
    const lines = sh
      .join('\n')
      .replace(/\\\n\s*/g, ' ')
      .split('\n')
      .filter(Boolean)
      .map(shellWords);
    const startLine = lines.find((words) => words.slice(0, 3).join(' ') === 'temporal workflow start');
    const resultLine = lines.find((words) => words.slice(0, 3).join(' ') === 'temporal workflow result');
    expect(startLine, `${type}: a temporal workflow start line`).toBeDefined();
    expect(resultLine, `${type}: a temporal workflow result line`).toBeDefined();
    examples.set(type, { type, lines, start: startLine!.slice(1), result: resultLine!.slice(1), resultJson: JSON.parse(json!.replaceAll('…', '')) });
  }
  return examples;
}

/** The JSON's shape: its keys, recursively, never its values. */
function shape(value: unknown): unknown {
  // Arrays by kind only: an example's empty list and a test's full one have the same shape.
  if (Array.isArray(value)) return 'array';
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value)
        .map(([k, v]) => [k, shape(v)])
        .sort(([a], [b]) => String(a).localeCompare(String(b))),
    );
  return typeof value;
}

/** A value as the temporal binary prints it with `--output json`: an empty list becomes null. */
function asPrinted(value: unknown): unknown {
  if (Array.isArray(value)) return value.length === 0 ? null : value.map(asPrinted);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, asPrinted(v)]));
  return value;
}

function flagValue(args: string[], flag: string): string {
  const index = args.indexOf(flag);
  expect(index, `${flag} in ${args.join(' ')}`).toBeGreaterThan(0);
  return args[index + 1]!;
}

function withFlag(args: string[], flag: string, value: string): string[] {
  const copy = [...args];
  copy[copy.indexOf(flag) + 1] = value;
  return copy;
}

for (const backend of backends().slice(0, 1)) {
  describe(`the temporal CLI starts every workflow as README "Workflows" shows (${backend.name})`, () => {
    const root = mkdtempSync(join(tmpdir(), 'pressroom-cli-'));
    const examples = readmeExamples();
    let database: TestDatabase;
    let config: Config;
    let worker: RunningWorker;
    let pc: PressroomClient;
    let corpus: Corpus;
    /** The release the client published first, and the one the README's release published after it. */
    let firstRelease: string;
    let cliRelease: string;

    const temporal = async (args: string[]) => {
      const { stdout } = await run(inject('temporalCli'), [...args, '--address', inject('temporalAddress')], { timeout: 120_000 });
      return stdout;
    };

    /**
     * Runs a README example with the real binary: the task queue, workflow id and the input's values
     * are this test's, but the input keeps the README's shape exactly. Returns the printed result.
     */
    const runExample = async (type: string, values: (input: Record<string, unknown>) => Record<string, unknown>) => {
      const example = examples.get(type);
      expect(example, `README documents ${type}`).toBeDefined();
      const readmeInput = JSON.parse(flagValue(example!.start, '--input')) as Record<string, unknown>;
      const input = values(structuredClone(readmeInput));
      expect(shape(input)).toEqual(shape(readmeInput));
      expect(flagValue(example!.start, '--type')).toBe(type);
      expect(flagValue(example!.start, '--task-queue')).toBe('pressroom');
      const workflowId = uniqueQueue(`${type}-cli`);
      let start = withFlag(example!.start, '--task-queue', config.temporal.taskQueue);
      start = withFlag(start, '--workflow-id', workflowId);
      start = withFlag(start, '--input', JSON.stringify(input));
      await temporal(start);
      const result = await printedResult(type, workflowId);
      return { workflowId, result, handle: pc.client.workflow.getHandle(workflowId) };
    };

    /**
     * The README's `temporal workflow result` line for this run, through the binary; what it prints must be
     * the run's result (the binary prints an empty list as null), in the README's shape. Returns the result.
     */
    const printedResult = async (type: string, workflowId: string) => {
      const example = examples.get(type)!;
      const printed = await temporal([...withFlag(example.result, '--workflow-id', workflowId), '--output', 'json']);
      const result: unknown = await pc.client.workflow.getHandle(workflowId).result();
      expect((JSON.parse(printed) as { result?: unknown }).result).toEqual(asPrinted(result));
      expect(shape(result), `${type}'s result has the README's shape`).toEqual(shape(example.resultJson));
      return result;
    };

    /** The example's command lines that begin `temporal <verb…>` (`temporal` dropped), e.g. ('workflow', 'update', 'execute'). */
    const commands = (type: string, ...verb: string[]) =>
      examples
        .get(type)!
        .lines.filter((words) => words.slice(0, verb.length + 1).join(' ') === ['temporal', ...verb].join(' '))
        .map((words) => words.slice(1));
    /** Runs a command the binary must refuse; returns what it printed on stderr. */
    const temporalRefuses = async (args: string[]) => {
      const error = (await temporal(args).then(
        () => undefined,
        (e: unknown) => e,
      )) as { code?: number; stderr?: string } | undefined;
      expect(error, `temporal ${args.join(' ')} should fail`).toBeDefined();
      expect(error!.code).not.toBe(0);
      return error!.stderr ?? '';
    };
    /** The README's release start line, on this test's task queue and a workflow id of its own, its input exactly as written. */
    const startReadmeRelease = async () => {
      const workflowId = uniqueQueue('release-cli');
      const example = examples.get('releaseWorkflow')!;
      await temporal(withFlag(withFlag(example.start, '--task-queue', config.temporal.taskQueue), '--workflow-id', workflowId));
      return workflowId;
    };
    /** The README's releaseStatus query, through the binary, until the release waits for a decision. */
    const queryUntilAwaiting = async (workflowId: string) => {
      const [query] = commands('releaseWorkflow', 'workflow', 'query');
      expect(flagValue(query!, '--type')).toBe('releaseStatus');
      for (let i = 0; i < 200; i++) {
        const printed = await temporal([...withFlag(query!, '--workflow-id', workflowId), '--output', 'json']);
        const status = (JSON.parse(printed) as { queryResult: [ReleaseStatusView] }).queryResult[0];
        if (status.step === 'awaiting-approval') return status;
        expect(['building', 'checking', 'staging', 'verifying-staging']).toContain(status.step);
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`${workflowId} never awaited approval`);
    };
    /** The README's update line for `name` (approveRelease or rejectRelease), aimed at this workflow; `input` replaces the README's when given. */
    const decisionCommand = (name: string, workflowId: string, input?: unknown) => {
      const line = commands('releaseWorkflow', 'workflow', 'update', 'execute').find((words) => flagValue(words, '--name') === name);
      expect(line, `README shows temporal workflow update execute --name ${name}`).toBeDefined();
      const decision = JSON.parse(flagValue(line!, '--input')) as Record<string, unknown>;
      expect(Object.keys(decision).sort()).toEqual(['by', 'reason']);
      const aimed = withFlag(line!, '--workflow-id', workflowId);
      return input === undefined ? aimed : withFlag(aimed, '--input', JSON.stringify(input));
    };
    const productionRelease = async () => (await worker.store.releases.environments()).find((e) => e.name === 'production')!.releaseId;

    const searchAttributes = (d: WorkflowExecutionDescription) => ({
      kind: d.typedSearchAttributes.get(PressroomKind),
      source: d.typedSearchAttributes.get(PressroomSource),
      outcome: d.typedSearchAttributes.get(PressroomOutcome),
    });
    const currentDetails = async (handle: WorkflowHandle) =>
      ((await handle.query<{ currentDetails?: string }>('__temporal_workflow_metadata')).currentDetails ?? '').split('\n\n');

    beforeAll(async () => {
      database = await backend.create();
      config = testConfig(database.config);
      worker = await startWorker(config, { workflowBundle: workflowBundle() });
      pc = await connectClient(config);
      corpus = writeCorpus(join(root, 'corpus'), { seed: 23, count: 40, badRatio: 0.2 });
    });
    afterAll(async () => {
      await pc?.close();
      await worker?.shutdown();
      await database?.cleanup();
      rmSync(root, { recursive: true, force: true });
    });

    it('documents exactly the workflows the worker serves', () => {
      expect([...examples.keys()].sort()).toEqual([
        'freshnessSweepWorkflow',
        'importWorkflow',
        'probeWorkflow',
        'reindexWorkflow',
        'releaseWorkflow',
        'reviewWorkflow',
        'rollbackWorkflow',
      ]);
    });

    it('importWorkflow: a CLI-started import reports like `pressroom import`, with the same memo, details and search attributes', async () => {
      expect(corpus.bad.length).toBeGreaterThan(0);
      const { result, handle } = await runExample('importWorkflow', (input) => ({ ...input, paths: [corpus.dir] }));
      expect(result).toMatchObject({ status: 'completed', total: 40, counts: { created: corpus.good.length, rejected: corpus.bad.length } });

      // The same source through the client (a dry run: its own id, nothing written).
      const { handle: ours } = await startImport(pc, { paths: [corpus.dir], dryRun: true });
      await ours.result();
      const [cliRun, clientRun] = await Promise.all([handle.describe(), ours.describe()]);

      expect(cliRun.memo).toEqual(importMemo({ paths: [corpus.dir], dryRun: false }));
      expect(clientRun.memo).toEqual(importMemo({ paths: [corpus.dir], dryRun: true }));
      expect(searchAttributes(cliRun)).toEqual({ kind: 'import', source: corpus.dir, outcome: 'rejections' });
      expect(searchAttributes(clientRun)).toEqual({ kind: 'import', source: corpus.dir, outcome: 'rejections' });

      const [summary, progress] = await currentDetails(handle);
      expect(summary).toBe(`**${importSummary({ paths: [corpus.dir], dryRun: false })}**`);
      expect(progress).toBe(`completed: 40 / 40 files: ${corpus.good.length} created, ${corpus.bad.length} rejected`);
      expect((await currentDetails(ours))[0]).toBe(`**${importSummary({ paths: [corpus.dir], dryRun: true })}**`);

      // The Web UI's filter, through the visibility store (eventually consistent).
      const query = `PressroomKind = "import" AND PressroomOutcome = "rejections" AND PressroomSource = "${corpus.dir}"`;
      let found: string[] = [];
      for (let i = 0; i < 50 && found.length < 2; i++) {
        found = [];
        for await (const execution of pc.client.workflow.list({ query })) found.push(execution.workflowId);
        if (found.length < 2) await new Promise((r) => setTimeout(r, 200));
      }
      expect(found.sort()).toEqual([handle.workflowId, ours.workflowId].sort());
    });

    it('reviewWorkflow: the README example changes an imported article and marks the run', async () => {
      const sourceId = corpus.good[0]!.sourceId;
      const { result, handle } = await runExample('reviewWorkflow', (input) => ({ ...input, sourceIds: [sourceId, 'no-such-article'] }));
      expect(result).toEqual({ decision: 'approve', changed: [sourceId], unknown: ['no-such-article'] });
      expect(searchAttributes(await handle.describe())).toMatchObject({ kind: 'review', outcome: 'completed' });
    });

    it('probeWorkflow: the README example writes and reads back its row', async () => {
      const key = uniqueQueue('cli');
      const { result, handle } = await runExample('probeWorkflow', (input) => ({ ...input, key }));
      expect(result).toEqual({ key, value: 'hello', attempts: 1 });
      expect(await worker.store.probes.read(key)).toMatchObject({ value: 'hello' });
      expect(searchAttributes(await handle.describe())).toMatchObject({ kind: 'probe', outcome: 'completed' });
    });

    it('a CLI input missing a field fails at once, naming it', async () => {
      const workflowId = uniqueQueue('probe-bad');
      await temporal([
        'workflow',
        'start',
        '--type',
        'probeWorkflow',
        '--task-queue',
        config.temporal.taskQueue,
        '--workflow-id',
        workflowId,
        '--input',
        '{"key":"k"}',
      ]);
      const error = await pc.client.workflow
        .getHandle(workflowId)
        .result()
        .catch((e: unknown) => e);
      expect((error as { cause?: { type?: string; message?: string } }).cause).toMatchObject({ type: 'InvalidInput' });
      expect((error as { cause: { message: string } }).cause.message).toContain('value: expected a string value');
    });

    it('after continue-as-new the final run keeps the memo, search attributes and details; progress is live while it runs', async () => {
      const big = writeCorpus(join(root, 'big'), { seed: 29, count: 60, from: 1_000, badRatio: 0.1 });
      const { handle } = await startImport(pc, { paths: [big.dir], batchSize: 5, concurrency: 1, maxBatchesPerRun: 6 });

      // While it runs: "<files> / 60 files: <n> created, <n> rejected", some but not all files done.
      let live: string | undefined;
      for (let i = 0; i < 300 && !live; i++) {
        const line = (await currentDetails(handle).catch(() => []))[1];
        const files = line ? /^(\d+) \/ 60 files: \d+ created, \d+ rejected$/.exec(line)?.[1] : undefined;
        if (files && Number(files) > 0 && Number(files) < 60) live = line;
        else if (line?.startsWith('completed')) break;
        else await new Promise((r) => setTimeout(r, 50));
      }
      expect(live, 'live progress in the current details').toBeDefined();

      const report = await handle.result();
      expect(report.runs).toBe(2);
      const last = await pc.client.workflow.getHandle(handle.workflowId).describe();
      expect(last.runId).not.toBe(report.importRunId);
      // The static summary stays with the first run (SDK 1.24 cannot pass it on): memo, search attributes and details carry it.
      expect(last.memo).toEqual(importMemo({ paths: [big.dir], dryRun: false }));
      expect(searchAttributes(last)).toEqual({ kind: 'import', source: big.dir, outcome: 'rejections' });
      const details = await currentDetails(pc.client.workflow.getHandle(handle.workflowId));
      expect(details[0]).toBe(`**Import of ${big.dir}**`);
      expect(details[1]).toBe(`completed: 60 / 60 files: ${big.good.length} created, ${big.bad.length} rejected`);
      expect(details[2]).toBe('run 2 of the chain');
    });

    it('releaseWorkflow: started, queried and approved with the temporal CLI as README shows; the update refuses an empty reason', async () => {
      // A first release through the client (one article), so that the CLI's release has a base and a rollback a target.
      const approved = (await worker.store.articles.list({ limit: 1_000, offset: 0, reviewState: 'approved' })).articles.map((a) => a.sourceId);
      expect(approved.length).toBeGreaterThan(2);
      const preview = await previewRelease(worker.store, [approved[0]!]);
      const { handle: first } = await startRelease(pc, { requestedBy: 'ed', only: [approved[0]!] }, preview.releaseId);
      await reachStep(first, 'awaiting-approval');
      await decideRelease(pc, first.workflowId, true, { by: 'lead', reason: 'the first article alone' });
      const firstReport = await first.result();
      expect(firstReport).toMatchObject({ status: 'live', plan: { articles: 1 } });
      firstRelease = firstReport.releaseId!;

      const example = examples.get('releaseWorkflow')!;
      expect(flagValue(example.start, '--type')).toBe('releaseWorkflow');
      expect(flagValue(example.start, '--task-queue')).toBe('pressroom');
      const workflowId = await startReadmeRelease();
      const waiting = await queryUntilAwaiting(workflowId);
      expect(waiting).toMatchObject({
        kind: 'release',
        requestedBy: 'ada',
        autoApprove: false,
        plan: { baseRelease: firstRelease, articles: approved.length },
      });
      // Every blocking check passed; a warning may not have, and without autoApprove the release waits either way.
      expect(waiting.checks?.passed).toBe(true);

      const refused = await temporalRefuses(decisionCommand('approveRelease', workflowId, { by: 'grace', reason: ' ' }));
      expect(refused).toContain('approveRelease refused');
      expect(refused).toContain('reason');
      expect((await pc.client.workflow.getHandle(workflowId).query<ReleaseStatusView>('releaseStatus')).step).toBe('awaiting-approval');

      const answered = JSON.parse(await temporal([...decisionCommand('approveRelease', workflowId), '--output', 'json'])) as { result?: ReleaseStatusView };
      expect(answered.result).toMatchObject({ step: 'promoting', decision: { by: 'grace', reason: 'read it on staging', approved: true } });

      const report = (await printedResult('releaseWorkflow', workflowId)) as ReleaseReport;
      expect(report).toMatchObject({
        status: 'live',
        requestedBy: 'ada',
        decision: { by: 'grace', approved: true },
        plan: { baseRelease: firstRelease, diff: { added: approved.length - 1 } },
        rollbackCommand: `pressroom rollback ${firstRelease}`,
      });
      expect(await productionRelease()).toBe(report.releaseId);
      const handle = pc.client.workflow.getHandle(workflowId);
      expect(searchAttributes(await handle.describe())).toEqual({ kind: 'release', source: report.releaseId, outcome: 'live' });
      expect((await currentDetails(handle))[1]).toBe(`release ${report.releaseId} is live as ${report.tag}; undo with \`pressroom rollback ${firstRelease}\``);
      cliRelease = report.releaseId!;
    });

    it('rollbackWorkflow: the README example puts production back on the release before', async () => {
      const { result, handle } = await runExample('rollbackWorkflow', (input) => input);
      expect(result).toMatchObject({
        kind: 'rollback',
        status: 'live',
        target: firstRelease,
        plan: { baseRelease: cliRelease },
        rollbackCommand: `pressroom rollback ${cliRelease}`,
      });
      expect(await productionRelease()).toBe((result as ReleaseReport).releaseId);
      expect(searchAttributes(await handle.describe())).toMatchObject({ kind: 'rollback', outcome: 'live' });
    });

    it('reindexWorkflow: the README example builds a generation beside the live one, verifies it and swaps it in; progress answers', async () => {
      // A first generation through the client, so the README's run has one to replace (its `previous`).
      // Under an id of its own: `reindex-full` is shared by every task queue on this dev server.
      const first = await pc.client.workflow.execute(reindexWorkflow, {
        taskQueue: config.temporal.taskQueue,
        workflowId: uniqueQueue('reindex-first'),
        args: [reindexInput({ mode: 'full', requestedBy: 'tester' })],
      });
      expect(first).toMatchObject({ generation: 1, swapped: true });
      const { result, handle } = await runExample('reindexWorkflow', (input) => input);
      const report = result as ReindexReport;
      expect(report).toMatchObject({ mode: 'full', generation: 2, previous: 1, swapped: true, failed: 0, watermark: { releaseId: await productionRelease() } });
      expect(report.verification?.passed).toBe(true);
      const [query] = commands('reindexWorkflow', 'workflow', 'query');
      const progress = JSON.parse(await temporal([...withFlag(query!, '--workflow-id', handle.workflowId), '--output', 'json'])) as { queryResult: unknown[] };
      expect(progress.queryResult[0]).toMatchObject({ mode: 'full', step: 'done', generation: 2 });
      expect(searchAttributes(await handle.describe())).toMatchObject({ kind: 'reindex', outcome: 'completed' });
    });

    it('rejectRelease: the README update ends the release rejected, production untouched', async () => {
      const before = await productionRelease();
      const workflowId = await startReadmeRelease();
      await queryUntilAwaiting(workflowId);
      const answered = JSON.parse(await temporal([...decisionCommand('rejectRelease', workflowId), '--output', 'json'])) as { result?: ReleaseStatusView };
      expect(answered.result).toMatchObject({ step: 'rejected', decision: { by: 'grace', approved: false } });
      const handle = pc.client.workflow.getHandle(workflowId);
      const error = await handle.result().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(WorkflowFailedError);
      const cause = (error as WorkflowFailedError).cause as Error & { type?: string; details?: unknown[] };
      expect(cause.type).toBe('ApprovalRejected');
      expect(cause.details?.[0]).toMatchObject({ status: 'rejected', reason: 'rejected by grace: the lede of a1b2c3 is wrong' });
      expect(await productionRelease()).toBe(before);
      expect(searchAttributes(await handle.describe())).toMatchObject({ kind: 'release', outcome: 'rejected' });
      // Decided once: a later decision is refused.
      expect(await temporalRefuses(decisionCommand('approveRelease', workflowId))).toMatch(/already completed|not awaiting approval/);
    });

    it('freshnessSweepWorkflow: the README example sends articles not reviewed within maxAgeDays back to review', async () => {
      // Last in this file: the release examples above need their articles approved.
      const { result, handle } = await runExample('freshnessSweepWorkflow', (input) => ({ ...input, maxAgeDays: 400 }));
      const report = result as FreshnessSweepReport;
      expect(report).toMatchObject({ sweepId: handle.workflowId, maxAgeDays: 400, truncated: false });
      expect(report.stale).toBe(report.sourceIds.length);
      expect(report.stale).toBeGreaterThan(0);
      for (const id of report.sourceIds) expect((await worker.store.articles.get(id))?.reviewState).toBe('pending');
      expect(searchAttributes(await handle.describe())).toMatchObject({ kind: 'sweep', outcome: 'completed' });
    });

    it('a bad releaseWorkflow input from the CLI fails at once, naming each field', async () => {
      const workflowId = uniqueQueue('release-bad');
      const example = examples.get('releaseWorkflow')!;
      let start = withFlag(example.start, '--task-queue', config.temporal.taskQueue);
      start = withFlag(start, '--workflow-id', workflowId);
      await temporal(withFlag(start, '--input', JSON.stringify({ requestedBy: 'ada', only: [], autoApprove: 'yes', approvalTimeoutMs: 1_000 })));
      const error = await pc.client.workflow
        .getHandle(workflowId)
        .result()
        .catch((e: unknown) => e);
      const cause = (error as { cause?: { type?: string; message?: string } }).cause;
      expect(cause).toMatchObject({ type: 'InvalidInput' });
      for (const field of ['only', 'autoApprove', 'approvalTimeoutMs']) expect(cause?.message).toContain(field);
    });
  });
}
