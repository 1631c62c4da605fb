// JSON text → a value the canonical schema may safely look at. JSON.parse itself is iterative, but what
// comes after it (zod, messages, serialisation) walks values recursively, and the database cannot
// store every string JavaScript can hold. So a parsed value is checked here, without recursion,
// before anything else sees it.
//
// The rule for strings, keys included: a NUL character is binary data, not text (FORMAT.md refuses a
// document with a NUL byte), and a lone UTF-16 surrogate is not a character at all (it has no UTF-8
// form). A JSON string can still hold either through `\u0000` / `\ud800` escapes, so each one rejects
// the document on the field that holds it. Other control characters are cleaned from text like in an
// export, and patterned fields refuse them by their patterns.
import { fieldPath } from './result.js';
import type { FieldError } from './result.js';

/** Levels of arrays and objects, the document itself being level 1. A canonical article needs 6. */
export const MAX_JSON_DEPTH = 32;

/** The most errors one walk reports: a document with thousands of bad strings needs only a few named. */
const MAX_ERRORS = 20;

export type JsonResult = { ok: true; value: unknown } | { ok: false; error: FieldError };

/** A printable description of one character: quoted when it is visible ASCII, its code point always. */
function describeChar(text: string, at: number): string {
  const code = text.codePointAt(at) ?? 0;
  const hex = `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
  return code > 0x20 && code < 0x7f ? `${JSON.stringify(String.fromCharCode(code))} (${hex})` : hex;
}

function lineAndColumn(text: string, at: number): string {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < at; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return `line ${line}, column ${at - lineStart + 1}`;
}

type JsonSyntaxError = { at: number; expected: string };

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

function isHex(code: number): boolean {
  return isDigit(code) || (code >= 65 && code <= 70) || (code >= 97 && code <= 102);
}

/**
 * Where JSON.parse gave up, found again by an iterative scanner of the JSON grammar: Node's own message
 * quotes the start of the document (`Unexpected token 'r', "root:x:0:0"... is not valid JSON`), and
 * a rejection must never echo bytes a document did not mean to show. Only runs on text JSON.parse refused.
 */
export function findJsonSyntaxError(text: string): JsonSyntaxError | null {
  let i = 0;
  const closers: number[] = [];
  const skipBlanks = () => {
    for (let c = text.charCodeAt(i); c === 32 || c === 9 || c === 10 || c === 13; c = text.charCodeAt(++i));
  };
  const string = (): JsonSyntaxError | null => {
    i++;
    for (;;) {
      if (i >= text.length) return { at: i, expected: 'a closing "' };
      const c = text.charCodeAt(i);
      if (c === 34) {
        i++;
        return null;
      }
      if (c < 0x20) return { at: i, expected: 'an escape (\\n, \\t, \\u0000…) instead of a control character inside a string' };
      if (c === 92) {
        const e = text.charCodeAt(i + 1);
        if (e === 117 /* u */) {
          for (let k = 2; k < 6; k++) if (!isHex(text.charCodeAt(i + k))) return { at: i + k, expected: 'four hex digits after \\u' };
          i += 6;
        } else if (e === 34 || e === 92 || e === 47 || e === 98 || e === 102 || e === 110 || e === 114 || e === 116) {
          i += 2;
        } else {
          return { at: i + 1, expected: 'one of " \\ / b f n r t u after a backslash' };
        }
        continue;
      }
      i++;
    }
  };
  const number = (): JsonSyntaxError | null => {
    if (text.charCodeAt(i) === 45) i++;
    if (text.charCodeAt(i) === 48) i++;
    else if (isDigit(text.charCodeAt(i))) while (isDigit(text.charCodeAt(i))) i++;
    else return { at: i, expected: 'a digit' };
    if (text.charCodeAt(i) === 46) {
      i++;
      if (!isDigit(text.charCodeAt(i))) return { at: i, expected: 'a digit after the decimal point' };
      while (isDigit(text.charCodeAt(i))) i++;
    }
    if ((text.charCodeAt(i) | 0x20) === 101) {
      i++;
      if (text.charCodeAt(i) === 43 || text.charCodeAt(i) === 45) i++;
      if (!isDigit(text.charCodeAt(i))) return { at: i, expected: 'a digit in the exponent' };
      while (isDigit(text.charCodeAt(i))) i++;
    }
    return null;
  };
  /** A key and its colon, after `{` or `,` in an object. */
  const key = (): JsonSyntaxError | null => {
    skipBlanks();
    if (text.charCodeAt(i) !== 34) return { at: i, expected: 'a property name in double quotes' };
    const bad = string();
    if (bad) return bad;
    skipBlanks();
    if (text.charCodeAt(i) !== 58) return { at: i, expected: 'a colon after the property name' };
    i++;
    return null;
  };

  for (;;) {
    // A value.
    skipBlanks();
    const c = text.charCodeAt(i);
    let bad: JsonSyntaxError | null = null;
    if (c === 123 /* { */ || c === 91 /* [ */) {
      i++;
      skipBlanks();
      const closer = c === 123 ? 125 : 93;
      if (text.charCodeAt(i) === closer) {
        i++;
      } else {
        closers.push(closer);
        if (c === 123) bad = key();
        if (bad) return bad;
        continue;
      }
    } else if (c === 34) {
      bad = string();
    } else if (c === 45 || isDigit(c)) {
      bad = number();
    } else if (text.startsWith('true', i) || text.startsWith('null', i)) {
      i += 4;
    } else if (text.startsWith('false', i)) {
      i += 5;
    } else {
      return { at: i, expected: 'a value (an object, array, string, number, true, false or null)' };
    }
    if (bad) return bad;
    // After a value: a separator, the end of containers, or the end of the document.
    for (;;) {
      skipBlanks();
      const closer = closers[closers.length - 1];
      if (closer === undefined) return i < text.length ? { at: i, expected: 'the end of the document after the JSON value' } : null;
      const d = text.charCodeAt(i);
      if (d === closer) {
        closers.pop();
        i++;
        continue;
      }
      if (d === 44 /* , */) {
        i++;
        if (closer === 125) {
          bad = key();
          if (bad) return bad;
        }
        break;
      }
      return { at: i, expected: closer === 125 ? 'a comma or }' : 'a comma or ]' };
    }
  }
}

/** The message for text JSON.parse refused: the position and at most the one offending character. */
export function jsonSyntaxMessage(text: string): string {
  const found = findJsonSyntaxError(text);
  // The scanner and JSON.parse agree on the grammar; if they ever did not, say so without quoting.
  if (found === null) return 'expected a JSON article, got text that is not valid JSON';
  const what = found.at >= text.length ? 'the text ends too early' : `unexpected character ${describeChar(text, found.at)}`;
  return `expected a JSON article, got text that is not valid JSON: ${what} at position ${found.at} (${lineAndColumn(text, found.at)}), expected ${found.expected}`;
}

/** JSON.parse, with a message of our own when it fails. */
export function parseJson(text: string): JsonResult {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false, error: { field: 'document', message: jsonSyntaxMessage(text) } };
  }
}

// eslint-disable-next-line no-control-regex -- matching NUL is the point
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Why a string cannot be stored, or null when it can. */
export function unstorableReason(value: string): string | null {
  const match = UNSTORABLE.exec(value);
  if (match === null) return null;
  const code = value.charCodeAt(match.index);
  const hex = `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
  return code === 0
    ? `a NUL character (U+0000) at position ${match.index}: binary data, not text`
    : `a lone UTF-16 surrogate (${hex}) at position ${match.index}: not a character, it has no UTF-8 form`;
}

type Frame = { value: object; depth: number; parent: Frame | null; key: string | number };

function pathOf(frame: Frame | null, last?: string | number): string {
  const parts: (string | number)[] = last === undefined ? [] : [last];
  for (let f = frame; f !== null && f.parent !== null; f = f.parent) parts.push(f.key);
  return fieldPath(parts.reverse());
}

/**
 * Checks a parsed JSON value without recursion: nesting no deeper than MAX_JSON_DEPTH (reported at the
 * path where the limit is passed, which is not walked further), and no string or key the database
 * cannot store. Returns at most MAX_ERRORS errors, one per field. Values from JSON.parse are trees; a
 * cyclic value from elsewhere still ends, at the depth limit.
 */
export function checkJsonValue(value: unknown, maxDepth = MAX_JSON_DEPTH): FieldError[] {
  const errors: FieldError[] = [];
  if (typeof value === 'string') {
    const reason = unstorableReason(value);
    return reason === null ? [] : [{ field: 'document', message: `expected text, got ${reason}` }];
  }
  if (typeof value !== 'object' || value === null) return errors;
  const stack: Frame[] = [{ value, depth: 1, parent: null, key: '' }];
  while (stack.length > 0 && errors.length < MAX_ERRORS) {
    const frame = stack.pop() as Frame;
    if (frame.depth > maxDepth) {
      errors.push({
        field: pathOf(frame),
        message: `expected at most ${maxDepth} levels of nested arrays and objects, got ${Array.isArray(frame.value) ? 'an array' : 'an object'} nested deeper`,
      });
      continue;
    }
    const children: Frame[] = [];
    const visit = (child: unknown, key: string | number) => {
      if (typeof child === 'string') {
        const reason = unstorableReason(child);
        if (reason !== null && errors.length < MAX_ERRORS) errors.push({ field: pathOf(frame, key), message: `expected text, got ${reason}` });
      } else if (typeof child === 'object' && child !== null) {
        children.push({ value: child, depth: frame.depth + 1, parent: frame, key });
      }
    };
    if (Array.isArray(frame.value)) {
      const items: unknown[] = frame.value;
      for (let i = 0; i < items.length; i++) visit(items[i], i);
    } else {
      for (const key of Object.keys(frame.value)) {
        const reason = unstorableReason(key);
        if (reason !== null) {
          if (errors.length < MAX_ERRORS) errors.push({ field: pathOf(frame, key), message: `expected a key of text, got ${reason}` });
          continue;
        }
        visit((frame.value as Record<string, unknown>)[key], key);
      }
    }
    // Reversed, so the stack pops them in document order.
    for (let k = children.length - 1; k >= 0; k--) stack.push(children[k] as Frame);
  }
  return errors;
}
