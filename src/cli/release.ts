// `pressroom release`, `release approve|reject|status RELEASE` and `pressroom rollback`: start, decide
// and follow releases and rollbacks through Temporal. What a release would build, and who runs one
// now, come from the worker's HTTP API; the reports come from the workflows themselves.

import { userInfo } from 'node:os';
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { connectClient } from '../client.js';
import {
  decideRelease,
  releaseIdOf,
  releaseInput,
  releaseResult,
  releaseStatus,
  releaseWorkflowId,
  rollbackInput,
  startRelease,
  startRollback,
  type ReleaseOutcome,
  type ReleaseRequest,
} from '../client/release.js';
import { loadConfig, type Config } from '../config.js';
import { ErrorType, errorTypeOf } from '../domain/errors.js';
import type { ReleaseStatusView } from '../domain/release/input.js';
import { WorkflowIds } from '../domain/names.js';
import { pathOf, type ReleaseCandidateRecord } from '../http/contract.js';
import { apiGet } from './api-client.js';
import { ApiError, UsageError } from './errors.js';
import { FOLLOW_LIMITS, followRun, QUERY_DEADLINE_MS } from './follow-run.js';
import { ReconnectingClient } from './reconnecting-client.js';
import { releaseRef } from './release-args.js';
import { describeReleaseView } from './releases.js';
import type { Cli } from './output.js';

export type ReleaseOptions = {
  autoApprove?: boolean;
  only?: string[];
  wait?: boolean;
  json?: boolean;
  by?: string;
  approvalTimeout?: number;
};
export type DecideOptions = { by: string; reason: string; json?: boolean };
export type RollbackOptions = { reason?: string; by?: string; wait?: boolean; json?: boolean };

/** Who asks, when --by is not given: the OS user, as `review` does. Filled in here, never in the workflow. */
const whoAmI = (by: string | undefined) => by ?? userInfo().username;

/** InvalidInput from the client's input check is the command line's fault: exit 2 naming the field. */
function asUsage<T>(check: () => T): T {
  try {
    return check();
  } catch (error) {
    if (errorTypeOf(error) === ErrorType.InvalidInput) throw new UsageError((error as Error).message);
    throw error;
  }
}

/**
 * Refuses to start while another release or rollback holds the release lock, naming it: only one runs
 * at a time. (The workflow's lock refuses it too; this says so before anything starts.)
 */
async function refuseWhileAnotherRuns(cli: Cli, config: Config, workflowId: string): Promise<boolean> {
  const { running } = await apiGet(config, 'listReleases', `${pathOf('listReleases', {})}?limit=1`);
  if (!running || running.holder === workflowId) return false;
  cli.out.note(
    `another release is running: workflow ${running.holder}${running.releaseId ? ` (release ${running.releaseId})` : ''} since ${running.takenAt}. ` +
      `Only one runs at a time: wait for it (\`pressroom release status ${running.holder}\`), or decide it if it awaits approval.`,
  );
  return true;
}

export type FollowDeps = {
  workflowId: string;
  address: string;
  /** The run's end (follows its runs); a lost server is thrown and retried. */
  result(): Promise<ReleaseOutcome>;
  /** The releaseStatus query, bounded by a short deadline. */
  status(): Promise<ReleaseStatusView>;
  reconnect(): Promise<void>;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
};

export type FollowUi = { note(text: string): void };

/** The approval instructions for a release awaiting a decision. */
export function approvalHelp(view: Pick<ReleaseStatusView, 'releaseId' | 'workflowId' | 'approvalDeadline'>): string[] {
  const id = view.releaseId ?? view.workflowId;
  return [
    `release ${id} is staged and awaits approval${view.approvalDeadline ? ` until ${view.approvalDeadline}` : ''}; staging serves it now. Decide with:`,
    `  pressroom release approve ${id} --by NAME --reason TEXT`,
    `  pressroom release reject ${id} --by NAME --reason TEXT`,
  ];
}

/**
 * Follows a release or rollback to its end: prints each step as it changes (and, once, the approval
 * instructions), reconnecting when Temporal restarts, for up to two minutes without an answer.
 */
export async function followRelease(deps: FollowDeps, ui: FollowUi, limits = FOLLOW_LIMITS): Promise<ReleaseOutcome> {
  const now = deps.now ?? Date.now;
  let last = '';
  let helped = false;
  const kind = deps.workflowId.startsWith('rollback-') ? 'rollback' : 'release';
  return followRun(
    {
      kind,
      workflowId: deps.workflowId,
      address: deps.address,
      lookLater: `\`pressroom release status ${deps.workflowId}\``,
      result: () => deps.result(),
      watch: () => deps.status(),
      reconnect: () => deps.reconnect(),
      now,
      ...(deps.sleep ? { sleep: deps.sleep } : {}),
    },
    {
      note: (text) => ui.note(text),
      show: (view) => {
        if (view.stepText !== last) {
          last = view.stepText;
          ui.note(`${new Date(now()).toISOString().slice(11, 19)}  ${view.stepText}`);
        }
        if (view.step === 'awaiting-approval' && !helped) {
          helped = true;
          for (const line of approvalHelp(view)) ui.note(line);
        }
      },
    },
    limits,
  );
}

