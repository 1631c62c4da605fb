// Unchanged re-imports skip parsing documents whose digest (parser version, format, bytes) is stored
// beside their article (src/domain/article/version.ts). That is only sound while the same bytes parse
// to the same article under the same PARSER_VERSION: this test records what a fixed corpus parses to
// and fails when it changes while the version did not.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { PARSER_VERSION, parseCanonicalJson, parseExport, synthesizeDocument, type ParseResult } from '../../src/domain/article/index.js';
import { stableStringify } from '../../src/domain/content.js';
import { VALID_EXPORT } from './fixtures.js';

/** What PARSER_VERSION the fingerprint below was recorded for, and the fingerprint. */
const RECORDED = { version: 1, fingerprint: '41438ebc47e8145efd33f0c1d8ee945449fdd6bbbfc2e1fd35cbf143ebf1b51f' };

/** Accepted or not, and the article: rejection messages are never looked up, so their wording may change freely. */
const outcome = (result: ParseResult) => (result.ok ? stableStringify(result.article) : 'rejected');

function corpusFingerprint(): { fingerprint: string; accepted: number; rejected: number } {
  const hash = createHash('sha256');
  let accepted = 0;
  let rejected = 0;
  const add = (result: ParseResult) => {
    if (result.ok) accepted++;
    else rejected++;
    hash.update(outcome(result)).update('\n');
  };
  add(parseExport(VALID_EXPORT));
  for (const variant of [0, 1]) {
    for (let index = 0; index < 300; index++) {
      const doc = synthesizeDocument(11, index, { badRatio: 0.2, variant });
      const exported = parseExport(doc.content);
      add(exported);
      // The same article as canonical JSON: the other format the digest names.
      if (exported.ok) add(parseCanonicalJson(Buffer.from(JSON.stringify(exported.article), 'utf8')));
    }
  }
  return { fingerprint: hash.digest('hex'), accepted, rejected };
}

describe('the parser version', () => {
  it('changes whenever what the corpus parses to changes', () => {
    const { fingerprint, accepted, rejected } = corpusFingerprint();
    expect(accepted).toBeGreaterThan(400);
    expect(rejected).toBeGreaterThan(50);
    if (PARSER_VERSION !== RECORDED.version) {
      throw new Error(
        `PARSER_VERSION is ${PARSER_VERSION} but the fingerprint was recorded for ${RECORDED.version}: record { version: ${PARSER_VERSION}, fingerprint: '${fingerprint}' }`,
      );
    }
    expect(
      fingerprint,
      `what the parser makes of its corpus changed: bump PARSER_VERSION (src/domain/article/version.ts), so stored digests stop matching, and record the new fingerprint. ` +
        `(If only the test corpus or the synthesizer changed, record the new fingerprint alone.)`,
    ).toBe(RECORDED.fingerprint);
  });
});
