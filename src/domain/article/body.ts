// The article body (FORMAT.md "The body"): chunks between blank lines, images cut out of chunks, each
// remaining chunk classified, then lede and sections assembled. Blocks and sections are built with
// their keys in sorted order, so their canonical JSON is the native JSON.stringify's (content.ts).
import { bulletText, isNoiseLine } from './lines.js';
import { dedupeItems } from './sanitize.js';
import type { TextCleaner } from './sanitize.js';
import type { Block, Section } from './schema.js';

type BodyBlock = Block | { type: 'heading'; text: string };

export type Body = { lede: string | null; sections: Section[] };

const IMAGE_SOURCE = '. image source:';
const HEADING = /^[\p{L}\p{N}][\p{L}\p{N} -]*$/u;
const MAX_HEADING_WORDS = 8;

/** `L` then `L. image source: HOST`: returns HOST, or null when the pair is not an image. */
function imageSource(caption: string, next: string): string | null {
  if (caption === '' || next.length < caption.length + IMAGE_SOURCE.length) return null;
  if (!next.startsWith(caption)) return null;
  const label = next.slice(caption.length, caption.length + IMAGE_SOURCE.length);
  if (label !== IMAGE_SOURCE && label.toLowerCase() !== IMAGE_SOURCE) return null;
  return next.slice(caption.length + IMAGE_SOURCE.length).trim();
}

function isHeading(text: string): boolean {
  if (!HEADING.test(text)) return false;
  let words = 1;
  for (let i = text.indexOf(' '); i !== -1; i = text.indexOf(' ', i + 1)) {
    if (++words > MAX_HEADING_WORDS) return false;
  }
  return true;
}

function endsSentence(text: string): boolean {
  const last = text.charCodeAt(text.length - 1);
  return last === 46 /* . */ || last === 33 /* ! */ || last === 63 /* ? */ || last === 58; /* : */
}

function pushCode(blocks: BodyBlock[], text: string): void {
  const last = blocks[blocks.length - 1];
  // Code chunks separated only by blank lines are one listing whose blank lines were chunk breaks.
  if (last?.type === 'code') last.text += `\n\n${text}`;
  else blocks.push({ text, type: 'code' });
}

function classify(lines: string[], start: number, end: number, blocks: BodyBlock[], plainText: TextCleaner): void {
  const items: string[] = [];
  let isList = true;
  for (let i = start; i < end && isList; i++) {
    const item = bulletText(lines[i] ?? '');
    if (item === null) isList = false;
    else items.push(plainText(item));
  }
  if (isList) {
    const unique = dedupeItems(items);
    if (unique.length > 0) blocks.push({ items: unique, type: 'list' });
    return;
  }
  if (end - start === 1) {
    const line = lines[start] ?? '';
    const text = plainText(line);
    // A line that was only markup (`<br>`, a <script> element) carries no text at all.
    if (text === '') return;
    // Headings cannot end a sentence, so the cheap test goes first.
    if (endsSentence(text)) blocks.push({ text, type: 'paragraph' });
    else if (isHeading(text)) blocks.push({ text, type: 'heading' });
    else pushCode(blocks, line);
    return;
  }
  pushCode(blocks, lines.slice(start, end).join('\n'));
}

function splitChunk(lines: string[], blocks: BodyBlock[], plainText: TextCleaner): void {
  let start = 0;
  for (let i = 0; i + 1 < lines.length; i++) {
    const caption = (lines[i] ?? '').trim();
    const source = imageSource(caption, (lines[i + 1] ?? '').trim());
    if (source === null) continue;
    const text = plainText(caption);
    // A caption that was only markup names nothing; the two lines are left to classification.
    if (text === '') continue;
    if (i > start) classify(lines, start, i, blocks, plainText);
    blocks.push({ caption: text, source: plainText(source), type: 'image' });
    i++;
    start = i + 1;
  }
  if (start < lines.length) classify(lines, start, lines.length, blocks, plainText);
}

/** Parses body lines [from, to) that follow the title. Lines have their trailing white space removed. */
export function parseBody(lines: readonly string[], from: number, to: number, plainText: TextCleaner): Body {
  const blocks: BodyBlock[] = [];
  let chunk: string[] = [];
  for (let i = from; i < to; i++) {
    const line = lines[i] ?? '';
    if (line === '') {
      if (chunk.length > 0) {
        splitChunk(chunk, blocks, plainText);
        chunk = [];
      }
    } else if (!isNoiseLine(line)) {
      chunk.push(line);
    }
  }
  if (chunk.length > 0) splitChunk(chunk, blocks, plainText);

  let first = 0;
  let lede: string | null = null;
  const head = blocks[0];
  if (head?.type === 'paragraph') {
    lede = head.text;
    first = 1;
  }
  const sections: Section[] = [];
  let current: Section | null = null;
  for (let i = first; i < blocks.length; i++) {
    const block = blocks[i];
    if (block === undefined) continue;
    if (block.type === 'heading') {
      current = { blocks: [], heading: block.text };
      sections.push(current);
    } else {
      if (current === null) {
        current = { blocks: [], heading: null };
        sections.push(current);
      }
      current.blocks.push(block);
    }
  }
  return { lede, sections };
}
