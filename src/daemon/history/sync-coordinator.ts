/**
 * Runs history reconciliation on every link: one SyncSession per link over the scopes both ends share
 * (each common room, and the direct conversation between the two). Messages learned this way go
 * through the node's ingest (verified, stored, passed on), and a finished session reports how many
 * messages it brought in, which the UI shows as "caught up N messages from NICK".
 */
import { encodeFrame, isPrivateRoomId, type LinkMessage, MAX_ROOMS } from '../../wire/index.js';
import type { Link } from '../links/index.js';
import type { Clock } from '../../clock/index.js';
import type { Identity } from '../identity.js';
import type { PeerTable } from '../links/index.js';
import type { HistoryStore } from './store.js';
import type { SignedMessage } from '../flood/index.js';
import { SyncSession, type SyncMessage } from './sync-session.js';

/** The parts of the node history sync reads: which rooms it is in, whom it knows, its clock. */
export interface SyncNode {
  readonly roomList: readonly string[];
  inRoom(room: string): boolean;
  readonly peerTable: PeerTable;
  readonly clock: Clock;
  readonly identity: Identity;
}

/** Stores and passes on a checked message; true when it was new. */
export type Apply = () => boolean;

export interface SyncCoordinatorOptions {
  node: SyncNode;
  store: HistoryStore;
  /**
   * Checks one synced message (its signature off the event loop); resolves to what stores and passes
   * it on (which returns true when it was new), or null when it is dropped. Never rejects.
   */
  ingest: (signed: SignedMessage, link: Link) => Promise<Apply | null>;
  onDone: (link: Link, count: number, scope: string) => void;
  windowMs?: number;
}

/** A scope whose exchange finished on a link may be started again by the peer after this long. */
export const RESYNC_MIN_INTERVAL_MS = 5000;
/** Sessions open at once on one link: one per shared room and the direct conversation, and some slack. */
export const MAX_SYNC_SESSIONS_PER_LINK = MAX_ROOMS + 2;

interface OpenSession {
  session: SyncSession;
  scopes: string[];
}

export class SyncCoordinator {
  private readonly sessions = new Map<Link, OpenSession[]>();
  private readonly outboxes = new Map<Link, SyncOutbox>();
  private readonly pacers = new Map<Link, IngestPacer>();
  /** Per link, when each wire scope's last exchange finished. */
  private readonly finishedAt = new Map<Link, Map<string, number>>();

  constructor(private readonly opts: SyncCoordinatorOptions) {}

  linkUp(link: Link): void {
    const theirRooms = new Set(link.remoteHello?.rooms ?? []);
    const scopes = this.opts.node.roomList.filter((r) => theirRooms.has(r)).map((r) => `room:${r}`);
    this.sessions.set(link, []);
    this.open(link, [...scopes, 'dm']);
  }

  linkDown(link: Link): void {
    for (const { session } of this.sessions.get(link) ?? []) session.stop();
    this.sessions.delete(link);
    this.finishedAt.delete(link);
    this.outboxes.get(link)?.clear();
    this.outboxes.delete(link);
    this.pacers.delete(link);
  }

  /** After joining a room, catch up on it from every linked peer that is in it. */
  roomJoined(room: string): void {
    for (const link of this.sessions.keys()) {
      const entry = link.remoteIdHex ? this.opts.node.peerTable.get(link.remoteIdHex) : undefined;
      // A private room's ciphertext may be held by any neighbour (keyless nodes carry it): ask them all.
      if (entry?.rooms.includes(room) || isPrivateRoomId(room)) this.open(link, [`room:${room}`], true);
    }
  }

  /** Sessions still open on a link (for tests and diagnostics). */
  openSessions(link: Link): number {
    return this.sessions.get(link)?.length ?? 0;
  }

