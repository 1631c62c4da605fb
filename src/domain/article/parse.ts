// The alphanode page export parser (FORMAT.md). Never throws on any input: every problem becomes a
// FieldError, because a rejected document is an answer, not a crash.
import { parseBody } from './body.js';
import { consistencyWarnings } from './checks.js';
import { decodeDocument } from './decode.js';
import { issuesToFieldErrors } from './issues.js';
import { isMarkerLine, isNoiseLine } from './lines.js';
import { parseMeta } from './meta.js';
import { DEFAULT_MAX_DOCUMENT_BYTES, onePerField, rejected } from './result.js';
import type { FieldError, ParseResult } from './result.js';
import { plainTextOfClean as plainText } from './sanitize.js';
import { Meta, MetaInKeyOrder } from './schema.js';
import type { Article } from './schema.js';

export type ParseOptions = { maxBytes?: number };

const META_MARKER = 'alphanode post meta';
const END_MARKER = 'similar posts';

function splitLines(text: string): string[] {
  const lines = text.split('\n');
  // Trailing white space (and the \r of \r\n) is not significant anywhere in the format.
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const last = line.charCodeAt(line.length - 1);
    if (last <= 32 || last === 0xa0 || last >= 0x1680) lines[i] = line.trimEnd();
  }
  return lines;
}

/** A missing payload is reported where the identity should have been: its source id. */
function exportErrorField(error: FieldError): FieldError {
  if (error.field === 'meta.payload') return { field: 'meta.payload.sourceId', message: 'missing: expected a payload block with a source id' };
  return error;
}

export function parseExport(input: string | Uint8Array, options: ParseOptions = {}): ParseResult {
  const decoded = decodeDocument(input, options.maxBytes ?? DEFAULT_MAX_DOCUMENT_BYTES);
  if (typeof decoded !== 'string') return rejected([decoded]);
  const lines = splitLines(decoded);

  let metaAt = -1;
  for (let i = 0; i < lines.length; i++) {
    if (isMarkerLine(lines[i] ?? '', META_MARKER)) {
      metaAt = i;
      break;
    }
  }
  const bodyEnd = metaAt === -1 ? lines.length : metaAt;

  const errors: FieldError[] = [];
  let titleAt = -1;
  for (let i = 0; i < bodyEnd; i++) {
    const line = lines[i] ?? '';
    if (line !== '' && !isNoiseLine(line)) {
      titleAt = i;
      break;
    }
  }
  const title = titleAt === -1 ? '' : plainText(lines[titleAt] ?? '');
  if (titleAt === -1) errors.push({ field: 'title', message: 'missing: expected a title line before the metadata block' });
  else if (title === '')
    errors.push({ field: 'title', message: `expected a title with text, got only markup ${JSON.stringify((lines[titleAt] ?? '').slice(0, 60))}` });

  if (metaAt === -1) {
    errors.push({ field: 'meta', message: `missing: expected a metadata block starting with the line "${META_MARKER}"; the export is probably truncated` });
    return rejected(errors);
  }

  let metaEnd = lines.length;
  for (let i = metaAt + 1; i < lines.length; i++) {
    if (isMarkerLine(lines[i] ?? '', END_MARKER)) {
      metaEnd = i;
      break;
    }
  }

  const body = parseBody(lines, titleAt === -1 ? bodyEnd : titleAt + 1, bodyEnd, plainText);
  const meta = parseMeta(lines, metaAt + 1, metaEnd, plainText);
  errors.push(...meta.errors);

  // Title, lede and sections are built in canonical shape by construction (non-empty text, known
  // block types); every value rule lives in the metadata, so that is what goes through the schema.
  // Validating the whole article costs a third of the parse and could not fail on the rest.
  // In key order when it passes (cheaper to serialise), in Meta's order for the errors when it does not.
  const inKeyOrder = MetaInKeyOrder.safeParse(meta.meta);
  const checked = inKeyOrder.success ? inKeyOrder : Meta.safeParse(meta.meta);
  if (!checked.success) {
    for (const error of issuesToFieldErrors(checked.error.issues)) {
      errors.push(exportErrorField({ field: `meta${error.field.startsWith('[') ? '' : '.'}${error.field}`, message: error.message }));
    }
  }
  if (errors.length > 0 || !checked.success) return rejected(onePerField(errors));
  // Keys in sorted order: the canonical JSON of what is built that way costs half (content.ts).
  const article: Article = { lede: body.lede, meta: checked.data, sections: body.sections, sourceId: checked.data.payload.sourceId, title };
  return { ok: true, article, warnings: [...meta.warnings, ...consistencyWarnings(article)] };
}

export { parseExport as parse };
