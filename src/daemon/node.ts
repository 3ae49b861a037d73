/**
 * KonnectNode: one chat node, composed of services (src/daemon/README.md draws them). It builds the
 * link manager, the flood router, history sync and the services from the collaborators createNode()
 * hands it, keeps the person's nick and rooms, and answers the ChatApi; what a kind of message means
 * lives in its service, not here.
 */
import { EventEmitter } from 'node:events';
import {
  checkMessageText,
  MAX_ROOMS,
  MessageIdGenerator,
  messageIdToString,
  type NodeIdHex,
  PROTOCOL_VERSION,
  StorageError,
  UsageError,
} from '../wire/index.js';
import type { Discovery } from '../discovery/types.js';
import type { Clock, Timer } from '../clock/index.js';
import type {
  ChatEvent,
  ChatMessage,
  ConversationRef,
  HistoryQuery,
  NodeStatus,
  PeerInfo,
} from './chat-api.js';
import { dataFiles } from './data-dir.js';
import { FloodRouter, limitCounts } from './flood/index.js';
import type { Identity } from './identity.js';
import { isDuplicateBye, type Link, type LinkClosed, LinkManager } from './links/index.js';
import { PeerStore, PeerTable, resolvePeerQuery } from './links/index.js';
import type { Logger } from './logger.js';
import { type HistoryStore, MessageWriter, SyncService } from './history/index.js';
import { ProfileStore } from './profile-store.js';
import { ChatService, RoomTopics, TopicService } from './rooms/index.js';
import { DirectService, ReceiptService } from './direct/index.js';
import { PresenceService } from './presence/index.js';
import { Trust } from './trust/index.js';
import { type NodeContext, type NodeService, PayloadKinds } from './services/index.js';
import { checkNick, checkRoom, defaultNick } from './names.js';
import { inWireRoom, rejoins, wireRooms } from './private-rooms/index.js'; // rooms by their wire names
import type { NodeOptions, NodeParts } from './node-options.js';

export const VERSION = '0.1.0';
/** Invalid messages a link may send before it is closed. */
export const MAX_BAD_MESSAGES_PER_LINK = 20;

export interface NodeEvents {
  event: [ChatEvent];
}

const TREE_KINDS = ['ihave', 'graft', 'prune'] as const;

export class KonnectNode extends EventEmitter<NodeEvents> {
  readonly identity: Identity;
  readonly dataDir: string;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly peerTable: PeerTable;
  readonly links: LinkManager;
  readonly router: FloodRouter;
  readonly store: HistoryStore;
  readonly topics: RoomTopics;
  readonly trust: Trust;
  private readonly opts: NodeOptions;
  private readonly discoveries: Discovery[];
  private readonly writer: MessageWriter;
  private readonly kinds: PayloadKinds;
  private readonly sync: SyncService | null;
  private readonly chat: ChatService;
  private readonly direct: DirectService;
  private readonly presence: PresenceService;
  private readonly topicService: TopicService;
  /** Every service, built-in and added, in the order they hear of a new link or of stopping. */
  private readonly services: NodeService[];
  private nickNow: string;
  private rooms: string[];
  /** The UI's open direct conversations, remembered for the next UI (profile-store.ts). */
  private directs: NodeIdHex[];
  private readonly profile: ProfileStore;
  private state: 'new' | 'running' | 'stopped' = 'new';
  private pruneTimer: Timer | null = null;
  private startedAt = 0;

