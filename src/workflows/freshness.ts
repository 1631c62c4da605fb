import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { FreshnessActivities } from '../activities/freshness.js';
import { FreshnessSweepInput, freshnessCutoff, type FreshnessSweepReport } from '../domain/freshness.js';
import { RunOutcome, WorkflowKind } from '../domain/names.js';
import { parseInput } from './input.js';
import { quickStore } from './profiles.js';
import { markOutcome, markStarted, markThrown } from './search-attributes.js';

const { sweepStaleArticles } = proxyActivities<FreshnessActivities>(quickStore);

export type { FreshnessSweepInput, FreshnessSweepReport } from '../domain/freshness.js';

/**
 * Sends approved articles whose last review is older than `maxAgeDays` back to review, and reports
 * them. The cutoff comes from the run's start time, so a replay, a retry and a late worker all sweep
 * the same day.
 */
export async function freshnessSweepWorkflow(input: FreshnessSweepInput): Promise<FreshnessSweepReport> {
  const request = parseInput('freshnessSweepWorkflow', FreshnessSweepInput, input);
  markStarted(WorkflowKind.sweep, `older than ${request.maxAgeDays} days`);
  const { workflowId, runId, startTime } = workflowInfo();
  const cutoff = freshnessCutoff(startTime, request.maxAgeDays);
  try {
    const swept = await sweepStaleArticles({ sweepId: `${workflowId}/${runId}`, cutoff, maxAgeDays: request.maxAgeDays, requestedBy: request.requestedBy });
    markOutcome(RunOutcome.completed);
    return { sweepId: workflowId, requestedBy: request.requestedBy, maxAgeDays: request.maxAgeDays, cutoff, ...swept };
  } catch (error) {
    markThrown(error);
    throw error;
  }
}
