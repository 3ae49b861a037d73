/**
 * Owns the TCP side of a node: the listening socket, outbound dials with exponential backoff and
 * jitter, the cap on links and pending handshakes, resolution of duplicate links, the overlay (which
 * links to keep) and peer exchange. It hands every message of an up link to the node.
 */
import { EventEmitter } from 'node:events';
import { createServer, connect, type Server, type Socket } from 'node:net';
import {
  type LinkMessage,
  type NodeIdHex,
  type PeerRecord,
  MAX_PEERS_PER_EXCHANGE,
  sanitizeLabel,
  UsageError,
  fromHex,
  toHex,
} from '../../wire/index.js';
import type { Candidate } from '../../discovery/types.js';
import type { Clock, Timer } from '../../clock/clock.js';
import type { Identity } from '../identity.js';
import { Link, type LinkClosed, type LinkTimings } from './link.js';
import type { Logger } from '../logger.js';
import { DEFAULT_DEGREE, desiredPeers, linkWanted } from './overlay.js';
import type { PeerTable } from './peer-table.js';
import type { PeerStore } from './peer-store.js';
import { BadLinkLog, isBadLinkClose } from './bad-link-log.js';
import { formatHostPort, parseHostPort } from './addresses.js';
import { LinkMessageTable } from './link-message-table.js';

export const DEFAULT_PORT = 7420;
/** Hard cap on up links; the overlay keeps far fewer (about degree + 1), this bounds what others can open. */
export const DEFAULT_MAX_LINKS = 64;
/** Inbound connections one address may have in their handshake at once. */
export const MAX_PENDING_PER_SOURCE = 4;
/**
 * Longest wait between dials of a --peer address. Static peers are what a node relies on where
 * multicast fails, so a crashed one is found again within seconds of coming back.
 */
export const STATIC_BACKOFF_MAX_MS = 4000;

export interface LinkManagerOptions {
  identity: Identity;
  peers: PeerTable;
  clock: Clock;
  logger: Logger;
  hello: () => { nick: string; port: number; rooms: string[] };
  /** Bind address. @default '0.0.0.0' */
  host?: string;
  /** TCP port; 0 picks a free one. @default 7420, falling back to a free port when taken */
  port?: number;
  /** Target links per node. @default 6 */
  degree?: number;
  /** Hard cap on links, inbound and outbound. @default 64 (DEFAULT_MAX_LINKS) */
  maxLinks?: number;
  /** Cap on connections still in their handshake. @default 16 */
  maxPendingHandshakes?: number;
  timings?: Partial<LinkTimings>;
  maxFrameBytes?: number;
  maxQueueBytes?: number;
  /** Socket factory for outbound dials (tests inject failures). @default net.connect */
  connect?: (host: string, port: number) => Socket;
  /** Backoff between dials of one target. @default { baseMs: 250, maxMs: 30_000 } */
  backoff?: { baseMs: number; maxMs: number };
  /** Backoff between dials of a --peer address. @default { baseMs: 250, maxMs: STATIC_BACKOFF_MAX_MS } */
  staticBackoff?: { baseMs: number; maxMs: number };
  /** Where the peer table is kept across restarts; none keeps it in memory only. */
  peerStore?: PeerStore;
  /** How often the overlay is checked. @default 1000 */
  tickMs?: number;
  random?: () => number;
  /** Called on every chunk a link receives (the node's quiet-turn scheduler). */
  onTraffic?: () => void;
}

export interface LinkManagerEvents {
  'link:up': [Link];
  'link:down': [Link, LinkClosed];
  /** Every message of an up link, for observers; handling goes through `messages`. */
  'link:message': [Link, LinkMessage];
}

interface StaticTarget {
  address: string;
  id: NodeIdHex | null;
  failures: number;
  nextDialAt: number;
  lastError: string | null;
}

export class LinkManager extends EventEmitter<LinkManagerEvents> {
  /** Who handles each kind of message an up link brings (link-message-table.ts). */
  readonly messages = new LinkMessageTable();
  private readonly opts: LinkManagerOptions;
  private readonly degree: number;
  private readonly maxLinks: number;
  private server: Server | null = null;
  private tickTimer: Timer | null = null;
  private readonly up = new Map<NodeIdHex, Link>();
  /** Links started so far, to number them in the logs. */
  private linkCount = 0;
  private readonly pending = new Set<Link>();
  private readonly dialing = new Set<string>();
  private readonly dialSockets = new Set<Socket>();
  private pendingInbound = 0;
  private readonly pendingBySource = new Map<string, number>();
  private readonly staticTargets = new Map<string, StaticTarget>();
  /** Nodes this node refuses to link with (a hostile peer; tests use it to partition a mesh). */
  private readonly blocked = new Set<NodeIdHex>();
  private sentVersion = new WeakMap<Link, number>();
  private readonly badLinks: BadLinkLog;
  private stopped = false;
  port = 0;

