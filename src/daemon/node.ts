/**
 * KonnectNode: one chat node. It owns the identity, the link manager, the flood router, the history
 * store and per-link history sync, turns what users write into signed payloads, and turns what arrives
 * into ChatEvents. Every ChatApi consumer (TUI, control socket) goes through the methods below.
 */
import { EventEmitter } from 'node:events';
import { userInfo } from 'node:os';
import {
  directAad,
  decodeDirectPlaintext,
  encodeDirectPlaintext,
  FUTURE_SKEW_MS,
  fromHex,
  isKonnectError,
  type LinkMessage,
  messageIdToString,
  newMessageId,
  NICK_PATTERN,
  type NodeIdHex,
  openDirect,
  type Payload,
  type PresenceEvent,
  PROTOCOL_VERSION,
  ROOM_PATTERN,
  sealDirect,
  toHex,
  UsageError,
  StorageError,
  MAX_ROOMS,
  type TopicPayload,
  checkMessageText,
} from '../wire/index.js';
import { nodeCrypto } from '../crypto-node/index.js';
import type { Discovery } from '../discovery/types.js';
import type {
  ChatEvent,
  ChatMessage,
  ConversationRef,
  HistoryQuery,
  NodeStatus,
  PeerInfo,
} from './chat-api.js';
import { type Clock, type Timer, systemClock } from '../clock/clock.js';
import { ensureDataDir, ensurePrivateFile, dataFiles } from './data-dir.js';
import { FloodRouter, type SignedMessage } from './flood/flood-router.js';
import { type Identity, loadOrCreateIdentity } from './identity.js';
import type { Link, LinkClosed, LinkTimings } from './links/link.js';
import { isDuplicateBye, LinkManager } from './links/link-manager.js';
import { type Logger, silentLogger } from './logger.js';
import { PeerTable } from './links/peer-table.js';
import { PeerStore } from './links/peer-store.js';
import { HistoryStore, type StoreOptions, type StoredMessage, toChatMessage } from './history/store.js';
import { SyncCoordinator } from './history/sync-coordinator.js';
import type { SyncMessage } from './history/sync-session.js';
import { resolvePeerQuery } from './links/resolve-peer.js';
import { whenQuiet } from './flood/quiet-turn.js';
import { ProfileStore } from './profile-store.js';
import { newTopicPayload, RoomTopics, topicOf } from './rooms/room-topics.js';

export const VERSION = '0.1.0';

/** Received messages are written together when this many wait, or after WRITE_BATCH_MS. */
export const WRITE_BATCH_MAX = 256;
export const WRITE_BATCH_MS = 50;

/** Invalid messages a link may send before it is closed. */
export const MAX_BAD_MESSAGES_PER_LINK = 20;

export interface NodeOptions {
  dataDir: string;
  /** @default the login name, or 'anon' */
  nick?: string;
  /** @default ['lobby'] */
  rooms?: string[];
  /** @default '0.0.0.0' */
  host?: string;
  /** @default 7420, or a free port when taken */
  port?: number;
  /** Static peers (`host:port`). */
  peers?: string[];
  /** Target links per node. @default 6 */
  degree?: number;
  maxLinks?: number;
  timings?: Partial<LinkTimings>;
  /** How often a node floods a presence heartbeat, ±20 % at random each time. @default 30_000 */
  presenceIntervalMs?: number;
  store?: StoreOptions;
  /** Reconcile history on every new link. @default true */
  sync?: boolean;
  /**
   * Lazy push: links that prove redundant carry message ids instead of messages (push-tree.ts). False
   * floods every message on every link, as the benchmarks compare. @default true
   */
  lazyPush?: boolean;
}

export interface NodeComponents {
  clock?: Clock;
  logger?: Logger;
  discoveries?: Discovery[];
  identity?: Identity;
}

export interface NodeEvents {
  event: [ChatEvent];
}

export function defaultNick(): string {
  let name = 'anon';
  try {
    name = userInfo().username;
  } catch {
    // no user database entry: keep the default
  }
  const clean = [...name]
    .filter((c) => NICK_PATTERN.test(c))
    .join('')
    .slice(0, 32);
  return clean || 'anon';
}

