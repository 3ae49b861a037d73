/**
 * The page's presence (PROTOCOL.md §10), as a node floods its own: `join` on its first link, `here`
 * when its rooms change or a link comes back, and as a heartbeat (the interval ±20 %), `nick` on a
 * rename and `leave` when the page closes.
 */
import type { PresencePayload } from '../../wire/index.js';
import type { Signed } from './outbound.js';

export interface PagePresenceContext {
  connected(): boolean;
  /** The presence payload's own fields now: nick, X25519 key, rooms as the wire names them. */
  fields(): Pick<PresencePayload, 'nick' | 'xkey' | 'rooms'>;
  sign(draft: object): Signed;
  /** Floods it (marked seen, so its echo is not taken). */
  send(signed: Signed): void;
  intervalMs: number;
}

export class PagePresence {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private joined = false;

  constructor(private readonly ctx: PagePresenceContext) {}

  /** A link came up: `join` the first time, `here` after. */
  linkUp(): void {
    this.announce(this.joined ? 'here' : 'join');
    this.joined = true;
  }

  /** Floods our presence now and schedules the next heartbeat. */
  announce(event: PresencePayload['event'], old?: string): void {
    if (!this.ctx.connected()) return;
    this.ctx.send(this.ctx.sign({ kind: 'presence', event, ...this.ctx.fields(), old }));
    clearTimeout(this.timer);
    if (event === 'leave') return;
    const interval = this.ctx.intervalMs * (0.8 + 0.4 * Math.random());
    this.timer = setTimeout(() => this.announce('here'), interval);
  }

  stop(): void {
    clearTimeout(this.timer);
  }
}
