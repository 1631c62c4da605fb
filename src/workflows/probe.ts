import { proxyActivities } from '@temporalio/workflow';
import type { ProbeActivities } from '../activities/probe.js';
import { probeWrite, quickStore } from './profiles.js';

const { writeProbeRow } = proxyActivities<ProbeActivities>(probeWrite);
const { readProbeRow } = proxyActivities<ProbeActivities>(quickStore);

export type ProbeWorkflowInput = { key: string; value: string; failFirstAttempts?: number };
export type ProbeWorkflowResult = { key: string; value: string; attempts: number };

/** Proves the plumbing: a row written through an activity and read back through another. */
export async function probeWorkflow(input: ProbeWorkflowInput): Promise<ProbeWorkflowResult> {
  const written = await writeProbeRow({ key: input.key, value: input.value, failFirstAttempts: input.failFirstAttempts ?? 0 });
  const row = await readProbeRow(input.key);
  return { key: row.key, value: row.value, attempts: Math.max(written.attempt, row.attempts) };
}
