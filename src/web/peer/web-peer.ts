/// <reference lib="dom" />
/**
 * The browser peer: a member of the mesh with its own key, linked by one WebSocket to the node that
 * served the page, behind the same ChatApi the terminal UI uses. It keeps its identity and history in
 * IndexedDB, signs its own messages, opens its direct messages, catches up by history sync, and when
 * its link drops says so and reconnects (link-keeper.ts), unless another tab took it ('replaced').
 */
import type {
  ChatApi,
  ChatEvent,
  ChatMessage,
  ConversationRef,
  HistoryQuery,
  NodeStatus,
  PeerInfo,
  RoomTopic,
  SafetyCode,
} from '../../daemon/chat-api.js';
import { resolvePeerQuery } from '../../daemon/links/resolve-peer.js';
import type { SyncMessage } from '../../daemon/history/sync-session.js';
import {
  checkMessageText,
  checkRoom,
  type CryptoProvider,
  DEFAULT_HOPS,
  type HelloMessage,
  type LinkMessage,
  MAX_ROOMS,
  NICK_PATTERN,
  type NodeIdHex,
  toHex,
  UsageError,
} from '../../wire/index.js';
import { putMeta } from './idb.js';
import { Listeners } from './listeners.js';
import { pageSafetyCode } from './page-safety-code.js';
import { PageMarkers } from './page-markers.js';
import { PagePresence } from './page-presence.js';
import type { Position } from '../../daemon/trust/marker-batcher.js';
import { type PageFeatureParts, PrivateRoomMethods } from './private-room-methods.js';
import { PageFiles } from './page-file-methods.js';
import { Inbound } from './inbound.js';
import { hostPortOf, type WebPeerOptions, type WebPeerTimings } from './options.js';
import { LinkKeeper } from './link-keeper.js';
import { floodBody, Outbound, resendUndelivered, type Signed } from './outbound.js';
import { PeerList } from './peer-list.js';
import { webStatus } from './web-status.js';
import type { PeerStore, StoredRow } from './peer-store.js';
import { PeerSync } from './peer-sync.js';
import { saveNick, type WebIdentity } from './web-identity.js';
import type { WsLink, WsLinkClosed } from './ws-link.js';

const SYNC_KINDS = new Set(['sync-digest', 'sync-ids', 'sync-want', 'sync-msgs', 'sync-done']);

export interface WebPeerParts extends PageFeatureParts {
  db: IDBDatabase;
  store: PeerStore;
  identity: WebIdentity;
  crypto: CryptoProvider;
  nick: string | null;
  rooms: string[];
  openDirects: NodeIdHex[];
  /** Per peer, the newest own direct message it read (§20). */
  reads: Map<NodeIdHex, Position>;
  readReceipts: boolean;
  options: WebPeerOptions;
  timings: WebPeerTimings;
  WebSocket: typeof WebSocket;
}

export class WebPeer extends PrivateRoomMethods implements ChatApi {
  needsNick: boolean;
  /** Messages and frames dropped for breaking a rule since the page opened. */
  protocolErrors = 0;
  lastProtocolError: Error | null = null;
  private nick: string;
  private readonly rooms: string[];
  private openDirects: NodeIdHex[];
  private readonly listeners = new Listeners<ChatEvent>();
  private readonly peerList: PeerList;
  private readonly inbound: Inbound;
  private readonly outbound: Outbound;
  private readonly sync: PeerSync;
  private readonly topicMap = new Map<string, RoomTopic & { idText: string }>();
  private readonly keeper: LinkKeeper;
  private closed = false;
  private badOnLink = 0;
  private readonly presence: PagePresence;
  private readonly startedAt = Date.now();

