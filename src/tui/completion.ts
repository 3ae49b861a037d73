/**
 * Tab completion: command names at the start of the line, room names after /join and /leave, paths after
 * /send, nicks at any
 * other word. Repeated Tab cycles through the candidates; `nick: ` is added when a nick starts the line,
 * as IRC clients do.
 */
import { COMMANDS } from './commands.js';
import type { InputState } from './input-line.js';

export interface CompletionSources {
  /** Nicks to offer, most relevant first (e.g. recent speakers, then everyone else). */
  nicks: string[];
  /** Room names to offer after /join and /leave. */
  rooms: string[];
  /** Paths to offer after /send, for what was typed so far (local-files.ts); none when absent. */
  paths?: (typed: string) => string[];
}

/** A completion in progress: repeated Tab moves `index` through `candidates`. */
export interface CompletionSession {
  /** Offset where the completed word starts. */
  start: number;
  /** The text after the word, kept as it was. */
  tail: string;
  /** The line before the word. */
  head: string;
  candidates: string[];
  index: number;
}

const ROOM_COMMANDS = /^\/(join|j|leave|part)\s+$/i;
/** /send takes the rest of the line as its path (which may hold spaces): it is completed whole. */
const SEND_COMMAND = /^(\/send\s+)([^]*)$/i;

/** Starts completing the word before the cursor; null when nothing matches. */
export function startCompletion(state: InputState, sources: CompletionSources): CompletionSession | null {
  const head = state.text.slice(0, state.cursor);
  const tail = state.text.slice(state.cursor);
  const send = SEND_COMMAND.exec(head);
  if (send) {
    const candidates = sources.paths?.(send[2]) ?? [];
    if (candidates.length === 0) return null;
    return { start: send[1].length, head: send[1], tail, candidates, index: 0 };
  }
  const start = head.search(/\S*$/);
  const word = head.slice(start);
  const before = head.slice(0, start);

  let candidates: string[];
  if (before === '' && word.startsWith('/') && !word.startsWith('//')) {
    const prefix = word.slice(1).toLowerCase();
    // Names only: offering aliases too would make Tab cycle through synonyms.
    candidates = COMMANDS.map((spec) => spec.name)
      .filter((name) => name.startsWith(prefix))
      .map((name) => `/${name} `);
  } else if (ROOM_COMMANDS.test(before)) {
    const prefix = word.replace(/^#/, '').toLowerCase();
    candidates = unique(sources.rooms.filter((room) => room.toLowerCase().startsWith(prefix))).map(
      (room) => `${room} `,
    );
  } else {
    const prefix = word.replace(/^@/, '').toLowerCase();
    const suffix = before === '' ? ': ' : ' ';
    candidates = unique(sources.nicks.filter((nick) => nick.toLowerCase().startsWith(prefix))).map(
      (nick) => nick + suffix,
    );
  }
  if (candidates.length === 0) return null;
  return { start, head: before, tail: tail.replace(/^ /, ''), candidates, index: 0 };
}

/** The line with the session's current candidate in place of the word. */
export function applyCompletion(session: CompletionSession): InputState {
  const inserted = session.candidates[session.index];
  return { text: session.head + inserted + session.tail, cursor: session.head.length + inserted.length };
}

/** The session moved on to the next candidate (wrapping around). */
export function nextCompletion(session: CompletionSession, step = 1): CompletionSession {
  const n = session.candidates.length;
  return { ...session, index: (((session.index + step) % n) + n) % n };
}

function unique(items: string[]): string[] {
  const seen = new Set<string>();
  return items.filter((item) => {
    const key = item.toLowerCase();
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
