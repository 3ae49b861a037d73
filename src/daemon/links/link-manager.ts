/**
 * Owns the TCP side of a node: the listening socket, outbound dials with exponential backoff and
 * jitter, the cap on links and pending handshakes, resolution of duplicate links, the overlay (which
 * links to keep) and peer exchange. Every message of an up link goes to its kind's handler
 * (link-message-table.ts).
 */
import { EventEmitter } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { type LinkMessage, type NodeIdHex, sanitizeLabel } from '../../wire/index.js';
import type { Candidate } from '../../discovery/types.js';
import type { Timer } from '../../clock/index.js';
import { Link, type LinkClosed, type LinkSocket } from './link.js';
import { isDuplicateBye, isOverlayBye } from './link-closes.js';
import { DEFAULT_DEGREE, desiredPeers, linkWanted } from './overlay.js';
import { BadLinkLog, isBadLinkClose } from './bad-link-log.js';
import { formatHostPort, parseHostPort } from './addresses.js';
import { LinkMessageTable } from './link-message-table.js';
import { Dialer, type StaticTarget } from './dialer.js';
import { listen } from './listen.js';
import { PeerExchange } from './peer-exchange.js';
import { InboundGate } from './inbound-gate.js';
import type { LinkManagerOptions } from './link-manager-options.js';

export const DEFAULT_PORT = 7420;
/** Hard cap on up links; the overlay keeps far fewer (about degree + 1), this bounds what others can open. */
export const DEFAULT_MAX_LINKS = 64;
export interface LinkManagerEvents {
  'link:up': [Link];
  'link:down': [Link, LinkClosed];
  /** Every message of an up link, for observers; handling goes through `messages`. */
  'link:message': [Link, LinkMessage];
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
  private readonly inbound: InboundGate;
  private readonly staticTargets = new Map<string, StaticTarget>();
  private readonly dialer: Dialer;
  private readonly exchange: PeerExchange;
  /** Nodes this node refuses to link with (a hostile peer; tests use it to partition a mesh). */
  private readonly blocked = new Set<NodeIdHex>();
  private readonly badLinks: BadLinkLog;
  private stopped = false;
  /** Up links that are leaves (browsers): held in `up` but outside the overlay's counts. */
  private leafCount = 0;
  /** Sorts each inbound connection (the web module: konnect, HTTP or WebSocket); none takes all as links. */
  private sorter: ((socket: Socket) => void) | null = null;
  private extraConnections = 0;
  port = 0;

  constructor(opts: LinkManagerOptions) {
    super();
    this.opts = opts;
    this.degree = opts.degree ?? DEFAULT_DEGREE;
    this.maxLinks = opts.maxLinks ?? DEFAULT_MAX_LINKS;
    this.badLinks = new BadLinkLog(opts.logger, () => opts.clock.now());
    this.dialer = new Dialer({
      ...opts,
      targets: this.staticTargets,
      connected: (socket, address, id) => this.startLink(socket, 'outbound', address, id),
    });
    this.exchange = new PeerExchange(opts.peers, opts.clock);
    this.inbound = new InboundGate(opts.maxPendingHandshakes ?? 16);
    this.messages.handle('peers', (link, message) => this.exchange.take(message.peers, link));
  }

  /** Up links of the overlay (leaves left out). */
  private get meshLinks(): number {
    return this.up.size - this.leafCount;
  }