  constructor(private readonly parts: WebPeerParts) {
    super(parts);
    const { identity, crypto, store } = parts;
    this.needsNick = parts.nick === null;
    this.nick = parts.nick ?? `web-${identity.fingerprint.slice(0, 4)}`;
    this.rooms = [...parts.rooms];
    this.openDirects = [...parts.openDirects];
    this.peerList = new PeerList(crypto, parts.pins);
    this.outbound = new Outbound(identity, crypto);
    this.sync = new PeerSync({
      crypto,
      store,
      ownId: identity.id,
      inRoom: (room) => this.priv.inWireRoom(this.rooms, room),
      ingest: async (scope, messages) => {
        let n = 0;
        for (const m of messages) if (await this.inbound.accept(m, 'sync', scope)) n++;
        return n;
      },
      emit: (event) => this.emit(event),
    });
    this.keeper = new LinkKeeper({
      url: parts.options.url,
      WebSocket: parts.WebSocket,
      identity,
      crypto,
      timings: parts.timings,
      hello: () => ({ nick: this.nick, rooms: this.priv.wireRooms(this.rooms) }),
      emit: (event) => this.emit(event),
      up: (link, hello) => this.linkUp(link, hello),
      down: (link, closed) => this.linkDown(link, closed),
      message: (_link, message) => this.onMessage(message),
      protocolError: (err) => this.rejected(err),
    });
    this.inbound = new Inbound({
      identity,
      crypto,
      store,
      peers: this.peerList,
      inRoom: (room) => this.priv.inWireRoom(this.rooms, room),
      emit: (event) => this.emit(event),
      stored: (row) => this.sync.stored(row),
      holds: (id) => this.sync.holds(id),
      sendReceipt: (of, to) => this.sendSigned(this.outbound.sign({ kind: 'receipt', to, of }), toHex(to)),
      rejected: (err) => this.rejected(err),
      peerBack: (peer) => void resendUndelivered(parts.store, this.link, () => this.link, peer),
      topics: this.topicMap,
      openSealed: (payload) => this.priv.open(payload),
      offer: (payload, id, via, scope) =>
        scope === undefined && this.markers.receive(payload)
          ? null
          : this.pageFiles.offer(payload, id, via, scope),
    });
    this.presence = new PagePresence({
      connected: () => this.connected,
      fields: () => ({ nick: this.nick, xkey: identity.xPublic, rooms: this.priv.wireRooms(this.rooms) }),
      sign: (draft) => this.outbound.sign(draft as never),
      send: (signed) => this.sendSigned(signed, null),
      intervalMs: parts.timings.presenceIntervalMs,
    });
    this.markers = new PageMarkers({
      ...parts,
      ownId: identity.idHex,
      sign: (draft) => this.outbound.sign(draft as never),
      send: (signed, to) => this.sendSigned(signed, to),
      emit: (event) => this.listeners.emit(event),
      inPlainRoom: (room) => this.priv.inWireRoom(this.rooms, room) && this.rooms.includes(room),
      peers: this.peerList,
    });
    this.pageFiles = new PageFiles({
      ...parts,
      link: () => (this.keeper.up ? this.link : null),
      nick: () => this.nick,
      inRoom: (room) => this.rooms.includes(room),
      xkeyOf: (peer) => this.peerList.get(peer)?.xkey ?? null,
      sign: (draft) => this.outbound.sign(draft as never),
      publish: async (signed, row, hops) => void (await this.publish(signed, row, hops)),
      emit: (event) => this.emit(event),
      rejected: (err) => this.rejected(err),
    });
  }

  /** This page's id (hex), fingerprint and nick. */
  get identity(): { id: NodeIdHex; fingerprint: string; nick: string } {
    return { id: this.parts.identity.idHex, fingerprint: this.parts.identity.fingerprint, nick: this.nick };
  }

  /** The link to a node is up. */
  get connected(): boolean {
    return this.keeper.up;
  }

  private get link(): WsLink | null {
    return this.keeper.link;
  }

  /** Links again after the same identity linked from another tab or window ('replaced'). */
  useHere(): void {
    this.keeper.resume();
  }

  /** The URL the page links to now (another known node's after a failover). */
  get url(): string {
    return this.keeper.url;
  }

  /** The nodes' endpoints the page may link to, its own first. */
  get nodeUrls(): readonly string[] {
    return this.keeper.known;
  }

  /** Starts linking (openWebPeer); a first visit links once a nick is picked, never as a placeholder. */
  start(): void {
    if (!this.needsNick) this.keeper.connect();
  }