  constructor(opts: LinkManagerOptions) {
    super();
    this.opts = opts;
    this.degree = opts.degree ?? DEFAULT_DEGREE;
    this.maxLinks = opts.maxLinks ?? DEFAULT_MAX_LINKS;
    this.badLinks = new BadLinkLog(opts.logger, () => opts.clock.now());
    this.messages.handle('peers', (_link, message) => this.onPeers(message.peers));
  }

  get selfId(): NodeIdHex {
    return this.opts.identity.idHex;
  }

  links(): Link[] {
    return [...this.up.values()];
  }

  /** Connections (inbound and dialled) still in their handshake. */
  get pendingHandshakes(): number {
    return this.pending.size;
  }

  linkTo(id: NodeIdHex): Link | undefined {
    return this.up.get(id);
  }

  async start(): Promise<number> {
    const host = this.opts.host ?? '0.0.0.0';
    const wanted = this.opts.port ?? DEFAULT_PORT;
    const server = createServer((socket) => this.accept(socket));
    server.maxConnections = this.maxLinks + (this.opts.maxPendingHandshakes ?? 16);
    const listen = (port: number) =>
      new Promise<void>((resolve, reject) => {
        const onError = (err: Error) => reject(err);
        server.once('error', onError);
        server.listen({ host, port, exclusive: true }, () => {
          server.off('error', onError);
          resolve();
        });
      });
    try {
      await listen(wanted);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
      if (this.opts.port !== undefined) {
        throw new UsageError(
          'INVALID_ARGUMENT',
          `port ${wanted} on ${host} is already in use; choose another --port, or leave it out to take a free one`,
          { cause: err },
        );
      }
      this.opts.logger.warn(`port ${wanted} is taken; listening on a free port instead`);
      await listen(0);
    }
    server.on('error', (err) => this.opts.logger.error('listening socket error', { error: err.message }));
    this.server = server;
    const address = server.address();
    this.port = typeof address === 'object' && address ? address.port : wanted;
    const restored = this.opts.peerStore?.load(this.opts.peers) ?? 0;
    if (restored > 0) this.opts.logger.info('peers restored from the data directory', { count: restored });
    this.tickTimer = this.opts.clock.setInterval(() => this.tick(), this.opts.tickMs ?? 1000);
    return this.port;
  }

