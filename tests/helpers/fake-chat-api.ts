/**
 * An in-memory ChatApi for the TUI's tests and bench: peers, history and events under the test's
 * control, and a record of every call. History queries (limit, before, search) behave like the node's:
 * newest `limit` matching, oldest first, `before` strictly before a (ts, id) position.
 */
import { createHash } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import type {
  ChatApi,
  ChatEvent,
  ChatMessage,
  ConversationRef,
  HistoryQuery,
  NodeIdHex,
  NodeStatus,
  PeerInfo,
  RoomTopic,
  SafetyCode,
  FileInfo,
  PrivateRoomInfo,
} from '../../src/daemon/index.js';
import { nodeCrypto } from '../../src/crypto-node/index.js';
import { checkMessageText, fingerprint, fromHex, safetyCode, UsageError } from '../../src/wire/index.js';

export interface FakeCall {
  method: keyof ChatApi;
  args: unknown[];
}

/** A stable 64-hex node id for a name (tests refer to peers by name). */
export function nodeIdFor(name: string): NodeIdHex {
  return createHash('sha256').update(`konnect-test:${name}`).digest('hex');
}

export function fingerprintFor(id: NodeIdHex): string {
  return fingerprint(nodeCrypto, fromHex(id));
}

export function makePeer(nick: string, overrides: Partial<PeerInfo> = {}): PeerInfo {
  const id = overrides.id ?? nodeIdFor(nick);
  return {
    id,
    fingerprint: fingerprintFor(id),
    nick,
    addresses: ['192.168.1.20:7070'],
    linked: true,
    online: true,
    foundBy: ['mdns'],
    rttMs: 3,
    lastSeen: Date.now(),
    rooms: ['general'],
    lastError: null,
    ...overrides,
  };
}

const compare = (a: { ts: number; id: string }, b: { ts: number; id: string }): number =>
  a.ts - b.ts || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

export interface FakeChatApiOptions {
  nick?: string;
  rooms?: string[];
  peers?: PeerInfo[];
  /** Emit a 'message' event for own sends too (some nodes do). @default true */
  echoOwn?: boolean;
}

export class FakeChatApi implements ChatApi {
  readonly calls: FakeCall[] = [];
  readonly self: { id: NodeIdHex; fingerprint: string; nick: string };
  rooms: string[];
  readonly peerMap = new Map<NodeIdHex, PeerInfo>();
  /** Every stored message per conversation key, sorted by (ts, id). */
  private readonly stored = new Map<string, ChatMessage[]>();
  private readonly listeners = new Set<(event: ChatEvent) => void>();
  private readonly failures = new Map<keyof ChatApi, unknown>();
  private clock = Date.UTC(2025, 0, 6, 9, 0, 0);
  echoOwn: boolean;
  /** What setOpenDirects last stored, and what status() reports (a restarted UI opens them). */
  directs: NodeIdHex[] = [];
  readonly topicMap = new Map<string, RoomTopic>();

  constructor(options: FakeChatApiOptions = {}) {
    const id = nodeIdFor(`self:${options.nick ?? 'me'}`);
    this.self = { id, fingerprint: fingerprintFor(id), nick: options.nick ?? 'me' };
    this.rooms = [...(options.rooms ?? ['general'])];
    for (const peer of options.peers ?? []) this.peerMap.set(peer.id, peer);
    this.echoOwn = options.echoOwn ?? true;
  }

  // --- control from the test ---

  /** The next call of `method` rejects with `error`. */
  failNext(method: keyof ChatApi, error: unknown): void {
    this.failures.set(method, error);
  }

  callsOf(method: keyof ChatApi): unknown[][] {
    return this.calls.filter((c) => c.method === method).map((c) => c.args);
  }

  get listenerCount(): number {
    return this.listeners.size;
  }

  emit(event: ChatEvent): void {
    for (const listener of [...this.listeners]) listener(event);
  }

  addPeer(peer: PeerInfo, announce = true): PeerInfo {
    this.peerMap.set(peer.id, peer);
    if (announce) this.emit({ type: 'peer', peer });
    return peer;
  }

  /** Advances and returns the fake clock (each message gets a later time). */
  tick(ms = 1000): number {
    this.clock += ms;
    return this.clock;
  }

  /** Builds a message from a peer (or from us with `own`). */
  makeMessage(fields: Partial<ChatMessage> & { text: string }): ChatMessage {
    const ts = fields.ts ?? this.tick();
    const from = fields.from ?? nodeIdFor('alice');
    const direct = fields.direct ?? false;
    return {
      id: fields.id ?? uuidv7({ msecs: ts }),
      room: direct ? null : (fields.room ?? 'general'),
      peer: direct ? (fields.peer ?? from) : null,
      direct,
      from,
      nick: fields.nick ?? this.peerMap.get(from)?.nick ?? 'alice',
      ts,
      text: fields.text,
      action: fields.action ?? false,
      own: fields.own ?? false,
      status: fields.status ?? null,
      via: fields.via ?? 'live',
      future: fields.future ?? false,
    };
  }

