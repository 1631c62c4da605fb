// A stand-in parse thread for parse-pool tests: it answers every batch with an error naming its own
// thread id, and exits (code 7) when a batch asks for maxBytes 13, as a thread that dies mid-batch.
import { parentPort, threadId } from 'node:worker_threads';
import type { ParseMessage, ParseReply } from '../../src/ingest/parse-thread.js';

parentPort?.on('message', (message: ParseMessage) => {
  if (message.maxBytes === 13) process.exit(7);
  parentPort?.postMessage({ id: message.id, error: `answered by thread ${threadId}` } satisfies ParseReply);
});
