import { proxyActivities } from '@temporalio/workflow';
import type { ProbeActivities } from '../activities/probe.js';
import { RunOutcome, WorkflowKind } from '../domain/names.js';
import { ProbeWorkflowInput, type ProbeWorkflowResult } from '../domain/probe.js';
import { parseInput } from './input.js';
import { probeWrite, quickStore } from './profiles.js';
import { markOutcome, markStarted, markThrown } from './search-attributes.js';

const { writeProbeRow } = proxyActivities<ProbeActivities>(probeWrite);
const { readProbeRow } = proxyActivities<ProbeActivities>(quickStore);

export type { ProbeWorkflowInput, ProbeWorkflowResult } from '../domain/probe.js';

/** Proves the plumbing: a row written through an activity and read back through another. */
export async function probeWorkflow(input: ProbeWorkflowInput): Promise<ProbeWorkflowResult> {
  const { key, value, failFirstAttempts } = parseInput('probeWorkflow', ProbeWorkflowInput, input);
  markStarted(WorkflowKind.probe);
  try {
    // Absent means no deliberate failure: 0 is what "none" is, not a tunable default.
    const written = await writeProbeRow({ key, value, failFirstAttempts: failFirstAttempts ?? 0 });
    const row = await readProbeRow(key);
    markOutcome(RunOutcome.completed);
    return { key: row.key, value: row.value, attempts: Math.max(written.attempt, row.attempts) };
  } catch (error) {
    markThrown(error);
    throw error;
  }
}
