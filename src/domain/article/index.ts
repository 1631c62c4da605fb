// The article format: parsing exports and canonical JSON into the one Article type.
export { Article, Block, Section, Meta, EXPECTED, SOURCE_ID_PATTERN, isCalendarDate, isHttpUrl } from './schema.js';
export { DEFAULT_MAX_DOCUMENT_BYTES, fieldPath } from './result.js';
export type { FieldError, ParseResult, Warning } from './result.js';
export { parse, parseExport } from './parse.js';
export type { ParseOptions } from './parse.js';
export { parseCanonical, parseCanonicalJson, parseCanonicalLine, parseCanonicalNdjson } from './canonical.js';
export type { LineResult } from './canonical.js';
export { oversizeError } from './decode.js';
export { consistencyWarnings } from './checks.js';
export { dedupeItems, plainCode, plainText, sanitizeArticle, stripTags } from './sanitize.js';
export { BAD_KINDS, badKindFor, fileNameFor, sourceIdFor, synthesizeDocument, synthesizeDocuments } from './synth.js';
export type { BadKind, SynthDocument, SynthOptions } from './synth.js';
export { PARSER_VERSION, sourceDigest } from './version.js';
export type { DocumentFormat } from './version.js';
