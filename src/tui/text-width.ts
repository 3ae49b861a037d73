/**
 * Terminal cell widths. Wide (CJK) characters and emoji take two cells, combining marks none; string-width
 * (the one Ink itself measures with) decides, so our wrapping agrees with Ink's layout.
 */
import stringWidth from 'string-width';

const PRINTABLE_ASCII = /^[\u0020-\u007E]*$/;
const segmenter = new Intl.Segmenter();

/** Cells that `text` takes on a terminal. */
export function cellWidth(text: string): number {
  return PRINTABLE_ASCII.test(text) ? text.length : stringWidth(text);
}

/** A grapheme cluster (what a person sees as one character) and the cells it takes. */
export interface Grapheme {
  text: string;
  width: number;
}

/** Splits `text` into grapheme clusters with their widths. */
export function graphemes(text: string): Grapheme[] {
  if (PRINTABLE_ASCII.test(text)) return Array.from(text, (ch) => ({ text: ch, width: 1 }));
  const out: Grapheme[] = [];
  for (const { segment } of segmenter.segment(text)) out.push({ text: segment, width: stringWidth(segment) });
  return out;
}

/** Boundaries (UTF-16 offsets) of the grapheme clusters of `text`, including 0 and text.length. */
export function graphemeBoundaries(text: string): number[] {
  const out = [0];
  if (PRINTABLE_ASCII.test(text)) {
    for (let i = 1; i <= text.length; i++) out.push(i);
    return out;
  }
  for (const { index, segment } of segmenter.segment(text)) out.push(index + segment.length);
  return out;
}

/** `text` cut to at most `width` cells; `ellipsis` marks the cut when there is room for it. */
export function truncateToWidth(text: string, width: number, ellipsis = '…'): string {
  if (width <= 0) return '';
  if (cellWidth(text) <= width) return text;
  const limit = width - cellWidth(ellipsis);
  let out = '';
  let used = 0;
  for (const g of graphemes(text)) {
    if (used + g.width > limit) break;
    out += g.text;
    used += g.width;
  }
  return limit >= 0 ? out + ellipsis : out;
}

/** `text` padded with spaces (or cut) to exactly `width` cells. */
export function padToWidth(text: string, width: number): string {
  const cut = truncateToWidth(text, width);
  return cut + ' '.repeat(Math.max(0, width - cellWidth(cut)));
}