export class KonnectNode extends EventEmitter<NodeEvents> {
  readonly identity: Identity;
  readonly dataDir: string;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly peerTable: PeerTable;
  readonly links: LinkManager;
  readonly router: FloodRouter;
  readonly store: HistoryStore;
  private readonly opts: NodeOptions;
  private readonly discoveries: Discovery[];
  private readonly sync: SyncCoordinator | null;
  private nick: string;
  private rooms: string[];
  /** The UI's open direct conversations, remembered for the next UI (profile-store.ts). */
  private directs: NodeIdHex[];
  private readonly profile: ProfileStore;
  readonly topics: RoomTopics;
  private state: 'new' | 'running' | 'stopped' = 'new';
  private presenceTimer: Timer | null = null;
  private pruneTimer: Timer | null = null;
  private startedAt = 0;
  /**
   * Messages waiting for the next batched write, by id: received ones for up to WRITE_BATCH_MS, our
   * own until the next quiet turn.
   */
  private pendingWrites = new Map<string, StoredMessage>();
  private flushTimer: Timer | null = null;
  /** Settled once the pending own messages are committed and on disk (null: none pending). */
  private ownBatch: Deferred | null = null;
  /** The commit and flush to disk of the latest own message. */
  private lastFlush: Promise<void> = Promise.resolve();
  private flushFailureLogged = false;
  /** Our latest signed presence, sent to every new link so the mesh learns our nick and key at once. */
  private ownPresence: SignedMessage | null = null;

  constructor(opts: NodeOptions, components: NodeComponents = {}) {
    super();
    this.setMaxListeners(100);
    this.opts = opts;
    this.dataDir = opts.dataDir;
    ensureDataDir(this.dataDir);
    const files = dataFiles(this.dataDir);
    this.identity = components.identity ?? loadOrCreateIdentity(files.identity);
    this.clock = components.clock ?? systemClock;
    this.logger = components.logger ?? silentLogger;
    this.discoveries = components.discoveries ?? [];
    // Who we were last time, unless the flags say otherwise.
    this.profile = new ProfileStore(files.profile, this.logger);
    const saved = this.profile.load();
    this.nick = checkNick(opts.nick ?? saved.nick ?? defaultNick());
    const rooms = opts.rooms?.length ? opts.rooms : (saved.rooms ?? ['lobby']);
    this.rooms = [...new Set(rooms.map(checkRoom))];
    this.directs = saved.directs ?? [];
    this.topics = new RoomTopics(files.topics, this.logger, this.clock);
    this.topics.load();
    ensurePrivateFile(files.history);
    this.store = openStore(files.history, { now: () => this.clock.now(), ...opts.store });
    if (this.store.recoveredFrom) {
      this.logger.error(
        `history database was unreadable; it was moved to ${this.store.recoveredFrom} and a new one started`,
      );
    }
    this.peerTable = new PeerTable(this.identity.idHex);
    this.links = new LinkManager({
      identity: this.identity,
      peers: this.peerTable,
      clock: this.clock,
      logger: this.logger,
      hello: () => ({ nick: this.nick, port: this.links.port, rooms: this.rooms }),
      host: opts.host,
      port: opts.port,
      degree: opts.degree,
      maxLinks: opts.maxLinks,
      timings: opts.timings,
      peerStore: new PeerStore(files.peers, this.logger, () => this.clock.now()),
    });
    this.router = new FloodRouter({
      identity: this.identity,
      links: () => this.links.links(),
      clock: this.clock,
      lazyPush: opts.lazyPush,
      deliver: (payload, signed) => this.deliver(payload, signed, 'live'),
      isKnown: (id) => this.store.has(messageIdToString(id)),
      lookup: (id) => {
        const key = messageIdToString(id);
        const pending = this.pendingWrites.get(key);
        if (pending)
          return pending.room !== null ? { id, payload: pending.payload, sig: pending.sig } : undefined;
        return this.store.signedRoomMessage(key);
      },
      onRejected: (link, reason) => {
        this.logger.warn('dropped a message', { from: link?.label ?? 'sync', reason });
        // A few bad messages may be a relay passing on someone else's junk; many are an attack.
        if (link && link.badMessages >= MAX_BAD_MESSAGES_PER_LINK) {
          link.fail('SIGNATURE_INVALID', `${link.badMessages} invalid messages`);
        }
      },
    });
    this.sync =
      opts.sync === false
        ? null
        : new SyncCoordinator({
            node: this,
            store: this.store,
            ingest: (signed, link) => this.ingestSynced(signed, link),
            onDone: (link, count, scope) => {
              if (count > 0) {
                this.logger.info('caught up', { count, from: link.remoteHello!.nick, scope });
                this.emitEvent({
                  type: 'sync',
                  peer: link.remoteIdHex!,
                  nick: link.remoteHello!.nick,
                  count,
                  scope,
                });
              }
            },
          });
    this.links.on('link:up', (link) => this.onLinkUp(link));
    this.links.on('link:down', (link, closed) => this.onLinkDown(link, closed));
    this.links.on('link:message', (link, message) => this.onLinkMessage(link, message));
  }

