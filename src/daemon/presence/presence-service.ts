/**
 * Presence (`presence` payloads): who is out there, under which nick and key, in which rooms. A node
 * floods one on start, on a nick or room change, on leaving, and as a heartbeat; it sends its own and
 * every online peer's latest to a new neighbour at once, so a mesh that was apart learns the other
 * part without waiting for the next heartbeat.
 */
import {
  PAYLOAD_SCHEMAS,
  type PresenceEvent,
  type PresencePayload,
  presenceLine,
  toHex,
} from '../../wire/index.js';
import type { Timer } from '../../clock/index.js';
import type { SignedMessage } from '../flood/index.js';
import type { Link } from '../links/index.js';
import type { NodeContext, NodeService, PayloadKind } from '../services/index.js';

/** How often a node floods a presence heartbeat, ±20 % at random each time. */
export const DEFAULT_PRESENCE_INTERVAL_MS = 30_000;

export class PresenceService implements NodeService {
  readonly payloadKinds: readonly PayloadKind<PresencePayload>[];
  private timer: Timer | null = null;
  /** Our latest signed presence, sent to every new link so the mesh learns our nick and key at once. */
  private own: SignedMessage | null = null;

  constructor(
    private readonly ctx: NodeContext,
    private readonly intervalMs = DEFAULT_PRESENCE_INTERVAL_MS,
  ) {
    this.payloadKinds = [
      {
        kind: 'presence',
        schema: PAYLOAD_SCHEMAS.presence,
        deliver: (payload, signed) => {
          this.take(payload, signed);
          return true;
        },
      },
    ];
  }

  start(): void {
    this.announce('join');
    this.scheduleHeartbeat();
  }

  stop(graceful: boolean): void {
    if (this.timer) this.ctx.clock.clearTimeout(this.timer);
    this.timer = null;
    if (!graceful) return;
    try {
      this.announce('leave');
    } catch (err) {
      this.ctx.logger.warn(`could not send leave: ${(err as Error).message}`);
    }
  }

  /** Floods our presence now. */
  announce(event: PresenceEvent, old?: string): void {
    const { clock, identity, self, router, ids } = this.ctx;
    const now = clock.now();
    this.own = router.originate({
      kind: 'presence',
      id: ids.next(now),
      from: identity.id,
      ts: now,
      event,
      nick: self.nick,
      xkey: identity.xPublic,
      rooms: [...self.roomList],
      old,
    } satisfies PresencePayload);
  }

  linkUp(link: Link): void {
    const { peerTable, router, clock } = this.ctx;
    // Copies the neighbour has seen die at its dedup.
    const now = clock.now();
    if (this.own) router.sendTo(link, this.own);
    for (const peer of peerTable.all()) {
      if (peer.presenceFrame && peer.id !== link.remoteIdHex && peerTable.isOnline(peer, now)) {
        router.sendTo(link, peer.presenceFrame);
      }
    }
  }

  /**
   * The next heartbeat, 80 to 120 % of the interval away: nodes started together (a room's machines
   * switched on at once, or every daemon restarted by an update) would otherwise beat in step
   * forever, each heartbeat a burst of N floods that every node verifies at once.
   */
  private scheduleHeartbeat(): void {
    this.timer = this.ctx.clock.setTimeout(
      () => {
        this.scheduleHeartbeat();
        try {
          this.announce('here');
        } catch (err) {
          this.ctx.logger.warn(`could not send presence: ${(err as Error).message}`);
        }
      },
      this.intervalMs * (0.8 + 0.4 * this.ctx.random()),
    );
  }

  private take(payload: PresencePayload, signed: SignedMessage): void {
    const { peerTable, clock } = this.ctx;
    const id = toHex(payload.from);
    const now = clock.now();
    const known = peerTable.get(id);
    // A presence no newer than the last one taken is a replay (an old leave or nick, flooded again
    // once our dedup cache forgot it) while the peer is around; past that, its clock may have stepped.
    if (known?.presenceTs != null && payload.ts <= known.presenceTs && peerTable.isOnline(known, now)) return;
    const entry = peerTable.upsert(id, { nick: payload.nick, foundBy: 'presence', signed: true });
    if (!entry) return;
    const announced = entry.presenceTs !== null && !entry.left;
    entry.presenceTs = payload.ts;
    const before = { wasOnline: peerTable.isOnline(entry, now), announced, rooms: entry.rooms };
    entry.xkey = payload.xkey;
    entry.rooms = payload.rooms;
    // Copied: decoded fields point into the socket's read buffer, which this would otherwise pin.
    entry.presenceFrame = {
      id: Buffer.from(signed.id),
      payload: Buffer.from(signed.payload),
      sig: Buffer.from(signed.sig),
    };
    entry.left = payload.event === 'leave';
    entry.presenceAt = entry.left ? null : now;
    // The peer first: a UI drawing the presence line then knows the fingerprint to show.
    this.ctx.emit({ type: 'peer', peer: peerTable.info(entry, now) });
    const line = presenceLine(payload, before);
    if (line) {
      this.ctx.emit({
        type: 'presence',
        peer: id,
        nick: payload.nick,
        event: line,
        rooms: payload.rooms,
        oldNick: payload.old,
      });
    }
  }
}
