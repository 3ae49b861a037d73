/**
 * How files (PROTOCOL.md §21) read on screen: sizes, the one-line listing, and the transfer row drawn
 * above the status bar while files are fetched (a progress bar, rate and time left). Pure.
 */
import type { FileInfo } from '../daemon/index.js';
import type { ChatModel } from './chat-model.js';
import type { Row } from './history-view.js';
import { cellWidth, padToWidth, truncateToWidth } from './text-width.js';

/** Bytes as people read them: 512 B, 1.5 KiB, 50.0 MiB (as the node's offer lines write them). */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = n / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

/** Seconds as `0:07`, `12:34` or `1:02:03`. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const two = (n: number) => String(n).padStart(2, '0');
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h > 0 ? `${h}:${two(m)}:${two(s % 60)}` : `${m}:${two(s % 60)}`;
}

/** Bytes of `file` held (the last chunk may be short; a whole file is exactly its size). */
export function heldBytes(file: FileInfo): number {
  if (file.chunks === 0 || file.held >= file.chunks) return file.size;
  return Math.floor((file.size * file.held) / file.chunks);
}

/** `42%  21.0 of 50.0 MiB  12.3 MiB/s  0:03 left`: where a fetch is, in words. */
export function progressText(file: FileInfo): string {
  const held = heldBytes(file);
  const percent = file.size === 0 ? 100 : Math.floor((100 * held) / file.size);
  const rate = file.rate > 0 ? `  ${formatBytes(file.rate)}/s` : '';
  const left =
    file.rate > 0 ? `  ${formatDuration((file.size - held) / file.rate)} left` : '  waiting for holders';
  return `${percent}%  ${formatBytes(held)} of ${formatBytes(file.size)}${rate}${left}`;
}

/** A bar `cells` wide, filled in proportion: `██████░░░░`. */
export function progressBar(fraction: number, cells: number): string {
  const filled = Math.max(0, Math.min(cells, Math.round(fraction * cells)));
  return '█'.repeat(filled) + '░'.repeat(cells - filled);
}

/** The files being fetched, oldest first (what the transfer row shows). */
export function transfers(model: ChatModel): FileInfo[] {
  return [...model.files.values()]
    .filter((f) => f.state === 'fetching' && !f.own)
    .sort((a, b) => a.ts - b.ts);
}

/** The transfer row: the first fetch with its bar, and how many more; null when nothing is fetched. */
export function transferRow(model: ChatModel, width: number): Row | null {
  const fetching = transfers(model);
  if (fetching.length === 0) return null;
  const file = fetching[0];
  const more = fetching.length > 1 ? `  +${fetching.length - 1} more` : '';
  const text = `  ${progressText(file)}${more}`;
  const name = truncateToWidth(file.name, Math.max(8, Math.floor(width / 4)));
  const barCells = Math.max(5, Math.min(30, width - cellWidth(name) - cellWidth(text) - 6));
  const fraction = file.size === 0 ? 1 : heldBytes(file) / file.size;
  const color = model.noColor ? undefined : 'green';
  const row: Row = [
    { text: '⇣ ', bold: true },
    { text: name, bold: true },
    { text: ' [' },
    { text: progressBar(fraction, barCells), color },
    { text: ']' },
    { text },
  ];
  return fitRow(row, width);
}

function fitRow(row: Row, width: number): Row {
  const out: Row = [];
  let left = width;
  for (const segment of row) {
    if (left <= 0) break;
    const text = cellWidth(segment.text) <= left ? segment.text : truncateToWidth(segment.text, left);
    out.push({ ...segment, text });
    left -= cellWidth(text);
  }
  if (left > 0) out.push({ text: padToWidth('', left) });
  return out;
}

/** One line of /files: `3f2a9c1b7d0e done 50.0 MiB big.bin from alice in #lobby → /path`. */
export function fileLine(file: FileInfo): string {
  const state =
    file.state === 'fetching'
      ? `fetching ${Math.floor((100 * heldBytes(file)) / Math.max(1, file.size))}%`
      : file.state;
  const where = file.room !== null ? `#${file.room}` : 'direct';
  const who = file.own ? 'sent by you' : `from ${file.nick}`;
  const path = file.path && !file.own ? ` → ${file.path}` : '';
  const error = file.error ? ` (${file.error})` : '';
  return `${file.id.slice(0, 12)} ${state} ${formatBytes(file.size)} ${file.name} ${who} in ${where}${path}${error}`;
}