  handle(link: Link, message: SyncMessage): void {
    const list = this.sessions.get(link);
    if (!list) return;
    let session = list.find((s) => s.session.reconciling(message.scope))?.session;
    if (!session) {
      // A digest for a scope nobody is reconciling starts a new exchange (the peer joined a room after
      // the link came up, or asks again), if we share the scope. Asking again at once, or opening
      // scope after scope, gets the lone sync-done of a finished scope: a peer cannot make us re-read
      // and re-send a whole history in a loop.
      if (message.kind !== 'sync-digest' || !this.shared(message.scope)) return;
      const finished = this.finishedAt.get(link)?.get(message.scope);
      const tooSoon =
        finished !== undefined && this.opts.node.clock.now() - finished < RESYNC_MIN_INTERVAL_MS;
      if (tooSoon || list.length >= MAX_SYNC_SESSIONS_PER_LINK) {
        this.outbox(link).send({ kind: 'sync-done', scope: message.scope });
        return;
      }
      session = this.open(link, [message.scope], false);
    }
    session.handle(message);
  }

  private pacer(link: Link): IngestPacer {
    let pacer = this.pacers.get(link);
    if (!pacer) this.pacers.set(link, (pacer = new IngestPacer(link, this.opts.ingest)));
    return pacer;
  }

  private outbox(link: Link): SyncOutbox {
    let box = this.outboxes.get(link);
    if (!box) this.outboxes.set(link, (box = new SyncOutbox(link)));
    return box;
  }

  private shared(scope: string): boolean {
    if (scope === 'dm') return true;
    return scope.startsWith('room:') && this.opts.node.inRoom(scope.slice(5));
  }

  private open(link: Link, scopes: string[], initiator?: boolean): SyncSession {
    const peerHex = link.remoteIdHex!;
    const session = new SyncSession({
      transport: {
        send: (m) => this.outbox(link).send(m),
        sendLater: (produce) => this.outbox(link).sendLater(produce),
      },
      host: {
        store: this.opts.store,
        ingest: (_localScope, messages) => this.pacer(link).ingest(messages),
      },
      scopes,
      localScope: (scope) => (scope === 'dm' ? `dm:${peerHex}` : scope),
      initiator: initiator ?? Buffer.compare(this.opts.node.identity.id, link.remoteId!) < 0,
      windowMs: this.opts.windowMs,
      now: () => this.opts.node.clock.now(),
    });
    const entry: OpenSession = { session, scopes };
    // Recorded when the exchange ends, not when its ingests resolve: in between, a digest for the
    // scope would otherwise open a new exchange at once and re-send the history.
    session.on('scope:finished', (localScope) => {
      const wire = localScope.startsWith('dm:') ? 'dm' : localScope;
      let times = this.finishedAt.get(link);
      if (!times) this.finishedAt.set(link, (times = new Map()));
      times.set(wire, this.opts.node.clock.now());
    });
    session.on('scope:done', (localScope, fetched) => this.opts.onDone(link, fetched, localScope));
    session.on('done', () => {
      const list = this.sessions.get(link) ?? [];
      const at = list.indexOf(entry);
      if (at >= 0) list.splice(at, 1);
    });
    this.sessions.get(link)?.push(entry);
    session.start();
    return session;
  }
}

/** Bytes a link may hold queued before sync waits for it to drain: live chat must not queue behind a catch-up. */
export const SYNC_HIGH_WATER_BYTES = 512 * 1024;
/** Store reads (of up to MAX_SYNC_MESSAGES each) a catch-up makes in one turn of the event loop. */
export const SYNC_PRODUCE_PER_TURN = 2;
/** Sync bytes waiting for a link to drain before the peer is dropped (it may catch up later). */
export const MAX_SYNC_OUTBOX_BYTES = 16 * 1024 * 1024;

/**
 * Sync traffic of one link, released only while the link's queue is below SYNC_HIGH_WATER_BYTES: a large
 * catch-up proceeds at the pace the peer reads instead of overflowing the link's queue cap. A peer that
 * lets more than MAX_SYNC_OUTBOX_BYTES pile up is dropped, as one over the link's own cap would be.
 */
class SyncOutbox {
  /** Encoded frames, and producers of messages read from the store only when their turn comes. */
  private readonly queue: (Uint8Array | (() => LinkMessage[]))[] = [];
  private queuedBytes = 0;
  private waiting = false;
  private yielded = false;

  constructor(private readonly link: Link) {}