  get running(): boolean {
    return this.state === 'running';
  }

  async start(): Promise<void> {
    if (this.state !== 'new') return;
    this.state = 'running';
    this.startedAt = this.clock.now();
    await this.links.start();
    for (const address of this.opts.peers ?? []) this.links.addStatic(address);
    for (const discovery of this.discoveries) {
      discovery.on('candidate:found', (candidate) => this.links.onCandidate(candidate));
      discovery.on('discovery:error', (err) => this.logger.warn(`discovery: ${err.message}`));
      await discovery.start(this.advertisement());
    }
    this.presence('join');
    this.saveProfile();
    this.pruneHistory();
    this.pruneTimer = this.clock.setInterval(() => this.pruneHistory(), 60 * 60 * 1000);
    this.scheduleHeartbeat();
    this.logger.info('node started', {
      id: this.identity.idHex.slice(0, 12),
      nick: this.nick,
      port: this.links.port,
    });
  }

  /**
   * Says goodbye to the mesh, closes links and the database. Idempotent. With `graceful: false` it
   * sends nothing and drops the links at once, as a crash would (the database is still closed cleanly).
   */
  async stop(options: { graceful?: boolean } = {}): Promise<void> {
    if (this.state === 'stopped') return;
    const graceful = options.graceful ?? true;
    const wasRunning = this.state === 'running';
    this.state = 'stopped';
    if (this.presenceTimer) this.clock.clearTimeout(this.presenceTimer);
    if (this.pruneTimer) this.clock.clearInterval(this.pruneTimer);
    this.router.beginStop();
    if (wasRunning) {
      if (graceful) {
        try {
          this.presence('leave');
        } catch (err) {
          this.logger.warn(`could not send leave: ${(err as Error).message}`);
        }
      }
      await Promise.allSettled(this.discoveries.map((d) => d.stop()));
      await this.links.stop('shutting down', graceful);
    }
    this.router.stop();
    this.flushWrites();
    this.topics.flush();
    this.store.close();
  }

  // ---- API ----

  status(): NodeStatus {
    const now = this.clock.now();
    return {
      id: this.identity.idHex,
      fingerprint: this.identity.fingerprint,
      nick: this.nick,
      host: this.opts.host ?? '0.0.0.0',
      port: this.links.port,
      rooms: [...this.rooms],
      links: this.links.links().length,
      peers: this.peerTable.all().filter((p) => this.peerTable.isOnline(p, now)).length,
      dataDir: this.dataDir,
      version: VERSION,
      protocol: PROTOCOL_VERSION,
      mdns: this.discoveries.some((d) => d.method === 'mdns'),
      startedAt: this.startedAt,
      directs: [...this.directs],
    };
  }

  peers(): PeerInfo[] {
    const now = this.clock.now();
    return this.peerTable.all().map((p) => this.peerTable.info(p, now));
  }

  history(query: HistoryQuery): ChatMessage[] {
    this.flushWrites();
    return this.store.query(query);
  }

