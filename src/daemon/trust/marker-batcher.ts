/**
 * Batching of read and seen markers (PROTOCOL.md §20.5): the newest position noted per key (a room, a
 * peer) is sent at most once per interval and only when it moved since it was last sent, so a
 * member's markers cost at most one frame per key per interval whatever the message rate.
 *
 * In a room every member sends seen markers, and every other member verifies each one: a room's
 * markers cost its members N × (N − 1) verifications per interval, and they all fall due together
 * (each member's batch opens on the same message). Measured at N = 50 in one process: ~2,450 markers'
 * verifications in a burst every second, chat messages ~100-500 ms late behind each burst, at 20 chat
 * messages a second. So a seen marker's interval grows with the room (seenIntervalMs: the room's
 * markers stay ~10 a second whatever its size) and, in a room large enough for that to matter, each
 * batch waits a random share of it, so the members' markers spread over the interval instead of
 * landing together.
 */
import type { Clock, Timer } from '../../clock/index.js';

/** A place in a conversation: a message's origin timestamp and id; ordered by (ts, id). */
export interface Position {
  ts: number;
  id: string;
}

/** Markers are sent at most this often per key. @default 1000 */
export const MARKER_INTERVAL_MS = 1000;

/** A room's seen interval per member online (itself included): ~10 markers a second a room. */
export const SEEN_MS_PER_MEMBER = 200;

/**
 * How often a member sends seen markers for a room with `members` online (itself included): once a
 * second up to 5 members, then 200 ms more per member (10 s at 50 members, 40 s at 200).
 */
export function seenIntervalMs(members: number): number {
  return Math.max(MARKER_INTERVAL_MS, Math.round(members * SEEN_MS_PER_MEMBER));
}

/** How a batcher paces a key; the default is one marker a second, the first after a quiet spell at once. */
export interface MarkerPacing {
  /** The key's interval (ms), at least MARKER_INTERVAL_MS; asked when a batch for the key opens. */
  intervalMs(key: string): number;
  /** Uniform in [0, 1): the random share of a long interval a batch waits. */
  random(): number;
}

const EVERY_SECOND: MarkerPacing = { intervalMs: () => MARKER_INTERVAL_MS, random: Math.random };

/** Negative when `a` is before `b`. Ids are lower-case hex with dashes, so text order is byte order. */
export function comparePositions(a: Position, b: Position): number {
  return a.ts !== b.ts ? a.ts - b.ts : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

interface KeyState {
  latest: Position;
  sent: Position | null;
  lastSentAt: number;
  timer: Timer | null;
}

export class MarkerBatcher {
  private readonly keys = new Map<string, KeyState>();
  /** Markers handed to `send` so far. */
  count = 0;

  constructor(
    private readonly clock: Clock,
    private readonly send: (key: string, position: Position) => void,
    private readonly pacing: MarkerPacing = EVERY_SECOND,
  ) {}

  /** A position was reached for `key`; sent when the key's batch closes unless an older one. */
  note(key: string, position: Position): void {
    let state = this.keys.get(key);
    if (!state)
      this.keys.set(key, (state = { latest: position, sent: null, lastSentAt: -Infinity, timer: null }));
    else if (comparePositions(position, state.latest) <= 0) return;
    state.latest = position;
    if (state.timer) return;
    const s = state;
    s.timer = this.clock.setTimeout(
      () => {
        s.timer = null;
        this.flushKey(key, s);
      },
      this.delay(key, s),
    );
  }

  /**
   * How long a batch that opens now waits. One a second: the rest of the second since the last marker
   * (none after a quiet spell). A longer interval: a random share of it, from half to all of it, and
   * never less than a second after the last marker.
   */
  private delay(key: string, state: KeyState): number {
    const now = this.clock.now();
    const sinceLast = now - state.lastSentAt;
    const floor = Math.max(0, MARKER_INTERVAL_MS - sinceLast);
    const interval = this.pacing.intervalMs(key);
    if (interval <= MARKER_INTERVAL_MS) return floor;
    return Math.max(floor, Math.round(interval * (0.5 + this.pacing.random() / 2)));
  }

  /** The newest position noted for `key`. */
  get(key: string): Position | undefined {
    return this.keys.get(key)?.latest;
  }

  /** Sends every key whose position moved since its last marker, now. */
  flush(): void {
    for (const [key, state] of this.keys) {
      if (state.timer) this.clock.clearTimeout(state.timer);
      state.timer = null;
      this.flushKey(key, state);
    }
  }

  private flushKey(key: string, state: KeyState): void {
    if (state.sent && comparePositions(state.latest, state.sent) <= 0) return;
    state.sent = state.latest;
    state.lastSentAt = this.clock.now();
    this.count++;
    this.send(key, state.latest);
  }

  stop(): void {
    for (const state of this.keys.values()) {
      if (state.timer) this.clock.clearTimeout(state.timer);
      state.timer = null;
    }
  }
}
