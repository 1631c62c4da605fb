import { userInfo } from 'node:os';
import { connectClient, runReview } from '../client.js';
import { loadConfig } from '../config.js';
import type { ReviewDecision } from '../domain/review.js';
import { UsageError } from './errors.js';
import type { Cli } from './output.js';

/** `pressroom review approve|reject SOURCE_ID…` through reviewWorkflow; exit 1 when an id is unknown. */
export async function review(decision: ReviewDecision, sourceIds: string[], options: { by?: string; json?: boolean }, cli: Cli): Promise<number> {
  if (sourceIds.some((id) => id.trim() === '')) throw new UsageError('a SOURCE_ID must not be empty');
  const pc = await connectClient(loadConfig(cli.env));
  try {
    const result = await runReview(pc, { decision, sourceIds: [...new Set(sourceIds)], reviewer: options.by ?? userInfo().username });
    if (options.json) cli.out.json(result);
    else {
      cli.out.print(`${decision === 'approve' ? 'approved' : 'rejected'}: ${result.changed.length ? result.changed.join(', ') : '(none)'}`);
      if (result.unknown.length) cli.out.note(`unknown source ids (nothing changed): ${result.unknown.join(', ')}`);
    }
    return result.unknown.length ? 1 : 0;
  } finally {
    await pc.close();
  }
}