  async status(): Promise<NodeStatus> {
    return webStatus({
      identity: this.parts.identity,
      nick: this.nick,
      url: this.url,
      rooms: this.rooms,
      connected: this.connected,
      peers: this.peerList.all().length,
      startedAt: this.startedAt,
      directs: this.openDirects,
    });
  }

  async peers(): Promise<PeerInfo[]> {
    const now = Date.now();
    return this.peerList.all().map((p) => this.peerList.info(p, now));
  }

  history(query: HistoryQuery): Promise<ChatMessage[]> {
    const rows = this.priv.history(query, (q) => this.parts.store.history(q));
    return rows.then((ms) => ms.map((m) => this.markers.message(m)));
  }

  async send(to: ConversationRef, text: string, options: { action?: boolean } = {}): Promise<ChatMessage> {
    checkMessageText(text);
    if (this.needsNick) throw new UsageError('USAGE', 'choose a nick first (setNick)');
    const action = options.action === true;
    let made: { signed: Signed; row: StoredRow };
    if (to.kind === 'room') {
      if (!this.rooms.includes(to.room)) throw new UsageError('INVALID_ARGUMENT', `not in room ${to.room}`);
      made = this.priv.chat(this.outbound, to.room, this.nick, text, action);
    } else {
      const peer = this.peerList.get(to.peer);
      if (!peer) throw new UsageError('UNKNOWN_PEER', `no known peer ${to.peer.slice(0, 12)}`);
      made = this.outbound.direct(to.peer, peer.xkey, this.nick, text, action);
    }
    // Sent, then stored (the IndexedDB write does not delay delivery), link up or not: sync brings
    // either side what it lacks. A direct message to the node linked goes one hop (§11).
    const hops = to.kind === 'direct' && this.peerList.linked?.id === to.peer ? 1 : DEFAULT_HOPS;
    return this.publish(made.signed, made.row, hops);
  }

  private async publish(signed: Signed, row: StoredRow, hops: number): Promise<ChatMessage> {
    this.inbound.markSeen(signed.idText);
    this.flood(signed, hops);
    await this.parts.store.add(row);
    this.sync.stored(row);
    const { conv: _c, payload: _p, sig: _s, ...message } = row;
    this.emit({ type: 'message', message });
    return message;
  }

  async setNick(nick: string): Promise<void> {
    if (!NICK_PATTERN.test(nick))
      throw new UsageError('INVALID_ARGUMENT', 'a nick is 1 to 32 letters, digits, _ . or -');
    const old = this.nick;
    const first = this.needsNick;
    await saveNick(this.parts.db, nick);
    this.nick = nick;
    this.needsNick = false;
    if (first && !this.closed) this.keeper.connect();
    else if (old !== nick) this.presence.announce('nick', old);
  }

  async joinRoom(name: string): Promise<void> {
    const room = checkRoom(name);
    if (this.rooms.includes(room)) return;
    if (this.rooms.length >= MAX_ROOMS)
      throw new UsageError('INVALID_ARGUMENT', `at most ${MAX_ROOMS} rooms`);
    this.rooms.push(room);
    await putMeta(this.parts.db, 'rooms', this.rooms);
    this.presence.announce('here'); // as a node does when its rooms change
    const node = this.link?.remoteHello && this.peerList.get(toHex(this.link.remoteHello.id));
    if (node) for (const id of this.priv.wireRooms([room])) this.sync.roomJoined(id, node.rooms);
  }

  async leaveRoom(room: string): Promise<void> {
    const at = this.rooms.indexOf(room);
    if (at < 0) return;
    this.rooms.splice(at, 1);
    await putMeta(this.parts.db, 'rooms', this.rooms);
    this.presence.announce('here'); // as a node does when its rooms change
  }

  async setTopic(room: string, topic: string): Promise<void> {
    if (!this.rooms.includes(room)) throw new UsageError('INVALID_ARGUMENT', `not in room ${room}`);
    if (this.needsNick) throw new UsageError('USAGE', 'choose a nick first (setNick)');
    const signed = this.outbound.sign({ kind: 'topic', room, nick: this.nick, topic });
    await this.inbound.accept(signed, 'live');
    this.flood(signed, DEFAULT_HOPS);
  }

