import { createHash } from 'node:crypto';

/**
 * A strong ETag over what a response shows: `parts` name the content (a revision's content hash, a
 * release's manifest hash) and the representation (JSON or HTML, renderer version, base URL).
 */
export function etagOf(parts: readonly string[]): string {
  return `"${createHash('sha256').update(parts.join('\u0000'), 'utf8').digest('base64url').slice(0, 32)}"`;
}
