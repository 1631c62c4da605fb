import { userInfo } from 'node:os';
import { connectClient, runReview } from '../client.js';
import { loadConfig } from '../config.js';
import { ReviewDecision } from '../domain/review.js';
import { parseFlags, UsageError } from './args.js';

const HELP = `usage: pressroom review approve|reject SOURCE_ID… [--by NAME] [--json]

Sets the review state of articles through reviewWorkflow (visible in the Temporal Web UI).
Later releases take only approved articles.`;

export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(args, { by: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean' } });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const [decisionText, ...sourceIds] = positionals;
  const decision = ReviewDecision.safeParse(decisionText);
  if (!decision.success) throw new UsageError(`expected "approve" or "reject", got "${decisionText ?? ''}"`);
  if (sourceIds.length === 0) throw new UsageError('expected at least one SOURCE_ID');
  const pc = await connectClient(loadConfig());
  try {
    const result = await runReview(pc, { decision: decision.data, sourceIds, reviewer: values.by ?? userInfo().username });
    if (values.json) console.log(JSON.stringify(result));
    else {
      console.log(`${decision.data === 'approve' ? 'approved' : 'rejected'}: ${result.changed.length ? result.changed.join(', ') : '(none)'}`);
      if (result.unknown.length) console.error(`unknown source ids (nothing changed): ${result.unknown.join(', ')}`);
    }
    return result.unknown.length ? 1 : 0;
  } finally {
    await pc.close();
  }
}