  /** Stores a message without any event (history that was there before). */
  store(message: ChatMessage): ChatMessage {
    const key = message.direct ? `direct:${message.peer}` : `room:${message.room}`;
    const list = this.stored.get(key) ?? [];
    if (list.length === 0 || compare(list[list.length - 1], message) <= 0) list.push(message);
    else {
      list.push(message);
      list.sort(compare);
    }
    this.stored.set(key, list);
    return message;
  }

  /** Stores `count` messages in a room, oldest first, from a few peers; returns them. */
  seedRoom(room: string, count: number, text = (i: number) => `message ${i}`): ChatMessage[] {
    const senders = ['alice', 'bob', 'carol'];
    const start = this.clock;
    const out: ChatMessage[] = [];
    for (let i = 0; i < count; i++) {
      const nick = senders[i % senders.length];
      const ts = start + i * 1000;
      out.push(this.store(this.makeMessage({ room, ts, from: nodeIdFor(nick), nick, text: text(i) })));
    }
    this.clock = start + count * 1000;
    return out;
  }

  /** A message arrives live: stored and emitted. */
  deliver(fields: Partial<ChatMessage> & { text: string }): ChatMessage {
    const message = this.store(this.makeMessage(fields));
    this.emit({ type: 'message', message });
    return message;
  }

  // --- ChatApi ---

  private record(method: keyof ChatApi, args: unknown[]): void {
    this.calls.push({ method, args });
    if (this.failures.has(method)) {
      const error = this.failures.get(method);
      this.failures.delete(method);
      throw error;
    }
  }

  async status(): Promise<NodeStatus> {
    this.record('status', []);
    const peers = [...this.peerMap.values()];
    return {
      id: this.self.id,
      fingerprint: this.self.fingerprint,
      nick: this.self.nick,
      host: 'test-host',
      port: 7070,
      rooms: [...this.rooms],
      links: peers.filter((p) => p.linked).length,
      peers: peers.filter((p) => p.online).length,
      dataDir: '/tmp/konnect-test',
      version: '0.1.0',
      protocol: 1,
      mdns: false,
      startedAt: this.clock,
      directs: [...this.directs],
      web: this.web,
    };
  }

  async peers(): Promise<PeerInfo[]> {
    this.record('peers', []);
    return [...this.peerMap.values()];
  }