function follow(cli: Cli, temporal: ReconnectingClient, workflowId: string, quiet: boolean): Promise<ReleaseOutcome> {
  return followRelease(
    {
      workflowId,
      address: temporal.current.config.temporal.address,
      result: () => temporal.use((pc) => releaseResult(pc, workflowId)),
      status: () => temporal.use((pc) => pc.connection.withDeadline(Date.now() + QUERY_DEADLINE_MS, () => releaseStatus(pc, workflowId))),
      reconnect: () => temporal.reconnect(),
    },
    { note: (text) => (quiet ? undefined : cli.out.note(text)) },
  );
}

/** Prints how a run ended; exit status 0 when live, 1 otherwise (with the reason). */
function printOutcome(cli: Cli, workflowId: string, outcome: ReleaseOutcome, json: boolean): number {
  if (json) {
    cli.out.json(
      outcome.kind === 'live'
        ? { workflowId, status: 'live', report: outcome.report }
        : { workflowId, status: outcome.status, failure: { type: outcome.type, message: outcome.message }, report: outcome.report },
    );
    return outcome.kind === 'live' ? 0 : 1;
  }
  if (outcome.kind === 'live') {
    for (const line of describeReleaseView(outcome.report)) cli.out.print(line);
    return 0;
  }
  if (outcome.report) for (const line of describeReleaseView(outcome.report)) cli.out.print(line);
  else cli.out.print(`${workflowId}: ${outcome.status}`);
  cli.out.note(`${workflowId} did not go live: ${outcome.message} (${outcome.type})`);
  return 1;
}

async function candidateOf(cli: Cli, config: Config, only: readonly string[] | null, json: boolean): Promise<ReleaseCandidateRecord | undefined> {
  const query = only ? `?${new URLSearchParams({ only: only.join(',') }).toString()}` : '';
  try {
    return await apiGet(config, 'releaseCandidate', `${pathOf('releaseCandidate', {})}${query}`);
  } catch (error) {
    if (error instanceof ApiError && error.status === 409) {
      const reason = error.message.replace(/ \(GET \/releases\/candidate answered 409\)$/, '');
      if (json) cli.out.json({ nothingToRelease: true, reason });
      else cli.out.note(reason.startsWith('nothing to release') ? reason : `nothing to release: ${reason}`);
      return undefined;
    }
    throw error;
  }
}

/** `pressroom release`: builds what is approved into a release, or attaches to the one running for the same candidate. */
export async function release(options: ReleaseOptions, cli: Cli): Promise<number> {
  const config = loadConfig(cli.env);
  const json = options.json ?? false;
  const request: ReleaseRequest = {
    requestedBy: whoAmI(options.by),
    only: options.only ?? null,
    autoApprove: options.autoApprove ?? false,
    ...(options.approvalTimeout !== undefined ? { approvalTimeoutMs: options.approvalTimeout } : {}),
  };
  const input = asUsage(() => releaseInput(request));

  const candidate = await candidateOf(cli, config, input.only, json);
  if (!candidate) return 1;
  const workflowId = WorkflowIds.release(candidate.releaseId);
  if (await refuseWhileAnotherRuns(cli, config, workflowId)) return 1;

  const temporal = new ReconnectingClient(await connectClient(config), () => connectClient(config));
  try {
    const { attached } = await temporal.use((pc) => startRelease(pc, request, candidate.releaseId));
    const id = candidate.releaseId;
    if (!json) {
      cli.out.note(
        `${attached ? 'attached to the running' : 'started'} release ${id} (workflow ${workflowId}): ${candidate.articles} article(s) over ${candidate.baseRelease ?? 'nothing released yet'}`,
      );
    }
    if (!options.wait) {
      if (json) cli.out.json({ workflowId, releaseId: id, attached, candidate });
      else {
        cli.out.note(`follow it: pressroom release status ${id} (or the Temporal Web UI, workflow ${workflowId})`);
        if (!input.autoApprove) {
          cli.out.note(`once staged and verified it awaits approval: pressroom release approve ${id} --by NAME --reason TEXT (or reject)`);
        }
      }
      return 0;
    }
    return printOutcome(cli, workflowId, await follow(cli, temporal, workflowId, json), json);
  } finally {
    await temporal.close();
  }
}

function updateRefusal(error: unknown): string | undefined {
  if (!(error instanceof WorkflowUpdateFailedError)) return undefined;
  return error.cause?.message ?? error.message;
}

