/**
 * Batching of read and seen markers (PROTOCOL.md §20): the newest position noted per key (a room, a
 * peer) is sent at most once per interval and only when it moved since it was last sent, so a
 * member's markers cost at most one frame per key per interval whatever the message rate.
 */
import type { Clock, Timer } from '../../clock/index.js';

/** A place in a conversation: a message's origin timestamp and id; ordered by (ts, id). */
export interface Position {
  ts: number;
  id: string;
}

/** Markers are sent at most this often per key. @default 1000 */
export const MARKER_INTERVAL_MS = 1000;

/** Negative when `a` is before `b`. Ids are lower-case hex with dashes, so text order is byte order. */
export function comparePositions(a: Position, b: Position): number {
  return a.ts !== b.ts ? a.ts - b.ts : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

export class MarkerBatcher {
  private readonly latest = new Map<string, Position>();
  private readonly sent = new Map<string, Position>();
  private timer: Timer | null = null;
  private lastFlushAt = -Infinity;
  /** Markers handed to `send` so far. */
  count = 0;

  constructor(
    private readonly clock: Clock,
    private readonly send: (key: string, position: Position) => void,
    private readonly intervalMs = MARKER_INTERVAL_MS,
  ) {}

  /** A position was reached for `key`; sent at the next flush unless an older one. */
  note(key: string, position: Position): void {
    const now = this.latest.get(key);
    if (now && comparePositions(position, now) <= 0) return;
    this.latest.set(key, position);
    if (this.timer) return;
    const delay = Math.max(0, this.lastFlushAt + this.intervalMs - this.clock.now());
    this.timer = this.clock.setTimeout(() => {
      this.timer = null;
      this.flush();
    }, delay);
  }

  /** The newest position noted for `key`. */
  get(key: string): Position | undefined {
    return this.latest.get(key);
  }

  flush(): void {
    this.lastFlushAt = this.clock.now();
    for (const [key, position] of this.latest) {
      const last = this.sent.get(key);
      if (last && comparePositions(position, last) <= 0) continue;
      this.sent.set(key, position);
      this.count++;
      this.send(key, position);
    }
  }

  stop(): void {
    if (this.timer) this.clock.clearTimeout(this.timer);
    this.timer = null;
  }
}