  resolvePeer(query: string): PeerInfo {
    return resolvePeerQuery(this.peers(), query);
  }

  /**
   * send(), answered once the message is committed and on disk (survives power loss); the frames go
   * out at once, without waiting. A failed commit or flush rejects with DATABASE_WRITE_FAILED naming
   * the message, which was sent all the same: it must not be sent again.
   */
  async sendDurable(
    to: ConversationRef,
    text: string,
    options: { action?: boolean } = {},
  ): Promise<ChatMessage> {
    const message = this.send(to, text, options);
    try {
      await this.lastFlush;
    } catch (err) {
      throw new StorageError(
        'DATABASE_WRITE_FAILED',
        `sent (id ${message.id}), but not confirmed on disk: ${(err as Error).message}`,
        { cause: err },
      );
    }
    return message;
  }

  /**
   * Signs and floods a message at once; it is written to history at the next quiet turn of the event
   * loop (sendDurable waits for that, and for the disk).
   */
  send(to: ConversationRef, text: string, options: { action?: boolean } = {}): ChatMessage {
    this.assertRunning();
    checkMessageText(text); // a sentence, not the schema's path, when the text is too long
    if (to.kind === 'room') return this.sendRoom(checkRoom(to.room), text, options.action ?? false);
    return this.sendDirect(to.peer, text, options.action ?? false);
  }

  setNick(nick: string): void {
    const next = checkNick(nick);
    if (next === this.nick) return;
    const old = this.nick;
    this.nick = next;
    for (const d of this.discoveries) d.update(this.advertisement());
    if (this.running) this.presence('nick', old);
    this.saveProfile();
    this.emitEvent({ type: 'status', status: this.status() });
  }

  joinRoom(room: string): void {
    const name = checkRoom(room);
    if (this.rooms.includes(name)) return;
    if (this.rooms.length >= MAX_ROOMS)
      throw new UsageError('INVALID_ARGUMENT', `at most ${MAX_ROOMS} rooms`);
    this.rooms.push(name);
    if (this.running) this.presence('here');
    this.sync?.roomJoined(name);
    this.saveProfile();
    this.emitEvent({ type: 'status', status: this.status() });
  }

  leaveRoom(room: string): void {
    const name = checkRoom(room);
    if (!this.rooms.includes(name)) throw new UsageError('NOT_IN_ROOM', `not in room ${name}`);
    if (this.rooms.length === 1) throw new UsageError('INVALID_ARGUMENT', 'cannot leave the last room');
    this.rooms = this.rooms.filter((r) => r !== name);
    if (this.running) this.presence('here');
    this.saveProfile();
    this.emitEvent({ type: 'status', status: this.status() });
  }

  /** Floods a topic for a room we are in; the latest set (by time) wins on every node. */
  setTopic(room: string, topic: string): void {
    this.assertRunning();
    const name = checkRoom(room);
    if (!this.rooms.includes(name))
      throw new UsageError('NOT_IN_ROOM', `not in room ${name}; join it first to set its topic`);
    const payload = newTopicPayload(this.identity.id, this.clock.now(), name, this.nick, topic);
    this.takeTopic(payload, this.router.originate(payload));
  }

  setOpenDirects(peers: NodeIdHex[]): void {
    for (const p of peers)
      if (!/^[0-9a-f]{64}$/.test(p)) throw new UsageError('INVALID_ARGUMENT', `not a node id: ${p}`);
    this.directs = [...new Set(peers)];
    this.saveProfile();
  }

  private saveProfile(): void {
    this.profile.save({ nick: this.nick, rooms: [...this.rooms], directs: [...this.directs] });
  }

  private takeTopic(payload: TopicPayload, signed: SignedMessage): void {
    const topic = topicOf(payload);
    if (this.topics.offer(topic, toHex(signed.id), signed)) this.emitEvent({ type: 'topic', topic });
  }

  inRoom(room: string): boolean {
    return this.rooms.includes(room);
  }

  get roomList(): readonly string[] {
    return this.rooms;
  }

