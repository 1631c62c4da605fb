// Bytes → text, refusing what is not an article: too large, empty, binary or not UTF-8.
import type { FieldError } from './result.js';
import { dropControlChars, hasControlChars } from './sanitize.js';

const decoder = new TextDecoder('utf-8', { fatal: true });
const NOT_BLANK = /\S/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1)} MB (${bytes} bytes)`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KB (${bytes} bytes)`;
  return `${bytes} bytes`;
}

export function oversizeError(size: number, maxBytes: number): FieldError {
  return { field: 'document', message: `the document is ${formatBytes(size)}, over the limit of ${formatBytes(maxBytes)}` };
}

/** UTF-8 length without encoding: a string can be refused as too large without copying it. */
function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

/** The document as text without control characters, or the one reason it is not a text document at all. */
export function decodeDocument(input: string | Uint8Array, maxBytes: number): string | FieldError {
  let text: string;
  if (typeof input === 'string') {
    // At most 3 UTF-8 bytes per UTF-16 unit, so short strings pass without counting.
    const size = input.length * 3 <= maxBytes ? 0 : utf8Length(input);
    if (size > maxBytes) return oversizeError(size, maxBytes);
    // Bytes pass the fatal decoder only as well-formed UTF-8, which never yields a lone surrogate; a
    // string from elsewhere can hold one, and it has no UTF-8 form, so it is no more text than bad bytes.
    const lone = LONE_SURROGATE.exec(input);
    if (lone !== null) {
      const hex = input.charCodeAt(lone.index).toString(16).toUpperCase();
      return { field: 'document', message: `expected UTF-8 text, got a lone UTF-16 surrogate (U+${hex}) at position ${lone.index}, which has no UTF-8 form` };
    }
    text = input;
  } else {
    if (input.byteLength > maxBytes) return oversizeError(input.byteLength, maxBytes);
    try {
      text = decoder.decode(input);
    } catch {
      // Only on failure: a NUL byte tells binary data from mis-encoded text, at no cost to good input.
      const nul = input.indexOf(0);
      if (nul !== -1) return { field: 'document', message: `expected UTF-8 text, got binary data (a NUL byte at offset ${nul})` };
      return { field: 'document', message: 'expected UTF-8 text, got bytes that are not valid UTF-8' };
    }
  }
  if (hasControlChars(text)) {
    // NUL never occurs in text; one is enough to call the document binary.
    const nul = text.indexOf('\u0000');
    if (nul !== -1) return { field: 'document', message: `expected UTF-8 text, got binary data (a NUL character at position ${nul})` };
    text = dropControlChars(text);
  }
  if (!NOT_BLANK.test(text)) {
    return {
      field: 'document',
      message: text.length === 0 ? 'expected an article export, got an empty document' : 'expected an article export, got only white space',
    };
  }
  return text;
}
