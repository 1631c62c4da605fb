import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connectClient, startImport } from '../client.js';
import { loadConfig, type Config } from '../config.js';
import { writeSynthCorpus } from '../sources/synth-corpus.js';
import { startDevServer } from '../temporal/dev-server.js';
import { startWorker } from '../worker.js';
import { parseFlags, parsePort } from './args.js';

const SAMPLE_SIZE = 200;
const SAMPLE_SEED = 2026;
const SAMPLE_BAD_RATIO = 0.06;

const HELP = `usage: pressroom dev [--port N] [--ui-port N] [--http-port N] [--data-dir DIR] [--no-sample]

Starts the whole stack on this machine:
  - temporal server start-dev, persisted in DIR/temporal.db, Web UI on --ui-port (default 8233)
  - the database (PGlite in DIR/db, or DATABASE_URL), migrated
  - the worker and its HTTP API (/health) on --http-port (default PRESSROOM_HTTP_PORT or 8080)
On the first start it imports a sample corpus: ${SAMPLE_SIZE} synthetic exports, some malformed, so the
Web UI shows a real import run with rejections (--no-sample skips it).
Ctrl-C stops everything. A second start reuses the persisted state.

  --port N        Temporal gRPC port (default 7233)
  --ui-port N     Temporal Web UI port (default 8233)
  --http-port N   worker HTTP API port
  --data-dir DIR  data directory (default PRESSROOM_DATA_DIR or .pressroom)
  --no-sample     do not import the sample corpus on first start`;

/** Writes the sample corpus and starts its import, once per data directory. */
async function importSampleOnce(config: Config): Promise<string | undefined> {
  const marker = join(config.dataDir, 'sample-imported');
  if (existsSync(marker)) return undefined;
  const dir = join(config.dataDir, 'sample');
  await writeSynthCorpus(dir, { seed: SAMPLE_SEED, count: SAMPLE_SIZE, badRatio: SAMPLE_BAD_RATIO });
  const pc = await connectClient(config);
  try {
    const { handle } = await startImport(pc, { paths: [dir], batchSize: config.import.batchSize, concurrency: config.import.concurrency });
    writeFileSync(marker, `${handle.workflowId}\n`);
    return handle.workflowId;
  } finally {
    await pc.close();
  }
}

export async function run(args: string[]): Promise<number> {
  const { values } = parseFlags(args, {
    port: { type: 'string' },
    'ui-port': { type: 'string' },
    'http-port': { type: 'string' },
    'data-dir': { type: 'string' },
    'no-sample': { type: 'boolean' },
    help: { type: 'boolean' },
  }, false);
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const port = parsePort('port', values.port) ?? 7233;
  const uiPort = parsePort('ui-port', values['ui-port']) ?? 8233;
  const httpPort = parsePort('http-port', values['http-port']);
  const config = loadConfig({
    ...process.env,
    TEMPORAL_ADDRESS: `127.0.0.1:${port}`,
    ...(values['data-dir'] ? { PRESSROOM_DATA_DIR: values['data-dir'] } : {}),
    ...(httpPort ? { PRESSROOM_HTTP_PORT: String(httpPort) } : {}),
  });

  console.log(`starting Temporal dev server on 127.0.0.1:${port} (state in ${config.dataDir}) …`);
  const server = await startDevServer({
    port,
    uiPort,
    dbFile: join(config.dataDir, 'temporal.db'),
    logFile: join(config.dataDir, 'temporal.log'),
    namespace: config.temporal.namespace,
  });
  let stopping = false;
  const stopServer = async () => {
    if (stopping) return;
    stopping = true;
    await server.stop();
  };
  try {
    const worker = await startWorker(config);
    console.log(
      [
        '',
        `  Temporal Web UI  ${server.uiUrl}`,
        `  Temporal gRPC    ${server.address} (namespace ${config.temporal.namespace}, task queue ${config.temporal.taskQueue})`,
        `  Health           ${worker.httpUrl}/health`,
        `  Database         ${config.database.kind === 'pglite' ? `PGlite in ${config.database.dataDir}` : 'PostgreSQL (DATABASE_URL)'}`,
        '',
      ].join('\n'),
    );
    if (!values['no-sample']) {
      const sample = await importSampleOnce(config);
      if (sample) console.log(`  Sample import    ${sample}: ${SAMPLE_SIZE} synthetic exports, some malformed (see the Web UI; pressroom rejections)\n`);
    }
    console.log('Press Ctrl-C to stop.');
    // The SDK's Runtime turns SIGINT/SIGTERM into worker.shutdown(); once the worker has drained
    // and closed the database, the Temporal server goes too.
    await worker.done;
    console.log('worker stopped; stopping the Temporal dev server …');
    return 0;
  } finally {
    await stopServer();
  }
}
