/**
 * Word wrapping by terminal cells. The history pane wraps each message itself (instead of letting Ink
 * wrap) so it knows how many rows a message takes: that is what scrolling counts in.
 */
import { graphemes, type Grapheme } from './text-width.js';

const sumWidth = (items: Grapheme[]): number => items.reduce((sum, item) => sum + item.width, 0);
const join = (items: Grapheme[]): string => items.map((item) => item.text).join('');

/**
 * Wraps one paragraph (no line breaks) into lines of at most `firstWidth` cells for the first line and
 * `restWidth` for the others. Breaks at the last space that fits, else inside the word; the space a line
 * breaks at is dropped. A grapheme wider than a line (a wide character on a one-cell pane) is drawn as
 * `?`, so no line is ever wider than asked. Always returns at least one line.
 */
export function wrapParagraph(text: string, firstWidth: number, restWidth: number = firstWidth): string[] {
  const first = Math.max(1, Math.floor(firstWidth));
  const rest = Math.max(1, Math.floor(restWidth));
  const narrowest = Math.min(first, rest);
  const lines: string[] = [];
  const limit = (): number => (lines.length === 0 ? first : rest);
  let line: Grapheme[] = [];
  let used = 0;
  let lastSpace = -1;

  for (const original of graphemes(text)) {
    const g = original.width > narrowest ? { text: '?', width: 1 } : original;
    let dropped = false;
    while (used + g.width > limit()) {
      if (g.text === ' ') {
        lines.push(join(line));
        line = [];
        dropped = true;
      } else if (lastSpace > 0) {
        lines.push(join(line.slice(0, lastSpace)));
        line = line.slice(lastSpace + 1);
      } else {
        // No space to break at: cut the word where the line ends.
        let cut = 0;
        let width = 0;
        while (cut < line.length && width + line[cut].width <= limit()) width += line[cut++].width;
        lines.push(join(line.slice(0, cut)));
        line = line.slice(cut);
      }
      used = sumWidth(line);
      lastSpace = -1;
      if (dropped) break;
    }
    if (dropped) continue;
    if (g.text === ' ') lastSpace = line.length;
    line.push(g);
    used += g.width;
  }
  lines.push(join(line));
  return lines;
}

/** Wraps text that may contain line breaks: each paragraph wraps on its own. */
export function wrapText(text: string, firstWidth: number, restWidth: number = firstWidth): string[] {
  const out: string[] = [];
  for (const paragraph of text.split('\n')) {
    out.push(...wrapParagraph(paragraph, out.length === 0 ? firstWidth : restWidth, restWidth));
  }
  return out;
}