  constructor(opts: NodeOptions, parts: NodeParts) {
    super();
    this.setMaxListeners(100);
    this.opts = opts;
    this.dataDir = opts.dataDir;
    const files = dataFiles(this.dataDir);
    ({ identity: this.identity, clock: this.clock, logger: this.logger, store: this.store } = parts);
    this.discoveries = parts.discoveries;
    // Who we were last time, unless the flags say otherwise.
    this.profile = new ProfileStore(files.profile, this.logger);
    const saved = this.profile.load();
    this.nickNow = checkNick(opts.nick ?? saved.nick ?? defaultNick());
    const rooms = opts.rooms?.length ? opts.rooms : (saved.rooms ?? ['lobby']);
    this.rooms = [...new Set(rooms.map(checkRoom))];
    this.directs = saved.directs ?? [];
    this.topics = new RoomTopics(files.topics, this.logger, this.clock);
    this.topics.load();
    this.peerTable = new PeerTable(this.identity.idHex);
    this.kinds = new PayloadKinds(this.identity.idHex, this.peerTable, this.clock);
    const emit = (event: ChatEvent) => void this.emit('event', event);
    this.writer = new MessageWriter({
      store: this.store,
      clock: this.clock,
      logger: this.logger,
      quietTurns: parts.quietTurns,
      self: this.identity.idHex,
      onStored: (message) => emit({ type: 'message', message }),
    });
    this.links = new LinkManager({
      identity: this.identity,
      peers: this.peerTable,
      clock: this.clock,
      logger: this.logger,
      hello: () => ({ nick: this.nickNow, port: this.links.port, rooms: this.roomList }),
      host: opts.host,
      port: opts.port,
      degree: opts.degree,
      maxLinks: opts.maxLinks,
      timings: opts.timings,
      random: parts.random,
      onTraffic: () => parts.quietTurns.noteTraffic(),
      peerStore: new PeerStore(files.peers, this.logger, () => this.clock.now()),
    });
    this.router = new FloodRouter({
      identity: this.identity,
      links: () => this.links.links(),
      clock: this.clock,
      quietTurns: parts.quietTurns,
      verifyLoad: parts.verifyLoad,
      payloads: this.kinds.registry,
      lazyPush: opts.lazyPush,
      limits: opts.floodLimits,
      logger: this.logger,
      deliver: (payload, signed) => this.kinds.deliver(payload, signed, 'live'),
      isKnown: (id) => this.writer.has(messageIdToString(id)),
      lookup: (id) => this.writer.lookup(id),
      onRejected: (link, reason) => {
        this.logger.warn('dropped a message', { from: link?.label ?? 'sync', reason });
        // A few bad messages may be a relay passing on someone else's junk; many are an attack.
        if (link && link.badMessages >= MAX_BAD_MESSAGES_PER_LINK) {
          link.fail('SIGNATURE_INVALID', `${link.badMessages} invalid messages`);
        }
      },
    });
    const context: NodeContext = {
      identity: this.identity,
      clock: this.clock,
      random: parts.random,
      ids: new MessageIdGenerator(parts.random),
      logger: this.logger,
      peerTable: this.peerTable,
      links: this.links,
      router: this.router,
      writer: this.writer,
      self: this,
      emit,
    };
    // The services; a new payload kind is one more line here (or one in components.services).
    this.presence = new PresenceService(context, opts.presenceIntervalMs);
    this.chat = new ChatService(context);
    this.direct = new DirectService(context, parts.crypto);
    this.topicService = new TopicService(context, this.topics);
    this.trust = new Trust(context, { ...parts, files, readReceipts: opts.readReceipts, node: this });
    const deliver = this.kinds.deliver.bind(this.kinds);
    this.sync = opts.sync === false ? null : new SyncService(context, this.store, deliver);
    const added = parts.services.map((factory) => factory(context));
    this.services = [
      this.presence,
      this.chat,
      this.direct,
      new ReceiptService(context, (r) => this.direct.receiptPassing(r)),
      this.topicService,
    ];
    this.services.push(...this.trust.services, ...(this.sync ? [this.sync] : []), ...added);
    for (const service of this.services) this.kinds.add(service);
    // The one table of link message kinds (the link manager took `peers`, history sync `sync-*`).
    this.links.messages.handle('flood', (link, message) => this.router.handle(message, link));
    this.links.messages.handle(TREE_KINDS, (link, message) => this.router.handleTree(message, link));
    this.links.on('link:up', (link) => this.onLinkUp(link));
    this.links.on('link:down', (link, closed) => this.onLinkDown(link, closed));
  }

  get running(): boolean {
    return this.state === 'running';
  }