  async history(query: HistoryQuery): Promise<ChatMessage[]> {
    this.record('history', [query]);
    const key = query.peer !== undefined ? `direct:${query.peer}` : `room:${query.room}`;
    let list = this.stored.get(key) ?? [];
    let end = list.length;
    if (query.before) {
      // Binary search: the first message not before the position.
      let lo = 0;
      let hi = list.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (compare(list[mid], query.before) < 0) lo = mid + 1;
        else hi = mid;
      }
      end = lo;
    }
    const limit = query.limit ?? 100;
    if (query.search !== undefined) {
      const needle = query.search.toLowerCase();
      list = list.slice(0, end).filter((m) => m.text.toLowerCase().includes(needle));
      return list.slice(Math.max(0, list.length - limit));
    }
    return list.slice(Math.max(0, end - limit), end);
  }

  async send(to: ConversationRef, text: string, options?: { action?: boolean }): Promise<ChatMessage> {
    this.record('send', [to, text, options]);
    checkMessageText(text); // as the node does
    const message = this.store(
      this.makeMessage({
        text,
        from: this.self.id,
        nick: this.self.nick,
        own: true,
        via: 'local',
        action: options?.action ?? false,
        direct: to.kind === 'direct',
        room: to.kind === 'room' ? to.room : null,
        peer: to.kind === 'direct' ? to.peer : null,
        status: to.kind === 'direct' ? 'sent' : null,
      }),
    );
    if (this.echoOwn) this.emit({ type: 'message', message });
    return message;
  }

  async setNick(nick: string): Promise<void> {
    this.record('setNick', [nick]);
    if (!/^[\p{L}\p{N}_.-]{1,32}$/u.test(nick))
      throw new UsageError('INVALID_ARGUMENT', `not a valid nick: ${nick}`);
    this.self.nick = nick;
  }

  async joinRoom(room: string): Promise<void> {
    this.record('joinRoom', [room]);
    if (!this.rooms.includes(room)) this.rooms.push(room);
  }

  async leaveRoom(room: string): Promise<void> {
    this.record('leaveRoom', [room]);
    this.rooms = this.rooms.filter((r) => r !== room);
  }

  async setTopic(room: string, topic: string): Promise<void> {
    this.record('setTopic', [room, topic]);
    const set: RoomTopic = { room, topic, from: this.self.id, nick: this.self.nick, ts: this.tick() };
    this.topicMap.set(room, set);
    this.emit({ type: 'topic', topic: set });
  }

  async topics(): Promise<RoomTopic[]> {
    this.record('topics', []);
    return [...this.topicMap.values()];
  }

  async setOpenDirects(peers: NodeIdHex[]): Promise<void> {
    this.record('setOpenDirects', [peers]);
    this.directs = [...peers];
  }

  async resolvePeer(query: string): Promise<PeerInfo> {
    this.record('resolvePeer', [query]);
    const q = query.toLowerCase();
    const peers = [...this.peerMap.values()];
    const byNick = peers.filter((p) => p.nick.toLowerCase() === q);
    const matches =
      byNick.length > 0 ? byNick : peers.filter((p) => p.fingerprint === q || p.id.startsWith(q));
    if (matches.length === 0) throw new UsageError('UNKNOWN_PEER');
    if (matches.length > 1) throw new UsageError('AMBIGUOUS_PEER');
    return matches[0];
  }

  subscribe(listener: (event: ChatEvent) => void): () => void {
    this.record('subscribe', []);
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.record('close', []);
    this.listeners.clear();
  }

  // ---- Trust, read and seen markers (PROTOCOL.md §20) ----
  /** What setShownConversation last told. */
  shown: ConversationRef | null = null;

  async trustPeer(query: string): Promise<PeerInfo> {
    this.record('trustPeer', [query]);
    const peer = await this.resolvePeer(query);
    const trusted: PeerInfo = { ...peer, trust: 'known', pinnedKey: peer.id, verifiedAt: null };
    return this.addPeer(trusted);
  }

  async safetyCode(query: string): Promise<SafetyCode> {
    this.record('safetyCode', [query]);
    const peer = await this.resolvePeer(query);
    const code = safetyCode(nodeCrypto, fromHex(this.self.id), fromHex(peer.id));
    return { peer, code, ownFingerprint: this.self.fingerprint };
  }

  async verifyPeer(query: string): Promise<PeerInfo> {
    this.record('verifyPeer', [query]);
    const peer = await this.resolvePeer(query);
    const verified: PeerInfo = { ...peer, trust: 'verified', pinnedKey: peer.id, verifiedAt: this.tick() };
    return this.addPeer(verified);
  }

  async setShownConversation(ref: ConversationRef | null): Promise<void> {
    this.record('setShownConversation', [ref]);
    this.shown = ref;
  }

  // files (PROTOCOL.md §21): offers kept in `fileMap`; a test moves them on with emit({type: 'file'})
  readonly fileMap = new Map<string, FileInfo>();

  async sendFile(to: ConversationRef, path: string): Promise<FileInfo> {
    this.record('sendFile', [to, path]);
    const id = createHash('sha256').update(path).digest('hex');
    const file: FileInfo = {
      id,
      name: path.split('/').pop() ?? 'file',
      size: 0,
      type: '',
      from: this.self.id,
      nick: this.self.nick,
      room: to.kind === 'room' ? to.room : null,
      peer: to.kind === 'direct' ? to.peer : null,
      ts: this.tick(),
      messageId: uuidv7(),
      own: true,
      state: 'done',
      chunks: 0,
      held: 0,
      fetched: 0,
      rate: 0,
      holders: 0,
      badChunks: 0,
      path,
      error: null,
    };
    this.fileMap.set(id, file);
    this.emit({ type: 'file', file });
    return file;
  }

  async files(): Promise<FileInfo[]> {
    this.record('files', []);
    return [...this.fileMap.values()];
  }

  async getFile(id: string): Promise<FileInfo> {
    this.record('getFile', [id]);
    const file = [...this.fileMap.values()].find((f) => f.id.startsWith(id) || f.messageId === id);
    if (!file) throw new UsageError('UNKNOWN_FILE');
    const fetching: FileInfo = { ...file, state: file.state === 'offered' ? 'fetching' : file.state };
    this.fileMap.set(file.id, fetching);
    return fetching;
  }

  // ---- web (issue 17) ----
  /** What status() reports as the page's address (null: the node serves no page). */
  web: string | null = null;
  // private rooms (PROTOCOL.md §19): passphrase "wrong" is refused; joined rooms kept in `privateRoomMap`
  readonly privateRoomMap = new Map<string, PrivateRoomInfo>();

  async joinPrivateRoom(room: string, passphrase: string): Promise<void> {
    this.record('joinPrivateRoom', [room, passphrase]);
    const name = room.replace(/^#/, '');
    if (passphrase === 'wrong') {
      this.emit({ type: 'private-room', room: name, state: 'wrong-passphrase' });
      throw new UsageError('WRONG_PASSPHRASE', `wrong passphrase for #${name}`);
    }
    this.privateRoomMap.set(name, {
      room: name,
      ids: [`.${'0'.repeat(24)}`],
      joined: true,
      undecryptable: 0,
    });
    await this.joinRoom(name);
    this.emit({ type: 'private-room', room: name, state: 'joined' });
  }

  async rekeyRoom(room: string, passphrase: string): Promise<void> {
    this.record('rekeyRoom', [room, passphrase]);
    const name = room.replace(/^#/, '');
    if (!this.privateRoomMap.has(name)) throw new UsageError('NOT_IN_ROOM', `#${name} is not a private room`);
    this.emit({ type: 'private-room', room: name, state: 'rekeyed' });
  }

  async privateRooms(): Promise<PrivateRoomInfo[]> {
    this.record('privateRooms', []);
    return [...this.privateRoomMap.values()];
  }
}