  async topics(): Promise<RoomTopic[]> {
    return [...this.topicMap.values()].map(({ idText: _i, ...t }) => t);
  }

  async setOpenDirects(peers: NodeIdHex[]): Promise<void> {
    this.openDirects = [...peers];
    await putMeta(this.parts.db, 'openDirects', this.openDirects);
  }

  async resolvePeer(query: string): Promise<PeerInfo> {
    return resolvePeerQuery(await this.peers(), query);
  }

  async safetyCode(query: string): Promise<SafetyCode> {
    return pageSafetyCode(this.parts.crypto, this.parts.identity, await this.resolvePeer(query));
  }
  subscribe(listener: (event: ChatEvent) => void): () => void {
    return this.listeners.add(listener);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    if (this.connected) this.presence.announce('leave');
    this.closed = true;
    this.presence.stop();
    this.sync.linkDown();
    this.keeper.stop('page closed');
    this.markers.stop();
    this.parts.db.close();
  }

  private linkUp(link: WsLink, hello: HelloMessage): void {
    this.badOnLink = 0;
    const nodeId = toHex(hello.id);
    const node = this.peerList.upsert(nodeId, hello.nick, 'static');
    node.nick = hello.nick;
    node.xkey = Uint8Array.from(hello.xkey);
    node.rooms = [...hello.rooms];
    const address = hostPortOf(this.url);
    if (!node.addresses.includes(address)) node.addresses.unshift(address);
    this.peerList.linked = { id: nodeId, rttMs: () => link.rttMs };
    this.emit({ type: 'link:up', peer: nodeId, nick: hello.nick });
    this.presence.linkUp();
    void this.sync
      .linkUp(
        { send: (m) => link.send(m), remoteId: hello.id, remoteNick: hello.nick },
        hello.rooms,
        this.priv.wireRooms(this.rooms),
      )
      .catch((err) => this.rejected(err as Error));
    void resendUndelivered(this.parts.store, link, () => this.link);
    this.pageFiles.linkUp();
  }

  private linkDown(link: WsLink, closed: WsLinkClosed): void {
    this.sync.linkDown();
    this.presence.stop();
    if (closed.wasUp && link.remoteHello) {
      this.peerList.linked = null;
      this.emit({
        type: 'link:down',
        peer: toHex(link.remoteHello.id),
        nick: link.remoteHello.nick,
        reason: closed.reason,
      });
    }
  }

  private onMessage(message: LinkMessage): void {
    if (message.kind === 'flood') {
      void this.inbound.accept(message, 'live').catch((err) => this.rejected(err as Error));
    } else if (SYNC_KINDS.has(message.kind)) {
      this.sync.handle(message as SyncMessage);
    } else if (message.kind === 'peers') {
      this.keeper.learn(message.peers.flatMap((p) => p.addrs));
    } else this.pageFiles.handle(message); // file-* (§21); others are not for a page
    // ihave, graft and prune never come: the page's hello asks for no lazy push.
  }

  private flood(signed: { id: Uint8Array; payload: Uint8Array; sig: Uint8Array }, hops: number): void {
    if (this.link?.state === 'up') this.link.sendBody(floodBody(signed, hops));
  }

  /** Presence, a receipt or a marker: one hop to the node linked when it is the one addressed. */
  private sendSigned(signed: Signed, to: NodeIdHex | null): void {
    this.inbound.markSeen(signed.idText);
    this.flood(signed, to !== null && this.peerList.linked?.id === to ? 1 : DEFAULT_HOPS);
  }

  private rejected(err: Error): void {
    this.protocolErrors++;
    this.lastProtocolError = err;
    this.parts.options.onProtocolError?.(err);
    // As a node does (§9.2 step 5): a link that keeps sending forgeries is closed.
    if ((err as { code?: string }).code === 'SIGNATURE_INVALID' && ++this.badOnLink >= 20)
      this.link?.fail('SIGNATURE_INVALID', 'too many invalid messages');
  }

  protected emit(event: ChatEvent): void {
    this.listeners.emit(this.markers.take(event));
  }
}
