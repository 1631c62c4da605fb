import { ErrorType, PressroomError } from '../errors.js';
import type { ManifestEntry } from './model.js';

// How a release is named. A release's id is derived from its candidate (the manifest, and the release
// it replaces), so triggering the same release twice finds the first one instead of publishing twice.
// The hashing itself (sha256) happens outside domain; these are the texts it hashes.

/** Hex digits of the hash a release id keeps: 64 bits, far from colliding across a site's releases. */
export const RELEASE_ID_HEX = 16;

export const RELEASE_ID_PATTERN = /^(rel|rb)-[0-9a-f]{16}$/;

/**
 * A manifest's canonical text: one `sourceId revision contentHash` line per article, in code-unit
 * order of source id. Slug and title are fixed by the revision, so they add nothing. The store computes
 * the same text in SQL (`COLLATE "C"`), and its sha256 is the release's manifest hash.
 */
export function manifestText(entries: Iterable<Pick<ManifestEntry, 'sourceId' | 'revision' | 'contentHash'>>): string {
  const lines = [...entries].map((e) => `${e.sourceId} ${e.revision} ${e.contentHash}\n`);
  return lines.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).join('');
}

/** What a release's id hashes: its manifest and the release it replaces, so a re-release after a rollback is a new release. */
export function candidateKey(input: { manifestHash: string; base: string | null }): string {
  return `release\n${input.base ?? '-'}\n${input.manifestHash}`;
}

/** What a rollback's id hashes: where production goes back to, and from where. */
export function rollbackKey(input: { target: string; base: string }): string {
  return `rollback\n${input.base}\n${input.target}`;
}

/** `rel-` (a release) or `rb-` (a rollback) and the first RELEASE_ID_HEX hex digits of the key's hash. */
export function releaseIdFromHash(kind: 'release' | 'rollback', hash: string): string {
  if (!/^[0-9a-f]{16,}$/.test(hash))
    throw new PressroomError(ErrorType.InvalidInput, `expected a lower-case hex hash of at least 16 digits, got ${JSON.stringify(hash)}`);
  return `${kind === 'release' ? 'rel' : 'rb'}-${hash.slice(0, RELEASE_ID_HEX)}`;
}

export function isReleaseId(value: string): boolean {
  return RELEASE_ID_PATTERN.test(value);
}
