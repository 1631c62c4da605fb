import { WorkflowIdReusePolicy } from '@temporalio/client';
import { ErrorType, PressroomError } from '../domain/errors.js';
import { describeIssues } from '../domain/input.js';
import { WorkflowIds } from '../domain/names.js';
import { ProbeWorkflowInput, type ProbeWorkflowResult } from '../domain/probe.js';
import { probeWorkflow } from '../workflows/probe.js';
import type { PressroomClient } from './types.js';

/** Runs the plumbing probe under `probe-<key>` and waits for its row to come back. */
export async function runProbe(pc: PressroomClient, request: ProbeWorkflowInput): Promise<ProbeWorkflowResult> {
  const parsed = ProbeWorkflowInput.safeParse(request);
  if (!parsed.success) throw new PressroomError(ErrorType.InvalidInput, `invalid probe request (${describeIssues(parsed.error)})`);
  return pc.client.workflow.execute(probeWorkflow, {
    taskQueue: pc.config.temporal.taskQueue,
    workflowId: WorkflowIds.probe(parsed.data.key),
    workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
    args: [parsed.data],
  });
}
