/**
 * The interface between a node and anything that shows it to a person: the TUI, the CLI commands.
 * Implemented in-process by `NodeChatApi` (over a KonnectNode) and remotely by `ControlClient` (over
 * the control socket), so the UI works the same on either. All values are plain data (JSON-safe).
 */
import type { MessageIdStr, NodeIdHex } from '../wire/index.js';

export type { MessageIdStr, NodeIdHex };

/**
 * What this node makes of a key using a nick (PROTOCOL.md §20): the nick's pinned key ('known'), that
 * key verified by its safety code ('verified'), or another key than the one pinned ('new-key').
 */
export type TrustState = 'known' | 'verified' | 'new-key';

/** Where a message belongs: a room, or the direct conversation with one peer. */
export type ConversationRef = { kind: 'room'; room: string } | { kind: 'direct'; peer: NodeIdHex };

export interface ChatMessage {
  id: MessageIdStr;
  /** Room name; null for a direct message. */
  room: string | null;
  /** For a direct message, the other party of the conversation (recipient if own, sender if not). */
  peer: NodeIdHex | null;
  direct: boolean;
  /** Origin node id. */
  from: NodeIdHex;
  /** Origin's nick when it wrote the message. */
  nick: string;
  /** Origin's clock, ms since the epoch. */
  ts: number;
  text: string;
  /** An action (/me). */
  action: boolean;
  /** Written by this node. */
  own: boolean;
  /** For own direct messages: 'sent' until a receipt arrives, then 'delivered', then 'read' (§20). */
  status: 'sent' | 'delivered' | 'read' | null;
  /** How this node got it: written here, flooded live, or learned by history sync. */
  via: 'local' | 'live' | 'sync';
  /** Timestamp is more than FUTURE_SKEW_MS ahead of the receiver's clock when it arrived. */
  future: boolean;
  /** Another's message: what its key is to the nick it used (§20); null or absent for own messages. */
  trust?: TrustState | null;
  /**
   * Own room message: how many of the room's members online when it was sent hold it (seen markers,
   * §20); null when not known (another's message, or sent before this node last started).
   */
  seen?: { count: number; of: number } | null;
  /**
   * A file offer (§21): the offered file's id. The page sets it on the offers it shows, and draws
   * each one's card by it: two offers of the same bytes are one file but two rows.
   */
  file?: string;
}

export interface PeerInfo {
  id: NodeIdHex;
  fingerprint: string;
  nick: string;
  /** Addresses (`host:port`) this node knows for the peer. */
  addresses: string[];
  /** A TCP link to this peer is up. */
  linked: boolean;
  /** Heard from recently (linked, or presence flooded through the mesh). */
  online: boolean;
  /** How the peer was found, first method first. */
  foundBy: ('static' | 'exchange' | 'mdns' | 'inbound' | 'presence')[];
  /** Round-trip time of the link, ms; null when not linked. */
  rttMs: number | null;
  lastSeen: number | null;
  rooms: string[];
  /** Why the last attempt to link failed (e.g. 'refused', 'timed out', 'version mismatch'). */
  lastError: string | null;
  /** Its key against the key pinned for its nick (§20); null when its nick is not pinned (a hint). */
  trust?: TrustState | null;
  /** The key pinned for its nick (hex node id), its own or another's; null when none. */
  pinnedKey?: NodeIdHex | null;
  /** When the pinned key was first seen with this nick. */
  firstSeen?: number | null;
  /** When this peer's key was verified by its safety code; null when not verified. */
  verifiedAt?: number | null;
}

/** The code two people compare to verify each other's keys (/verify, §20). */
export interface SafetyCode {
  peer: PeerInfo;
  /** 6 groups of 5 digits, the same on both sides. */
  code: string;
  ownFingerprint: string;
}

