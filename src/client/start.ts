import { WorkflowIdConflictPolicy, WorkflowIdReusePolicy, type Workflow, type WorkflowHandle, type WorkflowStartOptions } from '@temporalio/client';
import type { PressroomClient } from './types.js';

// How every starter starts a workflow under its business id: attach to the run of that id when one is
// running (a second `pressroom import DIR`, release or full reindex never runs the work twice), else
// start it, and let the server settle the race where another client started it between the look and the start.

export async function startOrAttach<W extends Workflow>(
  pc: PressroomClient,
  workflow: W,
  options: { workflowId: string; args: Parameters<W>; staticSummary?: string; staticDetails?: string },
): Promise<{ handle: WorkflowHandle<W>; attached: boolean }> {
  const existing = pc.client.workflow.getHandle<W>(options.workflowId);
  const running = await existing.describe().then(
    (d) => d.status.name === 'RUNNING',
    () => false,
  );
  if (running) return { handle: existing, attached: true };
  // Generic over W, the conditional type of `args` cannot be checked here; each caller's W is.
  const start = {
    taskQueue: pc.config.temporal.taskQueue,
    workflowId: options.workflowId,
    args: options.args,
    workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
    workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
    ...(options.staticSummary === undefined ? {} : { staticSummary: options.staticSummary }),
    ...(options.staticDetails === undefined ? {} : { staticDetails: options.staticDetails }),
  } as unknown as WorkflowStartOptions<W>;
  return { handle: await pc.client.workflow.start(workflow, start), attached: false };
}
