/**
 * How long a chat message may be, in the characters people count, and how a longer text is cut into
 * messages that fit. The payload schema enforces the same bound; checking it first lets the node, a UI
 * and the CLI say so in a sentence (and keep the text) instead of surfacing a schema path.
 */
import { MAX_TEXT_BYTES, MAX_TEXT_CHARS } from './constants.js';
import { UsageError } from './errors.js';

const utf8Length = (codePoint: number): number =>
  codePoint < 0x80 ? 1 : codePoint < 0x800 ? 2 : codePoint < 0x10000 ? 3 : 4;

/** Characters as the wire counts them: code points. */
export function countChars(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

/** Whether `text` fits one message (at most MAX_TEXT_CHARS characters and MAX_TEXT_BYTES of UTF-8). */
export function fitsOneMessage(text: string): boolean {
  // Each UTF-16 unit is at most 3 bytes of UTF-8, so a short string fits by both measures.
  if (text.length <= MAX_TEXT_CHARS) return true;
  let chars = 0;
  let bytes = 0;
  for (const ch of text) {
    chars++;
    bytes += utf8Length(ch.codePointAt(0)!);
    if (chars > MAX_TEXT_CHARS || bytes > MAX_TEXT_BYTES) return false;
  }
  return true;
}

const thousands = (n: number): string => n.toLocaleString('en-US');

/** The sentence that says a text is too long, e.g. "a message holds at most 4,000 characters; this one has 5,120". */
export function tooLongSentence(text: string): string {
  return `a message holds at most ${thousands(MAX_TEXT_CHARS)} characters; this one has ${thousands(countChars(text))}`;
}

/** Throws a UsageError with a sentence when `text` cannot be sent as one message. */
export function checkMessageText(text: string): string {
  if (text.length === 0) throw new UsageError('INVALID_ARGUMENT', 'nothing to send: the message is empty');
  if (!fitsOneMessage(text)) {
    throw new UsageError('INVALID_ARGUMENT', `${tooLongSentence(text)}: send it in parts`);
  }
  return text;
}

// A combining mark, joiner or variation selector belongs to the character before it: never cut before one.
const CLINGS = /^[\p{M}\u200C\u200D\uFE00-\uFE0F]$/u;

/**
 * Cuts `text` into messages that each fit, in order: at the last line break in the second half of the
 * room left, else at the last space, else (one unbroken word) at the limit. Only the one line break or
 * space a cut is made at is dropped, and parts that would hold only white space are left out.
 */
export function splitMessageText(
  text: string,
  maxChars: number = MAX_TEXT_CHARS,
  maxBytes: number = MAX_TEXT_BYTES,
): string[] {
  const points = Array.from(text);
  const parts: string[] = [];
  let start = 0;
  while (start < points.length) {
    // The longest run from `start` that fits both bounds.
    let end = start;
    let bytes = 0;
    while (end < points.length && end - start < maxChars) {
      const size = utf8Length(points[end].codePointAt(0)!);
      if (bytes + size > maxBytes) break;
      bytes += size;
      end++;
    }
    if (end === start) end = start + 1; // bounds below one character: still move on
    let cut = end;
    let next = end;
    if (end < points.length) {
      const half = start + Math.floor((end - start) / 2);
      let lineBreak = -1;
      let space = -1;
      for (let i = end; i > start; i--) {
        const ch = points[i] ?? '';
        if (ch === '\n' && i >= half && lineBreak < 0) lineBreak = i;
        if (/\s/u.test(ch) && space < 0) space = i;
        if (lineBreak >= 0) break;
      }
      const at = lineBreak >= 0 ? lineBreak : space;
      if (at > start) {
        cut = at;
        next = at + 1;
      } else {
        while (cut > start + 1 && CLINGS.test(points[cut])) cut--;
        next = cut;
      }
    }
    const part = points.slice(start, cut).join('');
    if (part.trim() !== '') parts.push(part);
    start = next;
  }
  return parts;
}