  // ---- writing ----

  private sendRoom(room: string, text: string, action: boolean): ChatMessage {
    if (!this.rooms.includes(room))
      throw new UsageError(
        'NOT_IN_ROOM',
        `not in room ${room}: join it first (konnect join ${room}, or /join ${room} in the chat)`,
      );
    const now = this.clock.now();
    const id = newMessageId(now);
    const payload: Payload = {
      kind: 'chat',
      id,
      from: this.identity.id,
      ts: now,
      room,
      nick: this.nick,
      text,
      action: action || undefined,
    };
    const signed = this.router.originate(payload);
    return this.storeOwn(payload, signed, { room, peer: null, text, action });
  }

  private sendDirect(peerId: NodeIdHex, text: string, action: boolean): ChatMessage {
    const peer = this.peerTable.get(peerId);
    if (!peer) throw new UsageError('UNKNOWN_PEER', `no known peer ${peerId.slice(0, 12)}`);
    if (!peer.xkey)
      throw new UsageError('UNKNOWN_PEER', `no key known yet for ${peer.nick}; wait until it is online`);
    const now = this.clock.now();
    const id = newMessageId(now);
    const to = fromHex(peerId);
    const box = sealDirect(
      nodeCrypto,
      encodeDirectPlaintext({ nick: this.nick, text, action: action || undefined }),
      peer.xkey,
      directAad(id, this.identity.id, to),
    );
    const payload: Payload = { kind: 'direct', id, from: this.identity.id, ts: now, to, box };
    // A direct link carries it alone; otherwise it floods as ciphertext that only the recipient opens.
    const signed = this.router.originate(payload, peer.link ? { only: peer.link, hops: 1 } : {});
    return this.storeOwn(payload, signed, { room: null, peer: peerId, text, action });
  }

  private storeOwn(
    payload: Payload,
    signed: SignedMessage,
    m: { room: string | null; peer: NodeIdHex | null; text: string; action: boolean },
  ): ChatMessage {
    const stored: StoredMessage = {
      id: messageIdToString(payload.id),
      scope: m.room !== null ? `room:${m.room}` : `dm:${m.peer}`,
      room: m.room,
      peer: m.peer,
      from: this.identity.idHex,
      nick: this.nick,
      ts: payload.ts,
      text: m.text,
      action: m.action,
      own: true,
      status: m.peer ? 'sent' : null,
      via: 'local',
      future: false,
      receivedAt: payload.ts,
      payload: signed.payload,
      sig: signed.sig,
    };
    // The frames have left (originate); the row is written at the next quiet turn (quiet-turn.ts),
    // usually this very turn of the event loop, so a relay in this process, or the reply a peer
    // sends at once, is not held behind a commit. sendDurable, which the TUI and `konnect send` use,
    // answers once that commit is flushed to disk (the flush runs on the thread pool), so an id it
    // printed survives power loss; queries write pending messages first.
    this.pendingWrites.set(stored.id, stored);
    if (!this.ownBatch) {
      this.ownBatch = deferred();
      whenQuiet(() => this.flushWrites());
    }
    this.lastFlush = this.ownBatch.promise;
    const message = toChatMessage(stored);
    this.emitEvent({ type: 'message', message });
    return message;
  }

  /** Flushes history to disk off the event loop. A failure stays (wal-sync.ts): it is logged once. */
  private flushToDisk(): Promise<void> {
    const flush = this.store.sync();
    flush.catch((err: Error) => {
      if (this.flushFailureLogged) return;
      this.flushFailureLogged = true;
      this.logger.error(err.message);
    });
    return flush;
  }

  /** Applies the retention limits (count and age per conversation). */
  private pruneHistory(): void {
    try {
      this.flushWrites();
      const removed = this.store.prune();
      if (removed > 0) this.logger.info('pruned history past retention', { removed });
    } catch (err) {
      this.logger.error(`could not prune history: ${(err as Error).message}`);
    }
  }

