// `pressroom parse [--json] PATH…`: parses article documents and reports each one. Exit 0 when every
// document is accepted, 1 when any is rejected, 2 for a usage error.
import { stat } from 'node:fs/promises';
import { readDocuments } from '../sources/documents.js';
import type { DocumentResult } from '../sources/documents.js';
import { UsageError } from './errors.js';
import type { Cli } from './output.js';

function jsonRecord(doc: DocumentResult): Record<string, unknown> {
  const head = doc.line === undefined ? { file: doc.file } : { file: doc.file, line: doc.line };
  const body = doc.result.ok ? { ok: true, article: doc.result.article, warnings: doc.result.warnings } : { ok: false, errors: doc.result.errors };
  return { ...head, ...body };
}

function humanLines(doc: DocumentResult): string {
  const where = doc.line === undefined ? doc.file : `${doc.file}:${doc.line}`;
  if (!doc.result.ok) return [`rejected  ${where}`, ...doc.result.errors.map((e) => `          ${e.field}: ${e.message}`)].join('\n') + '\n';
  const { article, warnings } = doc.result;
  const lines = [`ok        ${where}  ${article.sourceId}  ${JSON.stringify(article.title)}`];
  for (const w of warnings) lines.push(`          warning ${w.field}: ${w.message}`);
  return lines.join('\n') + '\n';
}

export async function parse(paths: string[], options: { json?: boolean; maxBytes?: number }, cli: Cli): Promise<number> {
  for (const path of paths) {
    if (path === '') throw new UsageError('PATH must not be empty');
    try {
      await stat(path);
    } catch {
      throw new UsageError(`no such file or directory: ${path}`);
    }
  }
  const { out } = cli;
  let accepted = 0;
  let rejected = 0;
  let warned = 0;
  const readOptions = options.maxBytes === undefined ? {} : { maxBytes: options.maxBytes };
  for (const path of paths) {
    for await (const doc of readDocuments(path, readOptions)) {
      if (doc.result.ok) {
        accepted++;
        if (doc.result.warnings.length > 0) warned++;
      } else rejected++;
      if (options.json) await out.jsonLine(jsonRecord(doc));
      else await out.write(humanLines(doc));
    }
  }
  if (!options.json) {
    const total = accepted + rejected;
    await out.write(`\n${total} document${total === 1 ? '' : 's'}: ${accepted} accepted (${warned} with warnings), ${rejected} rejected\n`);
  }
  return rejected > 0 ? 1 : 0;
}
