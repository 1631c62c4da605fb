// Line-level rules shared by the body and the metadata block.

const PIPE = 124;
const SPACE = 32;
const TAB = 9;

/** A line of only `|` and blanks: table debris from the page renderer, never content. */
export function isNoiseLine(line: string): boolean {
  let pipes = 0;
  for (let i = 0; i < line.length; i++) {
    const code = line.charCodeAt(i);
    if (code === PIPE) pipes++;
    else if (code !== SPACE && code !== TAB) return false;
  }
  return pipes > 0;
}

export const BULLET = '•';

/** The text after the bullet when the line is a bullet line (after indentation), else null. */
export function bulletText(line: string): string | null {
  let i = 0;
  while (line.charCodeAt(i) === 32 || line.charCodeAt(i) === 9) i++;
  return line.startsWith(BULLET, i) ? line.slice(i + BULLET.length).trim() : null;
}

/**
 * True when the line, trimmed and compared case-insensitively, is exactly `marker` (lower-case letters
 * and spaces). Called on every line until the marker turns up, so it compares in place and allocates
 * nothing; lines arrive with trailing white space already removed.
 */
export function isMarkerLine(line: string, marker: string): boolean {
  let at = 0;
  while (line.charCodeAt(at) === SPACE || line.charCodeAt(at) === TAB) at++;
  if (line.length - at !== marker.length) return false;
  for (let k = 0; k < marker.length; k++) {
    if ((line.charCodeAt(at + k) | 0x20) !== marker.charCodeAt(k)) return false;
  }
  return true;
}
