// `pressroom parse [--json] PATH…`: parses article documents and reports each one. Exit 0 when every
// document is accepted, 1 when any is rejected, 2 for a usage error.
import { once } from 'node:events';
import { stat } from 'node:fs/promises';
import { readDocuments } from '../sources/documents.js';
import type { DocumentResult } from '../sources/documents.js';

const USAGE = `usage: pressroom parse [--json] [--max-bytes N] PATH...

Parses alphanode page exports (.txt), canonical articles (.json) and article streams (.ndjson).
A directory is walked recursively for those extensions, in sorted order.

options:
  --json          one JSON line per document: {"file", ["line",] "ok", "article", "warnings"} or
                  {"file", ["line",] "ok": false, "errors": [{"field", "message"}]}
  --max-bytes N   refuse documents larger than N bytes (default 5 MB)
  -h, --help      show this help

exit status: 0 all documents accepted, 1 some rejected, 2 usage error`;

type Options = { json: boolean; maxBytes?: number; paths: string[] };

function parseArgs(args: string[]): Options | string {
  const options: Options = { json: false, paths: [] };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    if (arg === '--json') options.json = true;
    else if (arg === '--max-bytes') {
      const value = Number(args[++i]);
      if (!Number.isSafeInteger(value) || value <= 0) return `--max-bytes expects a positive whole number, got ${JSON.stringify(args[i] ?? '')}`;
      options.maxBytes = value;
    } else if (arg === '--') {
      options.paths.push(...args.slice(i + 1));
      break;
    } else if (arg.startsWith('-') && arg !== '-') return `unknown option ${JSON.stringify(arg)}`;
    else options.paths.push(arg);
  }
  if (options.paths.length === 0) return 'no paths given';
  return options;
}

async function write(text: string): Promise<void> {
  // Respect backpressure: parsing 100k documents must not queue 100k lines in memory.
  if (process.stdout.write(text) === false) await once(process.stdout, 'drain');
}

function jsonLine(doc: DocumentResult): string {
  const head = doc.line === undefined ? { file: doc.file } : { file: doc.file, line: doc.line };
  const body = doc.result.ok
    ? { ok: true, article: doc.result.article, warnings: doc.result.warnings }
    : { ok: false, errors: doc.result.errors };
  return `${JSON.stringify({ ...head, ...body })}\n`;
}

function humanLines(doc: DocumentResult): string {
  const where = doc.line === undefined ? doc.file : `${doc.file}:${doc.line}`;
  if (!doc.result.ok) return [`rejected  ${where}`, ...doc.result.errors.map((e) => `          ${e.field}: ${e.message}`)].join('\n') + '\n';
  const { article, warnings } = doc.result;
  const lines = [`ok        ${where}  ${article.sourceId}  ${JSON.stringify(article.title)}`];
  for (const w of warnings) lines.push(`          warning ${w.field}: ${w.message}`);
  return lines.join('\n') + '\n';
}

export async function run(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    console.log(USAGE);
    return 0;
  }
  const options = parseArgs(args);
  if (typeof options === 'string') {
    console.error(`pressroom parse: ${options}\n\n${USAGE}`);
    return 2;
  }
  for (const path of options.paths) {
    try {
      await stat(path);
    } catch {
      console.error(`pressroom parse: no such file or directory: ${path}`);
      return 2;
    }
  }

  let accepted = 0;
  let rejected = 0;
  let warned = 0;
  const readOptions = options.maxBytes === undefined ? {} : { maxBytes: options.maxBytes };
  for (const path of options.paths) {
    for await (const doc of readDocuments(path, readOptions)) {
      if (doc.result.ok) {
        accepted++;
        if (doc.result.warnings.length > 0) warned++;
      } else rejected++;
      await write(options.json ? jsonLine(doc) : humanLines(doc));
    }
  }
  if (!options.json) {
    const total = accepted + rejected;
    await write(`\n${total} document${total === 1 ? '' : 's'}: ${accepted} accepted (${warned} with warnings), ${rejected} rejected\n`);
  }
  return rejected > 0 ? 1 : 0;
}
