/**
 * Everything the TUI shows, held outside React: conversations with their scrollback, peers, the input
 * line. Events mutate it in place (cheap) and ask for a redraw; redraws are coalesced to at most one per
 * frame, so 100 messages a second cost 30 renders, not 100. Typing redraws at once.
 */
import type { SecretPrompt } from './secret-prompt.js';
import type {
  ChatMessage,
  ConversationRef,
  FileInfo,
  NodeIdHex,
  NodeStatus,
  PeerInfo,
  RoomTopic,
} from '../daemon/index.js';
import type { CompletionSession } from './completion.js';
import { Conversation, conversationKey, type ConversationKey, type SystemTone } from './conversation.js';
import { dayKey } from './format.js';
import type { ViewContext } from './history-view.js';
import { InputHistory } from './input-history.js';
import { EMPTY_INPUT, type InputState } from './input-line.js';
import { fingerprint, fromHex, sanitizeLabel, sanitizeText } from '../wire/index.js';
import { trustOf } from './trust-marks.js';
// noble's SHA-256 (the digest Node's gives): the model is bundled into the web page too, where Node's is not.
import { sha256 } from '@noble/hashes/sha2.js';

export interface SelfInfo {
  id: NodeIdHex;
  nick: string;
  fingerprint: string;
}

export interface ChatModelOptions {
  /** Draw without colours (NO_COLOR). @default false */
  noColor?: boolean;
  /** Most redraws per second for events. @default 30 */
  maxFps?: number;
  /** Clock for system lines. @default Date.now */
  now?: () => number;
}

/** A peer as received, with every field a peer controls made safe to draw. */
export function sanitizePeer(peer: PeerInfo): PeerInfo {
  return {
    ...peer,
    nick: sanitizeLabel(peer.nick),
    fingerprint: sanitizeLabel(peer.fingerprint),
    addresses: peer.addresses.map(sanitizeLabel),
    rooms: peer.rooms.map(sanitizeLabel),
    lastError: peer.lastError === null ? null : sanitizeLabel(peer.lastError),
  };
}

/** A message as received, its text and nick made safe to draw (line breaks kept in the text). */
export function sanitizeMessage(message: ChatMessage): ChatMessage {
  const nick = sanitizeLabel(message.nick);
  const room = message.room === null ? null : sanitizeLabel(message.room);
  const text = sanitizeText(message.text, { keepNewlines: true });
  // Most messages are clean: keep the object rather than hold a copy of each.
  if (nick === message.nick && room === message.room && text === message.text) return message;
  return { ...message, nick, room, text };
}

export class ChatModel {
  self: SelfInfo | null = null;
  status: NodeStatus | null = null;
  readonly peers = new Map<NodeIdHex, PeerInfo>();
  /** Room topics (sanitised), by room. */
  readonly topics = new Map<string, RoomTopic>();
  /** Files (PROTOCOL.md §21) by id, as last told (sanitised): the transfer row draws the fetches. */
  readonly files = new Map<string, FileInfo>();
  /** What the person asked for with /get (id prefixes), so a fetch they did not ask for is explained. */
  readonly askedFiles = new Set<string>();
  /** Why the UI is detached from its node (it stopped); null while attached. */
  detached: string | null = null;
  /** A page only: detached because the chat was opened in another tab or window (until useHere). */
  replaced = false;
  readonly conversations: Conversation[] = [];
  activeKey: ConversationKey | null = null;
  previousKey: ConversationKey | null = null;
  input: InputState = EMPTY_INPUT;
  completion: CompletionSession | null = null;
  readonly inputHistory = new InputHistory();
  /** Lines of a paste waiting for "send N lines? (y/n)". */
  pendingPaste: string[] | null = null;
  /** The conversation a pending paste was made in: its lines go there, whatever is shown later. */
  pendingPasteRef: ConversationRef | null = null;
  /** A line too long for one message, waiting for a second Enter to go out in parts (long-line.ts). */
  pendingSplit: string | null = null;
  /** A passphrase being asked for (secret-prompt.ts): the input line shows the question, not the text. */
  secretPrompt: SecretPrompt | null = null;
  /** Text of a bracketed paste still arriving. */
  bracketedPaste: string | null = null;
  /** Bumped when nicks or fingerprints change how names draw. */
  epoch = 0;
  /** Bumped on any change to the peers (the peers pane is laid out again only then). */
  peersVersion = 0;
  readonly noColor: boolean;
  readonly now: () => number;