  /** Queues messages to be made (read from the store) when the link has room for them. */
  sendLater(produce: () => LinkMessage[]): void {
    this.queue.push(produce);
    this.pump();
  }

  send(message: LinkMessage): void {
    const frame = encodeFrame(message);
    this.queue.push(frame);
    this.queuedBytes += frame.length;
    if (this.queuedBytes > MAX_SYNC_OUTBOX_BYTES) {
      this.clear();
      this.link.fail('SEND_QUEUE_FULL', `more than ${MAX_SYNC_OUTBOX_BYTES} bytes of history sync waiting`);
      return;
    }
    this.pump();
  }

  clear(): void {
    this.queue.length = 0;
    this.queuedBytes = 0;
  }

  private pump(): void {
    if (this.yielded) return;
    let produced = 0;
    while (this.queue.length > 0 && this.link.queuedBytes < SYNC_HIGH_WATER_BYTES) {
      const next = this.queue.shift()!;
      if (typeof next === 'function') {
        if (this.link.state === 'closed') return this.clear();
        // A loopback or fast peer may take megabytes without the queue ever filling: the loop is
        // given back after a few store reads, so pings and live chat interleave with the catch-up.
        if (produced++ >= SYNC_PRODUCE_PER_TURN) {
          this.queue.unshift(next);
          this.yielded = true;
          setImmediate(() => {
            this.yielded = false;
            this.pump();
          });
          return;
        }
        const frames = next().map((m) => encodeFrame(m));
        for (const f of frames) this.queuedBytes += f.length;
        this.queue.unshift(...frames);
        continue;
      }
      const frame = next;
      this.queuedBytes -= frame.length;
      if (!this.link.sendFrame(frame)) {
        this.clear();
        return;
      }
    }
    if (this.queue.length > 0 && !this.waiting) {
      this.waiting = true;
      this.link.once('drain', () => {
        this.waiting = false;
        this.pump();
      });
    }
  }
}

/** Checked synced messages stored at once, before the loop is given back for other work. */
export const SYNC_APPLY_SLICE = 64;
/** Batches of synced messages a link may have waiting for ingest before it is no longer read. */
export const SYNC_INGEST_BACKLOG = 4;

/**
 * Ingests one link's synced batches: each batch's signatures are checked as soon as it arrives (off
 * the event loop, so the checks of the next batches run while this one is stored), and the batches
 * are stored one after the other, a slice at a time. It stops reading the link while more than
 * SYNC_INGEST_BACKLOG batches wait (TCP then slows the sender, whose SyncOutbox waits for its queue
 * to drain), which also bounds the checks in flight. Verifying a whole catch-up at once queued tens of
 * thousands of signatures, ran past the pool's bound onto the event loop and held it for seconds: long
 * enough for every link of the node to time out (issue 15).
 */
class IngestPacer {
  private chain: Promise<unknown> = Promise.resolve();
  private backlog = 0;
  private paused = false;

  constructor(
    private readonly link: Link,
    private readonly check: (signed: SignedMessage, link: Link) => Promise<Apply | null>,
  ) {}

  ingest(messages: SignedMessage[]): Promise<number> {
    this.backlog++;
    if (this.backlog > SYNC_INGEST_BACKLOG && !this.paused) {
      this.paused = true;
      this.link.pauseReading();
    }
    const checked = messages.map((m) => this.check(m, this.link));
    const run = this.chain.then(() => this.slices(checked));
    this.chain = run.catch(() => undefined);
    return run.finally(() => {
      this.backlog--;
      if (this.paused && this.backlog <= 1) {
        this.paused = false;
        this.link.resumeReading();
      }
    });
  }

  private async slices(checked: Promise<Apply | null>[]): Promise<number> {
    let fresh = 0;
    for (let i = 0; i < checked.length; i += SYNC_APPLY_SLICE) {
      // Checked already: what came from a link that has closed since is kept all the same.
      const part = await Promise.all(checked.slice(i, i + SYNC_APPLY_SLICE));
      for (const apply of part) if (apply?.()) fresh++;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    return fresh;
  }
}