  /** Closes every link (with bye, or abruptly when `graceful` is false) and the listening socket. */
  async stop(reason = 'shutting down', graceful = true): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.tickTimer) this.opts.clock.clearInterval(this.tickTimer);
    if (this.server) this.opts.peerStore?.save(this.opts.peers, true);
    for (const socket of this.dialSockets) socket.destroy();
    this.dialSockets.clear();
    for (const link of [...this.up.values(), ...this.pending]) {
      if (graceful) link.close(reason);
      else link.destroy(reason);
    }
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** A --peer address: dialled (with backoff) until linked, and again whenever it is lost. */
  addStatic(address: string): void {
    if (!parseHostPort(address)) throw new Error(`bad address ${address}`);
    if (!this.staticTargets.has(address)) {
      this.staticTargets.set(address, { address, id: null, failures: 0, nextDialAt: 0, lastError: null });
    }
    this.tick();
  }

  /** A candidate from discovery; the overlay decides whether to link to it. */
  onCandidate(candidate: Candidate): void {
    if (candidate.id) {
      const entry = this.opts.peers.upsert(candidate.id, {
        nick: candidate.nick,
        addresses: candidate.addresses,
        foundBy: candidate.method,
      });
      // Rediscovery is fresh evidence that the peer is there: dial it again now.
      if (entry && !entry.link) {
        entry.failures = 0;
        entry.nextDialAt = 0;
        entry.left = false;
      }
      this.tick();
    } else {
      for (const address of candidate.addresses) this.addStatic(address);
    }
  }

  /** Refuses links with `id` from now on and closes the one that is up. */
  block(id: NodeIdHex): void {
    this.blocked.add(id);
    this.up.get(id)?.close('blocked');
  }

  /** Allows links with `id` again and dials it at once if the overlay wants it. */
  unblock(id: NodeIdHex): void {
    if (!this.blocked.delete(id)) return;
    const entry = this.opts.peers.get(id);
    if (entry) {
      entry.failures = 0;
      entry.nextDialAt = 0;
    }
    this.tick();
  }

  staticStatus(): StaticTarget[] {
    return [...this.staticTargets.values()].map((t) => ({ ...t }));
  }

  /** One round of upkeep: dial what the overlay wants, prune what nobody wants, exchange peers. */
  tick(): void {
    if (this.stopped || !this.server) return;
    const now = this.opts.clock.now();
    const peers = this.opts.peers;
    const eligible = peers.eligible(now).map((p) => p.id);
    const want = desiredPeers(this.selfId, eligible, { degree: this.degree });
    for (const id of want) {
      const entry = peers.get(id);
      if (
        !entry ||
        entry.link ||
        entry.nextDialAt > now ||
        entry.addresses.length === 0 ||
        this.blocked.has(id)
      )
        continue;
      if (this.up.size + this.pending.size >= this.maxLinks) break;
      const address = entry.addresses[entry.failures % entry.addresses.length];
      this.dial(address, id);
    }
    // A node cut off from everyone keeps trying whom it knew, however often they failed before:
    // they may all have been down at once (a power cut, a restarted switch).
    if (this.up.size === 0 && this.pending.size === 0) {
      for (const entry of peers.all()) {
        if (entry.nextDialAt > now || entry.addresses.length === 0 || this.blocked.has(entry.id)) continue;
        if (this.dialing.size >= this.degree) break;
        this.dial(entry.addresses[entry.failures % entry.addresses.length], entry.id);
      }
    }
    for (const target of this.staticTargets.values()) {
      if (target.nextDialAt > now) continue;
      if (target.id !== null) {
        if (this.up.has(target.id) || this.blocked.has(target.id)) continue;
        // A --peer we reach through the mesh (its presence arrives) is the overlay's to link or not;
        // one we do not reach is dialled for as long as this node runs, whatever failed before.
        const entry = peers.get(target.id);
        const reached = entry !== undefined && peers.isOnline(entry, now);
        if (reached && this.up.size >= Math.min(this.degree, eligible.length)) continue;
      }
      this.dial(target.address, target.id);
    }
    if (this.up.size > this.degree) {
      for (const [id, link] of this.up) {
        if (this.up.size <= this.degree) break;
        if (now - link.upAt < 15_000) continue;
        if (!linkWanted(this.selfId, id, eligible, { degree: this.degree })) link.close('overlay');
      }
    }
    for (const link of this.up.values()) {
      if (this.sentVersion.get(link) !== peers.version) this.sendPeers(link);
    }
    this.opts.peerStore?.save(peers);
  }

  private backoffDelay(failures: number, isStatic = false): number {
    const { baseMs, maxMs } = isStatic
      ? (this.opts.staticBackoff ?? { baseMs: 250, maxMs: STATIC_BACKOFF_MAX_MS })
      : (this.opts.backoff ?? { baseMs: 250, maxMs: 30_000 });
    const raw = Math.min(maxMs, baseMs * 2 ** Math.min(failures, 20));
    return Math.round(raw * (0.5 + (this.opts.random ?? Math.random)()));
  }

  private dial(address: string, id: NodeIdHex | null): void {
    if (this.stopped || this.dialing.has(address)) return;
    const target = parseHostPort(address);
    if (!target) return;
    this.dialing.add(address);
    const socket = (this.opts.connect ?? ((h, p) => connect({ host: h, port: p })))(target.host, target.port);
    this.dialSockets.add(socket);
    const connectTimer = this.opts.clock.setTimeout(() => socket.destroy(new Error('timed out')), 5000);
    const settle = () => {
      this.opts.clock.clearTimeout(connectTimer);
      this.dialing.delete(address);
      this.dialSockets.delete(socket);
    };
    const onFail = (err: Error) => {
      settle();
      if (!this.stopped) this.recordFailure(address, id, describeDialError(err));
    };
    socket.once('error', onFail);
    socket.once('connect', () => {
      settle();
      socket.off('error', onFail);
      if (this.stopped) {
        socket.destroy();
        return;
      }
      this.startLink(socket, 'outbound', address, id);
    });
  }

  private recordFailure(address: string, id: NodeIdHex | null, reason: string): void {
    const now = this.opts.clock.now();
    const target = this.staticTargets.get(address);
    if (target) {
      target.failures++;
      target.lastError = sanitizeLabel(reason);
      target.nextDialAt = now + this.backoffDelay(target.failures, true);
    }
    const entry = id ? this.opts.peers.get(id) : undefined;
    if (entry) {
      entry.failures++;
      entry.lastError = sanitizeLabel(reason);
      entry.nextDialAt = now + this.backoffDelay(entry.failures);
    }
    this.opts.logger.debug('dial failed', { address, reason });
  }

  private accept(socket: Socket): void {
    // Handshakes in progress are capped in all and per source address, so silent connections from
    // one host cannot take every slot; our own dials are not counted against them.
    const source = socket.remoteAddress ?? '?';
    const fromSource = this.pendingBySource.get(source) ?? 0;
    if (
      this.stopped ||
      this.pendingInbound >= (this.opts.maxPendingHandshakes ?? 16) ||
      fromSource >= MAX_PENDING_PER_SOURCE ||
      this.up.size >= this.maxLinks
    ) {
      socket.destroy();
      return;
    }
    this.pendingInbound++;
    this.pendingBySource.set(source, fromSource + 1);
    const link = this.startLink(socket, 'inbound', null, null);
    link.once('closed', () => this.releaseInbound(source));
    link.once('up', () => this.releaseInbound(source));
  }

  private releaseInbound(source: string): void {
    this.pendingInbound--;
    const left = (this.pendingBySource.get(source) ?? 1) - 1;
    if (left > 0) this.pendingBySource.set(source, left);
    else this.pendingBySource.delete(source);
  }

  private startLink(
    socket: Socket,
    direction: 'inbound' | 'outbound',
    dialedAddress: string | null,
    dialedId: NodeIdHex | null,
  ): Link {
    const link = new Link({
      socket,
      direction,
      identity: this.opts.identity,
      hello: this.opts.hello,
      clock: this.opts.clock,
      logger: this.opts.logger,
      timings: this.opts.timings,
      maxFrameBytes: this.opts.maxFrameBytes,
      maxQueueBytes: this.opts.maxQueueBytes,
      onTraffic: this.opts.onTraffic,
      number: ++this.linkCount,
    });
    this.pending.add(link);
    link.on('up', () => this.onUp(link, dialedAddress));
    link.on('closed', (closed) => this.onClosed(link, closed, dialedAddress, dialedId));
    link.start();
    return link;
  }

  private onUp(link: Link, dialedAddress: string | null): void {
    this.pending.delete(link);
    if (this.stopped) {
      link.close('shutting down');
      return;
    }
    const id = link.remoteIdHex!;
    const hello = link.remoteHello!;
    const listenAddress =
      dialedAddress ?? (hello.port > 0 ? formatHostPort(link.remoteAddress, hello.port) : undefined);
    if (dialedAddress) {
      const target = this.staticTargets.get(dialedAddress);
      if (target) {
        target.id = id;
        target.failures = 0;
        target.lastError = null;
      }
    }
    if (this.blocked.has(id)) {
      link.close('blocked');
      return;
    }
    const existing = this.up.get(id);
    if (existing) {
      // Both ends keep the link dialled by the smaller id, so they agree without talking.
      const dialer = (l: Link) => (l.direction === 'outbound' ? this.selfId : id);
      // Same dialer twice (a dial race): keep the older one.
      if (dialer(link) >= dialer(existing)) {
        link.close('duplicate');
        return;
      }
      // Closed while still registered, so it goes down like any link (the node releases its sync
      // state) but marked as replaced, not lost.
      existing.close('duplicate');
    }
    if (this.up.size >= this.maxLinks) {
      link.fail('LINK_LIMIT', `this node holds ${this.maxLinks} links`);
      return;
    }
    this.up.set(id, link);
    const entry = this.opts.peers.upsert(id, {
      nick: hello.nick,
      signed: true,
      address: listenAddress,
      foundBy:
        link.direction === 'inbound'
          ? 'inbound'
          : dialedAddress && this.staticTargets.has(dialedAddress)
            ? 'static'
            : undefined,
    });
    if (entry) {
      entry.link = link;
      entry.xkey = hello.xkey;
      entry.rooms = hello.rooms;
      entry.failures = 0;
      entry.lastError = null;
      entry.left = false;
      entry.lastSeen = this.opts.clock.now();
      if (listenAddress && dialedAddress) this.opts.peers.confirmAddress(entry, listenAddress);
    }
    link.on('message', (message) => {
      if (entry) entry.lastSeen = this.opts.clock.now();
      if (!this.messages.dispatch(link, message))
        this.opts.logger.debug('a link message nobody handles', { kind: message.kind, peer: hello.nick });
      this.emit('link:message', link, message);
    });
    this.opts.logger.info('link up', {
      peer: hello.nick,
      id: id.slice(0, 12),
      direction: link.direction,
      address: link.remoteAddress,
    });
    this.emit('link:up', link);
    this.sendPeers(link);
  }

  private onClosed(
    link: Link,
    closed: LinkClosed,
    dialedAddress: string | null,
    dialedId: NodeIdHex | null,
  ): void {
    this.pending.delete(link);
    const id = link.remoteIdHex;
    if (id && this.up.get(id) === link) {
      this.up.delete(id);
      const entry = this.opts.peers.get(id);
      // Both ends dialled at once and the peer kept the other link, still in its handshake here:
      // the peer has not gone anywhere.
      const replaced = isDuplicateBye(closed);
      if (entry) {
        entry.link = null;
        // A dropped link is evidence the peer is gone: it stays offline until heard from again. One
        // closed because the overlay has no use for it says the peer is alive and in the mesh.
        if (!replaced && !isOverlayBye(closed)) entry.presenceAt = null;
        entry.nextDialAt = this.opts.clock.now() + (replaced ? 0 : this.backoffDelay(0));
        // The reason may be a peer's own words (its error frame): stored clean, shown anywhere.
        if (closed.code !== 'BYE') entry.lastError = sanitizeLabel(closed.reason);
      }
      if (replaced) this.opts.logger.debug('link replaced by its duplicate', { peer: link.label });
      else if (isBadLinkClose(closed)) this.badLinks.report(link, closed);
      else this.opts.logger.info('link down', { peer: link.label, code: closed.code, reason: closed.reason });
      this.emit('link:down', link, closed);
    } else if (link.upAt === 0) {
      if (isBadLinkClose(closed)) this.badLinks.report(link, closed);
      const reason = closed.code === 'CLOSED' ? closed.reason : `${closed.code}: ${closed.reason}`;
      // Only what we dialled is charged: an inbound hello's id is unproven until its ack verifies.
      if (dialedAddress) this.recordFailure(dialedAddress, dialedId, reason);
    }
    if (!this.stopped && dialedAddress) {
      const target = this.staticTargets.get(dialedAddress);
      if (target && target.nextDialAt < this.opts.clock.now()) {
        target.nextDialAt = this.opts.clock.now() + this.backoffDelay(target.failures, true);
      }
    }
  }

  private sendPeers(link: Link): void {
    const now = this.opts.clock.now();
    this.sentVersion.set(link, this.opts.peers.version);
    const records: PeerRecord[] = [];
    for (const entry of this.opts.peers.all()) {
      if (
        entry.id === link.remoteIdHex ||
        entry.addresses.length === 0 ||
        !this.opts.peers.isOnline(entry, now)
      )
        continue;
      records.push({
        id: fromHex(entry.id),
        addrs: entry.addresses.slice(0, 8),
        nick: entry.nick === 'unknown' ? undefined : entry.nick,
      });
      if (records.length >= MAX_PEERS_PER_EXCHANGE) break;
    }
    if (records.length > 0) link.send({ kind: 'peers', peers: records });
  }

  private onPeers(records: PeerRecord[]): void {
    for (const record of records) {
      const addresses = record.addrs.filter((a) => parseHostPort(a) !== null);
      if (addresses.length === 0) continue;
      this.opts.peers.upsert(toHex(record.id), { nick: record.nick, addresses, foundBy: 'exchange' });
    }
  }
}

/** Closed, by either end, because the overlay keeps other links: both nodes are alive and in the mesh. */
export function isOverlayBye(closed: LinkClosed): boolean {
  return closed.code === 'BYE' && closed.reason === 'overlay';
}

/** This link was closed, by either end, because the other one between the same two nodes is kept (see onUp). */
export function isDuplicateBye(closed: LinkClosed): boolean {
  return closed.code === 'BYE' && closed.reason === 'duplicate';
}

function describeDialError(err: Error): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ECONNREFUSED') return 'refused';
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return 'unreachable';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'host not found';
  if (err.message === 'timed out') return 'timed out';
  return err.message;
}