  private version = 0;
  private readonly listeners = new Set<() => void>();
  private timer: ReturnType<typeof setTimeout> | null = null;
  private lastFlush = 0;
  private readonly frameMs: number;
  private nickIndex: Map<string, Set<NodeIdHex>> | null = null;
  /** Nick (lower case) to the keys that wrote under it: a nick is shared even when one of them is gone. */
  private readonly speakers = new Map<string, Set<NodeIdHex>>();
  private disposed = false;

  constructor(options: ChatModelOptions = {}) {
    this.noColor = options.noColor ?? false;
    this.now = options.now ?? Date.now;
    const fps = options.maxFps ?? 30;
    this.frameMs = fps > 0 ? 1000 / fps : 0;
  }

  // --- change notification (useSyncExternalStore) ---

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getVersion = (): number => this.version;

  /**
   * Asks for a redraw: `now` for what a person just did, else at the next frame (events). Several changes
   * within a frame make one redraw.
   */
  changed(urgency: 'now' | 'frame' = 'frame'): void {
    if (this.disposed) return;
    if (urgency === 'now' || this.frameMs === 0) {
      this.flush();
      return;
    }
    if (this.timer) return;
    const wait = Math.max(0, this.lastFlush + this.frameMs - performance.now());
    this.timer = setTimeout(() => this.flush(), wait);
  }