  /**
   * Hands inbound connections to `sorter`, which gives konnect ones back through acceptLink();
   * `more` connections than links and handshakes are then let in (the sorter bounds them).
   */
  sortInbound(sorter: (socket: Socket) => void, more: number): void {
    this.sorter = sorter;
    this.extraConnections = more;
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
    const server = createServer((socket) => (this.sorter ? this.sorter(socket) : this.acceptLink(socket)));
    server.maxConnections = this.maxLinks + (this.opts.maxPendingHandshakes ?? 16) + this.extraConnections;
    await listen(server, host, wanted, this.opts.port !== undefined, this.opts.logger);
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
    this.dialer.stop();
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
    const eligible = peers
      .eligible(now)
      .filter((p) => !p.link?.leaf)
      .map((p) => p.id);
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
      if (this.meshLinks + this.pending.size >= this.maxLinks) break;
      const address = entry.addresses[entry.failures % entry.addresses.length];
      this.dialer.dial(address, id);
    }
    // A node cut off from everyone keeps trying whom it knew, however often they failed before:
    // they may all have been down at once (a power cut, a restarted switch).
    if (this.meshLinks === 0 && this.pending.size === 0) {
      for (const entry of peers.all()) {
        if (entry.nextDialAt > now || entry.addresses.length === 0 || this.blocked.has(entry.id)) continue;
        if (this.dialer.dialing >= this.degree) break;
        this.dialer.dial(entry.addresses[entry.failures % entry.addresses.length], entry.id);
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
        if (reached && this.meshLinks >= Math.min(this.degree, eligible.length)) continue;
      }
      this.dialer.dial(target.address, target.id);
    }
    if (this.meshLinks > this.degree) {
      for (const [id, link] of this.up) {
        if (this.meshLinks <= this.degree) break;
        if (link.leaf || now - link.upAt < 15_000) continue;
        if (!linkWanted(this.selfId, id, eligible, { degree: this.degree })) link.close('overlay');
      }
    }
    for (const link of this.up.values()) {
      if (this.exchange.stale(link)) this.exchange.send(link);
    }
    this.opts.peerStore?.save(peers);
  }

  /** An inbound konnect connection over TCP (straight from the listener, or from the sorter). */
  acceptLink(socket: Socket): void {
    if (!this.acceptInbound(socket, false, socket.remoteAddress ?? '?')) socket.destroy();
  }

  /**
   * An inbound leaf (a browser's WebSocket, adapted): its handshake takes a slot of the same gate as
   * TCP's. False when none is free (the caller refuses the connection).
   */
  acceptLeaf(socket: LinkSocket, source: string): boolean {
    return this.acceptInbound(socket, true, source);
  }

  private acceptInbound(socket: LinkSocket, leaf: boolean, source: string): boolean {
    const release =
      this.stopped || (!leaf && this.meshLinks >= this.maxLinks) ? null : this.inbound.take(source);
    if (!release) return false;
    const link = this.startLink(socket, 'inbound', null, null, leaf);
    link.once('closed', release).once('up', release);
    return true;
  }

  private startLink(
    socket: LinkSocket,
    direction: 'inbound' | 'outbound',
    dialedAddress: string | null,
    dialedId: NodeIdHex | null,
    leaf = false,
  ): Link {
    const link = new Link({
      socket,
      direction,
      leaf,
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
    // A leaf's advertised port is ignored: it is never dialled nor passed on.
    const listenAddress =
      dialedAddress ??
      (hello.port > 0 && !link.leaf ? formatHostPort(link.remoteAddress, hello.port) : undefined);
    if (dialedAddress) this.dialer.linked(dialedAddress, id);
    if (this.blocked.has(id)) {
      link.close('blocked');
      return;
    }
    const existing = this.up.get(id);
    if (existing) {
      // Both ends keep the link dialled by the smaller id, so they agree without talking.
      const dialer = (l: Link) => (l.direction === 'outbound' ? this.selfId : id);
      // Same dialer twice (a dial race): keep the older one; but a page's newest link is the page
      // (another tab, or back from a network change while the old link lingers half-open).
      if (!(link.leaf && existing.leaf) && dialer(link) >= dialer(existing)) {
        link.close('duplicate');
        return;
      }
      // Closed while still registered, so it goes down like any link (the node releases its sync
      // state) but marked as replaced, not lost.
      existing.close('duplicate');
    }
    if (!link.leaf && this.meshLinks >= this.maxLinks) {
      link.fail('LINK_LIMIT', `this node holds ${this.maxLinks} links`);
      return;
    }
    this.up.set(id, link);
    if (link.leaf) this.leafCount++;
    const foundBy =
      link.direction === 'inbound'
        ? 'inbound'
        : dialedAddress && this.staticTargets.has(dialedAddress)
          ? 'static'
          : undefined;
    const confirm = listenAddress !== undefined && dialedAddress !== null;
    const entry = this.opts.peers.linkUp(link, listenAddress, foundBy, confirm, this.opts.clock.now());
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
    this.exchange.send(link); // a leaf too: a page moves to another node when its own goes away
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
      if (link.leaf) this.leafCount--;
      const entry = this.opts.peers.get(id);
      // Both ends dialled at once and the peer kept the other link, still in its handshake here:
      // the peer has not gone anywhere.
      const replaced = isDuplicateBye(closed);
      if (entry) {
        entry.link = null;
        // A dropped link is evidence the peer is gone: it stays offline until heard from again. One
        // closed because the overlay has no use for it says the peer is alive and in the mesh.
        if (!replaced && !isOverlayBye(closed)) entry.presenceAt = null;
        entry.nextDialAt = this.opts.clock.now() + (replaced ? 0 : this.dialer.backoffDelay(0));
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
      if (dialedAddress) this.dialer.recordFailure(dialedAddress, dialedId, reason);
    }
    if (!this.stopped && dialedAddress) {
      const target = this.staticTargets.get(dialedAddress);
      if (target && target.nextDialAt < this.opts.clock.now()) {
        target.nextDialAt = this.opts.clock.now() + this.dialer.backoffDelay(target.failures, true);
      }
    }
  }
}
