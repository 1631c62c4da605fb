// Names declared once: task queues, workflow-id builders. A workflow's id is business data an
// operator can read in the Web UI, so it is built here and nowhere else.

export const DEFAULT_TASK_QUEUE = 'pressroom';

export const WorkflowIds = {
  probe: (key: string) => `probe-${key}`,
  /** `import-<hash of the source>`: the same source attaches to its running import. */
  import: (sourceHash: string, dryRun: boolean) => `import-${sourceHash}${dryRun ? '-plan' : ''}`,
  review: (decision: string, stamp: string) => `review-${decision}-${stamp}`,
} as const;