export interface NodeStatus {
  id: NodeIdHex;
  fingerprint: string;
  nick: string;
  host: string;
  port: number;
  rooms: string[];
  links: number;
  peers: number;
  dataDir: string;
  version: string;
  protocol: number;
  mdns: boolean;
  startedAt: number;
  /** Peers whose direct conversations were open in the UI (kept in the data directory). */
  directs: NodeIdHex[];
  /**
   * Flooded messages over the per-link and per-origin limits since start (PROTOCOL.md, flood limits):
   * deferred ones were handled later, dropped ones come back by history sync.
   */
  floodLimited?: {
    /** Deferred by the per-link limit (handled later; the link was not read meanwhile). */
    limitedByLink: number;
    droppedByLink: number;
    /** Held back by the per-origin limit (shown later, at the origin's rate). */
    limitedByOrigin: number;
    droppedByOrigin: number;
    /** Links closed for staying over their limit (RATE_LIMITED). */
    linksClosed: number;
  };
  // ---- web (issue 17) ----
  /** The chat page's address (`http://HOST:PORT/`), or null when the node serves no page. */
  web?: string | null;
}

/** A room's topic: the latest one set (last writer wins by its timestamp). */
export interface RoomTopic {
  room: string;
  /** Empty: the topic was cleared. */
  topic: string;
  /** Who set it, and their nick then. */
  from: NodeIdHex;
  nick: string;
  ts: number;
}

export interface HistoryQuery {
  room?: string;
  /** Direct conversation with this peer. */
  peer?: NodeIdHex;
  /** Newest `limit` messages matching, returned oldest first. @default 100 */
  limit?: number;
  /** Only messages strictly before this (ts, id) position, for scrolling back. */
  before?: { ts: number; id: MessageIdStr };
  /** Full-text search (FTS5). */
  search?: string;
}

export type ChatEvent =
  | { type: 'message'; message: ChatMessage }
  | { type: 'receipt'; id: MessageIdStr; peer: NodeIdHex }
  | { type: 'peer'; peer: PeerInfo }
  | { type: 'link:up'; peer: NodeIdHex; nick: string }
  | { type: 'link:down'; peer: NodeIdHex; nick: string; reason: string }
  | {
      type: 'presence';
      peer: NodeIdHex;
      nick: string;
      event: 'join' | 'leave' | 'nick';
      rooms: string[];
      oldNick?: string;
    }
  | { type: 'sync'; peer: NodeIdHex; nick: string; count: number; scope: string }
  | { type: 'status'; status: NodeStatus }
  | { type: 'topic'; topic: RoomTopic }
  /** §20: own direct messages to `peer` up to (ts, id) were read there. */
  | { type: 'read'; peer: NodeIdHex; ts: number; id: MessageIdStr }
  /** §20: how many hold own room message `id` changed. */
  | { type: 'seen'; id: MessageIdStr; room: string; count: number; of: number }
  /**
   * Only from a client of a daemon or a page (never from a node): the daemon or the page's node went
   * away ('lost': calls fail with NO_DAEMON until it is back, or the page reconnects by itself) or
   * answers again ('restored'). 'replaced', pages only: the same identity linked from another tab
   * or window, and this page stays unlinked until asked to link again (WebPeer.useHere), so that two
   * tabs do not take the link from each other for ever.
   */
  | { type: 'connection'; state: 'lost' | 'restored' | 'replaced'; reason: string }
  // files (PROTOCOL.md §21)
  /** A file was offered, or a transfer moved on (at most a few times a second), finished or failed. */
  | { type: 'file'; file: FileInfo }
  // private rooms (PROTOCOL.md §19)
  | PrivateRoomEvent;

/**
 * Each method also has a row in CHAT_METHODS (control/chat-methods.ts): the schemas of its arguments, from which
 * every transport serves it and derives its client. The compiler asks for the row.
 */
export interface ChatApi {
  status(): Promise<NodeStatus>;
  peers(): Promise<PeerInfo[]>;
  history(query: HistoryQuery): Promise<ChatMessage[]>;
  /** Writes and floods a message; resolves with it as stored. */
  send(to: ConversationRef, text: string, options?: { action?: boolean }): Promise<ChatMessage>;
  setNick(nick: string): Promise<void>;
  joinRoom(room: string): Promise<void>;
  leaveRoom(room: string): Promise<void>;
  /** Sets (or with '' clears) the topic of a room this node is in; every member sees it. */
  setTopic(room: string, topic: string): Promise<void>;
  /** The topics known, of any room seen. */
  topics(): Promise<RoomTopic[]>;
  /** Remembers which direct conversations the UI has open (restored by the next UI). */
  setOpenDirects(peers: NodeIdHex[]): Promise<void>;
  /** Finds one peer by nick, fingerprint or id prefix. Throws UsageError UNKNOWN_PEER / AMBIGUOUS_PEER. */
  resolvePeer(query: string): Promise<PeerInfo>;
  /** Calls `listener` for every event until the returned function is called. */
  subscribe(listener: (event: ChatEvent) => void): () => void;
  /** Releases the client (a control-socket client disconnects; the daemon goes on). */
  close(): Promise<void>;