  /**
   * The next presence heartbeat, 80 to 120 % of the interval away: nodes started together (a room's
   * machines switched on at once, or every daemon restarted by an update) would otherwise beat in step
   * forever, each heartbeat a burst of N floods that every node verifies at once.
   */
  private scheduleHeartbeat(): void {
    const interval = this.opts.presenceIntervalMs ?? 30_000;
    this.presenceTimer = this.clock.setTimeout(
      () => {
        this.scheduleHeartbeat();
        try {
          this.presence('here');
        } catch (err) {
          this.logger.warn(`could not send presence: ${(err as Error).message}`);
        }
      },
      interval * (0.8 + 0.4 * Math.random()),
    );
  }

  private presence(event: PresenceEvent, old?: string): void {
    const now = this.clock.now();
    this.ownPresence = this.router.originate({
      kind: 'presence',
      id: newMessageId(now),
      from: this.identity.id,
      ts: now,
      event,
      nick: this.nick,
      xkey: this.identity.xPublic,
      rooms: this.rooms,
      old,
    });
  }

  // ---- receiving ----

  private deliver(payload: Payload, signed: SignedMessage, via: 'live' | 'sync'): boolean {
    const fromHexId = toHex(payload.from);
    if (fromHexId === this.identity.idHex && payload.kind !== 'direct' && payload.kind !== 'chat')
      return false;
    const now = this.clock.now();
    const entry = this.peerTable.get(fromHexId);
    if (entry) entry.lastSeen = now;
    switch (payload.kind) {
      case 'chat': {
        if (!this.rooms.includes(payload.room)) return false;
        return this.storeReceived(
          signed,
          {
            scope: `room:${payload.room}`,
            room: payload.room,
            peer: null,
            payload,
            nick: payload.nick,
            text: payload.text,
            action: payload.action ?? false,
          },
          via,
        );
      }
      case 'direct': {
        const toHexId = toHex(payload.to);
        const own = fromHexId === this.identity.idHex;
        if (toHexId !== this.identity.idHex && !own) return false;
        if (own) {
          // Our own direct message coming back through sync: we cannot open it (sealed to the peer).
          return false;
        }
        let plain;
        try {
          plain = decodeDirectPlaintext(
            openDirect(
              nodeCrypto,
              payload.box,
              this.identity.xPrivate,
              this.identity.xPublic,
              directAad(payload.id, payload.from, payload.to),
            ),
          );
        } catch (err) {
          this.logger.warn('a direct message did not open', {
            from: fromHexId.slice(0, 12),
            error: isKonnectError(err) ? err.code : String(err),
          });
          return false;
        }
        const fresh = this.storeReceived(
          signed,
          {
            scope: `dm:${fromHexId}`,
            room: null,
            peer: fromHexId,
            payload,
            nick: plain.nick,
            text: plain.text,
            action: plain.action ?? false,
          },
          via,
        );
        if (fresh) this.sendReceipt(payload.from, payload.id);
        return fresh;
      }
      case 'receipt': {
        if (toHex(payload.to) !== this.identity.idHex) return false;
        const id = messageIdToString(payload.of);
        this.flushWrites();
        if (this.store.markDelivered(id, fromHexId)) {
          void this.flushToDisk(); // a receipt shown must not turn back into 'sent' after a power cut
          this.emitEvent({ type: 'receipt', id, peer: fromHexId });
        }
        return true;
      }
      case 'presence':
        this.onPresence(payload, signed);
        return true;
      case 'topic':
        // A topic dated in the future would hold its room until that day: refused, like a far clock.
        if (payload.ts > now + FUTURE_SKEW_MS) return false;
        this.takeTopic(payload, signed);
        return true;
    }
  }

  private sendReceipt(to: Uint8Array, of: Uint8Array): void {
    if (!this.running) return;
    const now = this.clock.now();
    const link = this.links.linkTo(toHex(to));
    this.router.originate(
      { kind: 'receipt', id: newMessageId(now), from: this.identity.id, ts: now, to, of },
      link ? { only: link, hops: 1 } : {},
    );
  }

