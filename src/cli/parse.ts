// `pressroom parse [--json] PATH…`: parses article documents and reports each one. Exit 0 when every
// document is accepted, 1 when any is rejected, 2 for a usage error.
import { once } from 'node:events';
import { stat } from 'node:fs/promises';
import { readDocuments } from '../sources/documents.js';
import type { DocumentResult } from '../sources/documents.js';
import { parseFlags, parseWholeNumber, UsageError } from './args.js';

const USAGE = `usage: pressroom parse [--json] [--max-bytes N] PATH...

Parses alphanode page exports (.txt), canonical articles (.json) and article streams (.ndjson).
A directory is walked recursively for those extensions, in sorted order.

options:
  --json          one JSON line per document: {"file", ["line",] "ok", "article", "warnings"} or
                  {"file", ["line",] "ok": false, "errors": [{"field", "message"}]}
  --max-bytes N   refuse documents larger than N bytes (default 5 MB)
  -h, --help      show this help

exit status: 0 all documents accepted, 1 some rejected, 2 usage error`;

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
  const { values, positionals: paths } = parseFlags(args, {
    json: { type: 'boolean' },
    'max-bytes': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const maxBytes = parseWholeNumber('max-bytes', values['max-bytes'], 1);
  if (paths.length === 0) throw new UsageError('no paths given');
  for (const path of paths) {
    try {
      await stat(path);
    } catch {
      throw new UsageError(`no such file or directory: ${path}`);
    }
  }

  let accepted = 0;
  let rejected = 0;
  let warned = 0;
  const readOptions = maxBytes === undefined ? {} : { maxBytes };
  for (const path of paths) {
    for await (const doc of readDocuments(path, readOptions)) {
      if (doc.result.ok) {
        accepted++;
        if (doc.result.warnings.length > 0) warned++;
      } else rejected++;
      await write(values.json ? jsonLine(doc) : humanLines(doc));
    }
  }
  if (!values.json) {
    const total = accepted + rejected;
    await write(`\n${total} document${total === 1 ? '' : 's'}: ${accepted} accepted (${warned} with warnings), ${rejected} rejected\n`);
  }
  return rejected > 0 ? 1 : 0;
}