/** `pressroom release approve|reject RELEASE --by NAME --reason TEXT`: the decision a release awaiting approval waits for. */
export async function decide(approve: boolean, ref: string, options: DecideOptions, cli: Cli): Promise<number> {
  const workflowId = releaseWorkflowId(releaseRef('RELEASE', ref));
  const decision = asUsage(() => {
    // Parsed by the client too; checked here first so a bad flag is a usage error before Temporal is asked.
    const by = options.by.trim();
    const reason = options.reason.trim();
    if (!by || !reason) throw new UsageError('--by and --reason must not be empty');
    return { by, reason };
  });
  const pc = await connectClient(loadConfig(cli.env));
  try {
    let view: ReleaseStatusView;
    try {
      view = await decideRelease(pc, workflowId, approve, decision);
    } catch (error) {
      const refused = updateRefusal(error);
      if (refused) {
        cli.out.note(refused);
        return 1;
      }
      if (error instanceof WorkflowNotFoundError) {
        cli.out.note(`no running release ${workflowId}: it has finished or never started (pressroom releases lists them)`);
        return 1;
      }
      throw error;
    }
    if (options.json) cli.out.json(view);
    else {
      cli.out.print(`${approve ? 'approved' : 'rejected'} release ${view.releaseId ?? workflowId} as ${decision.by}: ${view.stepText}`);
      if (approve) cli.out.note(`it goes on to production now: pressroom release status ${view.releaseId ?? workflowId}`);
    }
    return 0;
  } finally {
    await pc.close();
  }
}

/** `pressroom release status RELEASE`: the live step of a running release, or how it ended. */
export async function status(ref: string, options: { json?: boolean }, cli: Cli): Promise<number> {
  const checked = releaseRef('RELEASE', ref);
  const workflowId = checked.startsWith('rollback-') ? checked : releaseWorkflowId(checked);
  const pc = await connectClient(loadConfig(cli.env));
  try {
    let running: boolean;
    try {
      running = (await pc.client.workflow.getHandle(workflowId).describe()).status.name === 'RUNNING';
    } catch (error) {
      if (!(error instanceof WorkflowNotFoundError)) throw error;
      cli.out.note(`no release workflow ${workflowId} in Temporal; pressroom release show ${releaseIdOf(checked)} reads its record`);
      return 1;
    }
    if (running) {
      const view = await pc.connection.withDeadline(Date.now() + QUERY_DEADLINE_MS, () => releaseStatus(pc, workflowId));
      if (options.json) cli.out.json({ workflowId, status: 'running', view });
      else {
        for (const line of describeReleaseView(view)) cli.out.print(line);
        if (view.step === 'awaiting-approval') for (const line of approvalHelp(view)) cli.out.note(line);
      }
      return 0;
    }
    const outcome = await releaseResult(pc, workflowId);
    printOutcome(cli, workflowId, outcome, options.json ?? false);
    return 0;
  } finally {
    await pc.close();
  }
}

/** `pressroom rollback [RELEASE] [--reason TEXT]`: production back to RELEASE, or to what it served before. */
export async function rollback(target: string | undefined, options: RollbackOptions, cli: Cli): Promise<number> {
  const config = loadConfig(cli.env);
  const json = options.json ?? false;
  const request = {
    requestedBy: whoAmI(options.by),
    target: target === undefined ? null : releaseIdOf(releaseRef('RELEASE', target)),
    reason: options.reason,
  };
  const input = asUsage(() => rollbackInput(request));
  const workflowId = WorkflowIds.rollback(input.target);

  const { environments } = await apiGet(config, 'listReleases', `${pathOf('listReleases', {})}?limit=1`);
  if (!environments.find((e) => e.name === 'production')?.releaseId) {
    cli.out.note('nothing to roll back: production serves no release yet');
    return 1;
  }
  if (await refuseWhileAnotherRuns(cli, config, workflowId)) return 1;

  const temporal = new ReconnectingClient(await connectClient(config), () => connectClient(config));
  try {
    const { attached } = await temporal.use((pc) => startRollback(pc, request));
    if (!json) cli.out.note(`${attached ? 'attached to the running' : 'started'} rollback ${workflowId} to ${input.target ?? 'the previous release'}`);
    if (options.wait === false) {
      if (json) cli.out.json({ workflowId, attached });
      else cli.out.note(`follow it: pressroom release status ${workflowId}`);
      return 0;
    }
    const outcome = await follow(cli, temporal, workflowId, json);
    const code = printOutcome(cli, workflowId, outcome, json);
    if (!json && outcome.kind === 'live' && !outcome.report.rollbackCommand) cli.out.note('production served nothing before: there is no command to undo this');
    return code;
  } finally {
    await temporal.close();
  }
}