  private onPresence(payload: Extract<Payload, { kind: 'presence' }>, signed: SignedMessage): void {
    const id = toHex(payload.from);
    const now = this.clock.now();
    const known = this.peerTable.get(id);
    // A presence no newer than the last one taken is a replay (an old leave or nick, flooded again
    // once our dedup cache forgot it) while the peer is around; past that, its clock may have stepped.
    if (known?.presenceTs != null && payload.ts <= known.presenceTs && this.peerTable.isOnline(known, now))
      return;
    const entry = this.peerTable.upsert(id, { nick: payload.nick, foundBy: 'presence', signed: true });
    if (!entry) return;
    entry.presenceTs = payload.ts;
    const wasOnline = this.peerTable.isOnline(entry, now);
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
    this.emitEvent({ type: 'peer', peer: this.peerTable.info(entry, now) });
    if (payload.event === 'join' || payload.event === 'leave' || payload.event === 'nick') {
      this.emitEvent({
        type: 'presence',
        peer: id,
        nick: payload.nick,
        event: payload.event,
        rooms: payload.rooms,
        oldNick: payload.old,
      });
    } else if (!wasOnline) {
      this.emitEvent({ type: 'presence', peer: id, nick: payload.nick, event: 'join', rooms: payload.rooms });
    }
  }

  private storeReceived(
    signed: SignedMessage,
    m: {
      scope: string;
      room: string | null;
      peer: NodeIdHex | null;
      payload: Payload;
      nick: string;
      text: string;
      action: boolean;
    },
    via: 'live' | 'sync',
  ): boolean {
    const id = messageIdToString(m.payload.id);
    if (this.pendingWrites.has(id) || this.store.has(id)) return false;
    const now = this.clock.now();
    const from = toHex(m.payload.from);
    const stored: StoredMessage = {
      id,
      scope: m.scope,
      room: m.room,
      peer: m.peer,
      from,
      nick: m.nick,
      ts: m.payload.ts,
      text: m.text,
      action: m.action,
      own: from === this.identity.idHex,
      status: null,
      via,
      future: m.payload.ts > now + FUTURE_SKEW_MS,
      receivedAt: now,
      payload: signed.payload,
      sig: signed.sig,
    };
    // Received messages are written in batches (one transaction per tick) to keep up under load.
    // Group commit: one transaction for what arrives within WRITE_BATCH_MS (or WRITE_BATCH_MAX
    // messages), without an fsync of its own. A commit per message cost 181 us against 23 us batched
    // (BENCHMARKS.md); a received message lost to a power cut comes back by history sync.
    if (this.pendingWrites.size === 0) {
      // …and then at the first quiet turn (quiet-turn.ts): frames are forwarded before a commit.
      this.flushTimer = this.clock.setTimeout(() => whenQuiet(() => this.flushWrites()), WRITE_BATCH_MS);
    }
    this.pendingWrites.set(id, stored);
    if (this.pendingWrites.size >= WRITE_BATCH_MAX) this.flushWrites();
    this.emitEvent({ type: 'message', message: toChatMessage(stored) });
    return true;
  }

  private flushWrites(): void {
    if (this.flushTimer) this.clock.clearTimeout(this.flushTimer);
    this.flushTimer = null;
    const own = this.ownBatch;
    this.ownBatch = null;
    if (this.pendingWrites.size === 0) return;
    const batch = [...this.pendingWrites.values()];
    this.pendingWrites = new Map();
    try {
      this.store.insertMany(batch);
    } catch (err) {
      this.logger.error(`could not write ${batch.length} messages to history: ${(err as Error).message}`);
      own?.reject(err as Error);
      return;
    }
    if (own) this.flushToDisk().then(own.resolve, own.reject);
    try {
      this.store.checkpointWhenDue();
    } catch (err) {
      this.logger.warn(`could not checkpoint the history log: ${(err as Error).message}`);
    }
  }

  /** A message learned by history sync: verified like any other, stored, and passed on to other links. */
  private async ingestSynced(signed: SignedMessage, link: Link): Promise<boolean> {
    const id = messageIdToString(signed.id);
    if (this.pendingWrites.has(id) || this.store.has(id)) return false;
    const checked = await this.router.check(signed, link);
    if (!checked || checked.payload === 'ignored' || this.state !== 'running') return false;
    const fresh = this.deliver(checked.payload, signed, 'sync');
    if (fresh) this.router.relay(signed, checked.from, link);
    return fresh;
  }

