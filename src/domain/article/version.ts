// What a document's bytes parse to depends on the bytes, their format and this parser. An import keeps
// a digest of the three beside each article (articles.source_digest), so an unchanged re-import knows
// a document's article from its bytes without parsing it again.
//
// Bump PARSER_VERSION with any change that can change what some bytes parse to (the parser, the
// schema, the sanitizer, a message of a rejection does not count: rejections are never looked up).
// test/domain/parser-version.test.ts fails when the output over its corpus changes and this did not.
export const PARSER_VERSION = 1;

/** How a document's bytes are parsed: a canonical JSON article (.json, one .ndjson line) or a page export. */
export type DocumentFormat = 'json' | 'export';

/** The lookup key of some bytes: parser version, format and the bytes' sha256 (hex). */
export function sourceDigest(format: DocumentFormat, sha256: string): string {
  return `v${PARSER_VERSION}:${format}:${sha256}`;
}