  /** Redraws now (also what the frame timer calls). */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.lastFlush = performance.now();
    this.version++;
    for (const listener of [...this.listeners]) listener();
  }

  dispose(): void {
    this.disposed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.listeners.clear();
  }

  // --- conversations ---

  get active(): Conversation | null {
    return this.conversations.find((c) => c.key === this.activeKey) ?? null;
  }

  find(key: ConversationKey): Conversation | undefined {
    return this.conversations.find((c) => c.key === key);
  }

  /** The conversation for `ref`, opened (at the end of the list) if it was not. */
  open(ref: ConversationRef): Conversation {
    const key = conversationKey(ref);
    let conversation = this.find(key);
    if (!conversation) {
      conversation = new Conversation(ref);
      this.conversations.push(conversation);
      if (this.activeKey === null) this.activeKey = key;
    }
    return conversation;
  }

  /** Closes a conversation; when it was shown, shows the previous one (or the nearest). */
  close(key: ConversationKey): void {
    const index = this.conversations.findIndex((c) => c.key === key);
    if (index < 0) return;
    this.conversations.splice(index, 1);
    if (this.previousKey === key) this.previousKey = null;
    if (this.activeKey === key) {
      const fallback =
        (this.previousKey && this.find(this.previousKey)) ||
        this.conversations[Math.min(index, this.conversations.length - 1)] ||
        null;
      this.activeKey = null;
      if (fallback) this.show(fallback.key);
      if (this.previousKey === this.activeKey) this.previousKey = null;
    }
  }

  /** Shows a conversation: remembers the one left (for /back) and clears its hotlist counts. */
  show(key: ConversationKey): boolean {
    const target = this.find(key);
    if (!target) return false;
    if (this.activeKey !== key) {
      // What is there when the person leaves was seen: newer lines go below the marker.
      this.active?.markRead();
      if (this.activeKey !== null) this.previousKey = this.activeKey;
      this.activeKey = key;
    }
    target.resumeReading();
    target.unread = 0;
    target.mentions = 0;
    return true;
  }

  /** 1-based number of a conversation (Alt+N, the hotlist). */
  numberOf(conversation: Conversation): number {
    return this.conversations.indexOf(conversation) + 1;
  }

  /** `#room` or `@nick` (with the fingerprint when the nick is shared). */
  label(conversation: Conversation): string {
    const ref = conversation.ref;
    if (ref.kind === 'room') return `#${ref.room}`;
    const nick = this.nickOf(ref.peer);
    return this.nickIsShared(nick, ref.peer) ? `@${nick} ${this.fingerprintOf(ref.peer)}` : `@${nick}`;
  }

  /** Adds a system line to a conversation (the shown one by default). */
  system(text: string, tone: SystemTone = 'info', conversation: Conversation | null = this.active): void {
    const target = conversation ?? this.active ?? this.conversations[0];
    if (!target) return;
    target.addSystem(sanitizeText(text, { keepNewlines: true }), tone, this.now());
  }

  // --- peers and names ---

  upsertPeer(peer: PeerInfo): void {
    const clean = sanitizePeer(peer);
    const before = this.peers.get(clean.id);
    this.peers.set(clean.id, clean);
    this.peersVersion++;
    // A key's trust (§20) is drawn beside its nick on every line, like the fingerprint.
    if (
      !before ||
      before.nick !== clean.nick ||
      before.fingerprint !== clean.fingerprint ||
      before.trust !== clean.trust
    )
      this.namesChanged();
  }

  setSelf(self: SelfInfo): void {
    const clean = {
      id: self.id,
      nick: sanitizeLabel(self.nick),
      fingerprint: sanitizeLabel(self.fingerprint),
    };
    const before = this.self;
    this.self = clean;
    if (!before || before.nick !== clean.nick || before.id !== clean.id) this.namesChanged();
  }

  /** Nicks or fingerprints changed: cached rows that show names are stale. */
  namesChanged(): void {
    this.epoch++;
    this.nickIndex = null;
  }

  /**
   * Remembers that `message.from` wrote under `message.nick`. A second key under one nick (a stranger
   * who took a known nick) changes how names draw, so the rows are laid out again.
   */
  noteSpeaker(message: ChatMessage): void {
    const key = message.nick.toLowerCase();
    let keys = this.speakers.get(key);
    if (!keys) {
      keys = new Set();
      this.speakers.set(key, keys);
    }
    if (keys.has(message.from)) return;
    keys.add(message.from);
    if (keys.size > 1 || this.nickIsShared(message.nick, message.from)) this.namesChanged();
  }

  nickOf(id: NodeIdHex): string {
    if (this.self?.id === id) return this.self.nick;
    return this.peers.get(id)?.nick ?? this.fingerprintOf(id);
  }

  fingerprintOf(id: NodeIdHex): string {
    if (this.self?.id === id) return this.self.fingerprint;
    // A key the node does not list (a stranger in history) gets its fingerprint all the same.
    return (
      this.peers.get(id)?.fingerprint ??
      (/^[0-9a-f]{64}$/.test(id) ? fingerprint({ sha256 }, fromHex(id)) : id.slice(0, 8))
    );
  }

  /** Whether a node other than `id` goes by `nick` now, or wrote under it (compared without case). */
  nickIsShared(nick: string, id: NodeIdHex): boolean {
    if (!this.nickIndex) {
      const index = new Map<string, Set<NodeIdHex>>();
      const add = (n: string, who: NodeIdHex): void => {
        const key = n.toLowerCase();
        const set = index.get(key) ?? new Set<NodeIdHex>();
        set.add(who);
        index.set(key, set);
      };
      for (const peer of this.peers.values()) add(peer.nick, peer.id);
      if (this.self) add(this.self.nick, this.self.id);
      this.nickIndex = index;
    }
    const key = nick.toLowerCase();
    for (const holders of [this.nickIndex.get(key), this.speakers.get(key)]) {
      if (holders) for (const holder of holders) if (holder !== id) return true;
    }
    return false;
  }

  /** What drawing the history needs, for a pane `width` cells wide. */
  viewContext(width: number): ViewContext {
    return {
      width,
      noColor: this.noColor,
      selfId: this.self?.id ?? null,
      today: dayKey(this.now()),
      epoch: this.epoch,
      fingerprintOf: (id) => this.fingerprintOf(id),
      nickIsShared: (nick, id) => this.nickIsShared(nick, id),
      trustOf: (message) => trustOf(this.peers, message),
    };
  }
}