  get nick(): string {
    return this.nickNow;
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
    for (const service of this.services) service.start?.();
    this.saveProfile();
    this.writer.prune();
    this.pruneTimer = this.clock.setInterval(() => this.writer.prune(), 60 * 60 * 1000);
    this.logger.info('node started', {
      id: this.identity.idHex.slice(0, 12),
      nick: this.nickNow,
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
    if (this.pruneTimer) this.clock.clearInterval(this.pruneTimer);
    this.router.beginStop();
    for (const service of this.services) service.stop?.(wasRunning && graceful);
    if (wasRunning) {
      await Promise.allSettled(this.discoveries.map((d) => d.stop()));
      await this.links.stop('shutting down', graceful);
    }
    this.router.stop();
    for (const service of this.services) service.close?.();
    // Commits what waits (the write worker answers for all it was handed) before the database closes.
    await this.writer.close();
  }

  // ---- API ----

  status(): NodeStatus {
    const now = this.clock.now();
    return {
      id: this.identity.idHex,
      fingerprint: this.identity.fingerprint,
      nick: this.nickNow,
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
      floodLimited: limitCounts(this.router.stats),
      ...Object.assign({ web: null }, ...this.services.map((s) => s.status?.())),
    };
  }

  peers(): PeerInfo[] {
    const now = this.clock.now();
    return this.peerTable.all().map((p) => this.peerTable.info(p, now));
  }

  history(query: HistoryQuery): ChatMessage[] {
    this.writer.flush();
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
      await this.writer.lastFlush;
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
    if (to.kind === 'room') return this.chat.send(checkRoom(to.room), text, options.action ?? false);
    return this.direct.send(to.peer, text, options.action ?? false);
  }

  setNick(nick: string): void {
    const next = checkNick(nick);
    if (next === this.nickNow) return;
    const old = this.nickNow;
    this.nickNow = next;
    for (const d of this.discoveries) d.update(this.advertisement());
    if (this.running) this.presence.announce('nick', old);
    this.saveProfile();
    this.emit('event', { type: 'status', status: this.status() });
  }

  joinRoom(room: string): void {
    const name = checkRoom(room);
    const again = this.rooms.includes(name);
    if (again && !rejoins(this, name)) return; // a private room joins again on a new key (/rekey)
    if (!again && this.rooms.length >= MAX_ROOMS)
      throw new UsageError('INVALID_ARGUMENT', `at most ${MAX_ROOMS} rooms`);
    if (!again) this.rooms.push(name);
    if (this.running) this.presence.announce('here');
    for (const wire of wireRooms(this, [name], false)) this.sync?.roomJoined(wire);
    this.saveProfile();
    this.emit('event', { type: 'status', status: this.status() });
  }

  leaveRoom(room: string): void {
    const name = checkRoom(room);
    if (!this.rooms.includes(name)) throw new UsageError('NOT_IN_ROOM', `not in room ${name}`);
    if (this.rooms.length === 1) throw new UsageError('INVALID_ARGUMENT', 'cannot leave the last room');
    this.rooms = this.rooms.filter((r) => r !== name);
    if (this.running) this.presence.announce('here');
    this.saveProfile();
    this.emit('event', { type: 'status', status: this.status() });
  }

  /** Floods a topic for a room we are in; the latest set (by time) wins on every node. */
  setTopic(room: string, topic: string): void {
    this.assertRunning();
    this.topicService.set(checkRoom(room), topic);
  }

  setOpenDirects(peers: NodeIdHex[]): void {
    for (const p of peers)
      if (!/^[0-9a-f]{64}$/.test(p)) throw new UsageError('INVALID_ARGUMENT', `not a node id: ${p}`);
    this.directs = [...new Set(peers)];
    this.saveProfile();
  }

  inRoom(room: string): boolean {
    return inWireRoom(this, this.rooms, room);
  }
  get roomList(): string[] {
    return wireRooms(this, this.rooms);
  }

  // ---- composition ----

  private onLinkUp(link: Link): void {
    const entry = this.peerTable.get(link.remoteIdHex!);
    this.emit('event', { type: 'link:up', peer: link.remoteIdHex!, nick: link.remoteHello!.nick });
    if (entry) this.emit('event', { type: 'peer', peer: this.peerTable.info(entry, this.clock.now()) });
    // Tell the new neighbour (and, through it, a part of the mesh that may have been apart from ours)
    // what it should know at once: presence, topics, and then history.
    for (const service of this.services) service.linkUp?.(link);
  }

  private onLinkDown(link: Link, closed: LinkClosed): void {
    for (const service of this.services) service.linkDown?.(link);
    const replaced = isDuplicateBye(closed);
    this.router.linkDown(link, { replaced });
    if (replaced) return; // replaced by the other link between the same two nodes
    const id = link.remoteIdHex!;
    this.emit('event', { type: 'link:down', peer: id, nick: link.remoteHello!.nick, reason: closed.reason });
    const entry = this.peerTable.get(id);
    if (entry) this.emit('event', { type: 'peer', peer: this.peerTable.info(entry, this.clock.now()) });
  }

  private saveProfile(): void {
    this.profile.save({ nick: this.nickNow, rooms: [...this.rooms], directs: [...this.directs] });
  }

  private advertisement() {
    return { id: this.identity.idHex, nick: this.nickNow, port: this.links.port, version: PROTOCOL_VERSION };
  }

  private assertRunning(): void {
    if (this.state !== 'running') throw new UsageError('NOT_RUNNING', 'the node is not running');
  }
}