  private onLinkUp(link: Link): void {
    const entry = this.peerTable.get(link.remoteIdHex!);
    this.emitEvent({ type: 'link:up', peer: link.remoteIdHex!, nick: link.remoteHello!.nick });
    if (entry) this.emitEvent({ type: 'peer', peer: this.peerTable.info(entry, this.clock.now()) });
    // Tell the new neighbour (and, through it, a part of the mesh that may have been apart from ours)
    // who is out there, without waiting for the next heartbeat. Copies it has seen die at its dedup.
    const now = this.clock.now();
    if (this.ownPresence) this.router.sendTo(link, this.ownPresence);
    for (const peer of this.peerTable.all()) {
      if (peer.presenceFrame && peer.id !== link.remoteIdHex && this.peerTable.isOnline(peer, now)) {
        this.router.sendTo(link, peer.presenceFrame);
      }
    }
    for (const frame of this.topics.frames()) this.router.sendTo(link, frame);
    this.sync?.linkUp(link);
  }

  private onLinkDown(link: Link, closed: LinkClosed): void {
    this.sync?.linkDown(link);
    const replaced = isDuplicateBye(closed);
    this.router.linkDown(link, { replaced });
    if (replaced) return; // replaced by the other link between the same two nodes
    const id = link.remoteIdHex!;
    this.emitEvent({ type: 'link:down', peer: id, nick: link.remoteHello!.nick, reason: closed.reason });
    const entry = this.peerTable.get(id);
    if (entry) this.emitEvent({ type: 'peer', peer: this.peerTable.info(entry, this.clock.now()) });
  }

  private onLinkMessage(link: Link, message: LinkMessage): void {
    if (message.kind === 'flood') this.router.handle(message, link);
    else if (message.kind === 'ihave' || message.kind === 'graft' || message.kind === 'prune') {
      this.router.handleTree(message, link);
    } else if (isSyncMessage(message)) this.sync?.handle(link, message);
  }

  private emitEvent(event: ChatEvent): void {
    this.emit('event', event);
  }

  private advertisement() {
    return { id: this.identity.idHex, nick: this.nick, port: this.links.port, version: PROTOCOL_VERSION };
  }

  private assertRunning(): void {
    if (this.state !== 'running') throw new UsageError('NOT_RUNNING', 'the node is not running');
  }
}

function isSyncMessage(m: LinkMessage): m is SyncMessage {
  return (
    m.kind === 'sync-digest' ||
    m.kind === 'sync-ids' ||
    m.kind === 'sync-want' ||
    m.kind === 'sync-msgs' ||
    m.kind === 'sync-done'
  );
}

function openStore(file: string, options: StoreOptions): HistoryStore {
  try {
    return HistoryStore.open(file, options);
  } catch (err) {
    if (isKonnectError(err)) throw err;
    throw new StorageError('DATABASE_UNAVAILABLE', `cannot open history ${file}: ${(err as Error).message}`, {
      cause: err,
    });
  }
}

export function checkNick(nick: string): string {
  if (!NICK_PATTERN.test(nick)) {
    throw new UsageError('INVALID_ARGUMENT', `bad nick "${nick}": 1 to 32 letters, digits, "_", "-" or "."`);
  }
  return nick;
}

export function checkRoom(room: string): string {
  const name = room.replace(/^#/, '').toLowerCase();
  if (!ROOM_PATTERN.test(name)) {
    throw new UsageError(
      'INVALID_ARGUMENT',
      `bad room "${room}": 1 to 48 lower-case letters, digits, "_", "-" or "."`,
    );
  }
  return name;
}

interface Deferred {
  promise: Promise<void>;
  resolve: () => void;
  reject: (err: Error) => void;
}

/** A promise settled from outside; its failure is logged where it happens, so it counts as handled. */
function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (err: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => {});
  return { promise, resolve, reject };
}
