/** Small formatters shared by the panes and the command output. */

const pad2 = (n: number): string => String(n).padStart(2, '0');

/** `HH:MM` in local time. */
export function formatTime(ts: number): string {
  const d = new Date(ts);
  return `${pad2(d.getHours())}:${pad2(d.getMinutes())}`;
}

/** `YYYY-MM-DD HH:MM` in local time (search results and last-seen times can be old). */
export function formatDateTime(ts: number): string {
  const d = new Date(ts);
  return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} ${formatTime(ts)}`;
}

/** The local calendar day of `ts`, as a key that compares equal for the same day: `YYYY-MM-DD`. */
export function dayKey(ts: number): string {
  const d = new Date(ts);
  return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())}`;
}

/**
 * A line's time: `HH:MM` on `today` (a dayKey), else `MM-DD HH:MM` (history keeps a year, and a screen
 * scrolled back may hold no day separator; the separators name the year).
 */
export function formatStamp(ts: number, today: string | undefined): string {
  const day = dayKey(ts);
  return today === undefined || day === today ? formatTime(ts) : `${day.slice(5)} ${formatTime(ts)}`;
}

const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

/** A day as people say it, for the separator above its first line: `Monday 6 January 2025`. */
export function formatDay(ts: number): string {
  const d = new Date(ts);
  return `${WEEKDAYS[d.getDay()]} ${d.getDate()} ${MONTHS[d.getMonth()]} ${d.getFullYear()}`;
}

/** Round-trip time for people: `<1ms`, `12ms`, `1.2s`; empty when unknown. */
export function formatRtt(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return '';
  if (ms < 1) return '<1ms';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  return `${(ms / 1000).toFixed(1)}s`;
}

/** `n thing` / `n things`. */
export function plural(n: number, singular: string, pluralForm = `${singular}s`): string {
  return `${n} ${n === 1 ? singular : pluralForm}`;
}

/** Whether NO_COLOR asks for no color: an explicit option wins, else the variable set and non-empty. */
export function resolveNoColor(option: boolean | undefined, env: NodeJS.ProcessEnv): boolean {
  if (option !== undefined) return option;
  const value = env['NO_COLOR'];
  return value !== undefined && value !== '';
}

/**
 * The last nick's compiled pattern: a memo of a pure function (the answer depends only on the
 * arguments), so no caller can observe it; it saves compiling a Unicode regex per rendered line.
 */
let mentionCache: { nick: string; pattern: RegExp } = { nick: '', pattern: /$^/ };

/** Whether `text` mentions `nick` as a word (case-insensitive; letters and digits of any script). */
export function mentions(text: string, nick: string): boolean {
  if (nick === '') return false;
  if (mentionCache.nick !== nick) {
    // Only syntax characters may be escaped under the `u` flag (nicks may hold `-` and `.`).
    const escaped = nick.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    mentionCache = { nick, pattern: new RegExp(`(?<![\\p{L}\\p{N}_])${escaped}(?![\\p{L}\\p{N}_])`, 'iu') };
  }
  return mentionCache.pattern.test(text);
}