  // ---- Trust, read and seen markers (PROTOCOL.md §20) ----
  /** Accepts a peer's key for its nick (/trust): re-pins the nick to it. */
  trustPeer(query: string): Promise<PeerInfo>;
  /** The safety code of this node's key and a peer's, to compare face to face (/verify). */
  safetyCode(query: string): Promise<SafetyCode>;
  /** Marks a peer's key verified (the codes matched): pinned and shown as verified everywhere. */
  verifyPeer(query: string): Promise<PeerInfo>;
  /** Which conversation the person has on screen (null: none); direct ones get read markers. */
  setShownConversation(ref: ConversationRef | null): Promise<void>;
  // files (PROTOCOL.md §21)
  /** Offers a file (an absolute path on the node's machine) to a room or a conversation. */
  sendFile(to: ConversationRef, path: string): Promise<FileInfo>;
  /** Files offered, being fetched or held, newest first. */
  files(): Promise<FileInfo[]>;
  /** Starts fetching an offered file, by a prefix (6 or more hex digits) of its id or its message id. */
  getFile(id: string): Promise<FileInfo>;
  // private rooms (PROTOCOL.md §19)
  /** Joins a room by passphrase; throws WRONG_PASSPHRASE when its members hold another key. */
  joinPrivateRoom(room: string, passphrase: string): Promise<void>;
  /** Moves a joined private room to a new passphrase (new key, new id); old keys still read old messages. */
  rekeyRoom(room: string, passphrase: string): Promise<void>;
  /** The private rooms joined, and those seen on the LAN by opaque id. */
  privateRooms(): Promise<PrivateRoomInfo[]>;
}

/**
 * A private room's state changed (§19): joined (or rekeyed) with a key; the passphrase given is not the
 * one the room's members hold ('wrong-passphrase': nothing of the room is shown); a peer holds another
 * key for the room's name ('other-key'); a message of the room did not open ('undecryptable').
 */
export interface PrivateRoomEvent {
  type: 'private-room';
  room: string;
  state: 'joined' | 'rekeyed' | 'wrong-passphrase' | 'other-key' | 'undecryptable';
  peer?: NodeIdHex;
  nick?: string;
}

/** A private room joined here, or one seen on the LAN whose name this node does not know. */
export interface PrivateRoomInfo {
  /** The room's name; null for a room seen but not joined. */
  room: string | null;
  /** The opaque ids: the current key's first, then those of older keys still read. */
  ids: string[];
  joined: boolean;
  /** Messages of the room that did not open under its keys since start. */
  undecryptable: number;
}

/** A file offered to a room or a conversation, and how far this node has it (PROTOCOL.md §21). */
export interface FileInfo {
  /** Hex of the root of its hash tree. */
  id: string;
  /** The name as the sender gave it (sanitised for display; the saved name is `path`). */
  name: string;
  size: number;
  type: string;
  from: NodeIdHex;
  nick: string;
  room: string | null;
  peer: NodeIdHex | null;
  ts: number;
  messageId: MessageIdStr;
  own: boolean;
  state: 'offered' | 'fetching' | 'done' | 'failed';
  chunks: number;
  /** Chunks held. */
  held: number;
  /** Chunks fetched since this node started (or resumed) the fetch. */
  fetched: number;
  /** Bytes per second over the last seconds of a fetch; 0 otherwise. */
  rate: number;
  /** Neighbours offering chunks to this fetch. */
  holders: number;
  /** Chunks that failed their hash in this fetch (counted against the links that sent them). */
  badChunks: number;
  /** Where the finished file was written (own files: where it was sent from). */
  path: string | null;
  error: string | null;
}
