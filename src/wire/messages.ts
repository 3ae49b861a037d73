/**
 * Protocol v1 link messages: their types, and `parseLinkMessage`, which turns a decoded MessagePack
 * value into a checked message, returns null for a kind this version does not know (ignored for forward
 * compatibility), and throws WireError('SCHEMA_INVALID') for anything malformed.
 */
import * as C from './constants.js';
import { WireError } from './errors.js';
import { FILE_LINK_SCHEMAS, type FileLinkMessage } from './file-messages.js';
import { bytes, type Check, isPlainObject, list, object, oneOf, optional, text, uint } from './schema.js';

export type Bytes = Uint8Array;

const nodeId = bytes(C.NODE_ID_BYTES);
const messageId = bytes(C.MESSAGE_ID_BYTES);
export const nickCheck = text(C.MAX_NICK_CHARS, { pattern: C.NICK_PATTERN, min: 1 });
export const roomCheck = text(C.MAX_ROOM_CHARS, { pattern: C.ROOM_PATTERN, min: 1 });
const address = text(C.MAX_ADDRESS_CHARS, { min: 1 });
const scope = text(C.MAX_SCOPE_CHARS, { min: 1 });

export interface HelloMessage {
  kind: 'hello';
  /** Protocol version of the sender. */
  v: number;
  id: Bytes;
  xkey: Bytes;
  nick: string;
  nonce: Bytes;
  /** TCP port the sender listens on (0: it accepts no links), so the receiver can redial it. */
  port: number;
  rooms: string[];
  features?: string[];
}
export interface HelloAckMessage {
  kind: 'hello-ack';
  sig: Bytes;
}
export interface PingMessage {
  kind: 'ping';
  n: number;
}
export interface PongMessage {
  kind: 'pong';
  n: number;
}
export interface ByeMessage {
  kind: 'bye';
  reason?: string;
}
export interface ErrorMessage {
  kind: 'error';
  code: string;
  reason?: string;
}
export interface PeerRecord {
  id: Bytes;
  addrs: string[];
  nick?: string;
}
export interface PeersMessage {
  kind: 'peers';
  peers: PeerRecord[];
}
/** A flooded message: `payload` are the origin's signed bytes, relayed verbatim; only `hops` changes. */
export interface FloodMessage {
  kind: 'flood';
  id: Bytes;
  hops: number;
  payload: Bytes;
  sig: Bytes;
}
/** Lazy push (§9.3): ids of messages the sender has, offered on a lazy link instead of the messages. */
export interface IHaveMessage {
  kind: 'ihave';
  ids: Bytes[];
}
/** Lazy push: "send me these and make this link eager"; `ids` may be empty. */
export interface GraftMessage {
  kind: 'graft';
  ids: Bytes[];
  /**
   * Origins whose messages to push on this link from now on, with or without ids: sent when the link a
   * node got an origin's messages from went down. (Nodes without it drop the unknown field.)
   */
  origins?: Bytes[];
}
/** Lazy push: "I had that already; send me only the ids of this origin's messages from now on". */
export interface PruneMessage {
  kind: 'prune';
  origin: Bytes;
}
export interface SyncRange {
  /** Inclusive lower bound, origin timestamp in ms. */
  from: number;
  /** Exclusive upper bound. */
  to: number;
  count: number;
  /**
   * Order-independent digest of the ids in the range: SHA-256 of each 16-byte id read as four big-endian
   * 32-bit lanes; each lane summed mod 2^32 over the range; the four sums written big-endian.
   */
  hash: Bytes;
}
export interface SyncDigestMessage {
  kind: 'sync-digest';
  scope: string;
  ranges: SyncRange[];
}
export interface SyncIdsMessage {
  kind: 'sync-ids';
  scope: string;
  from: number;
  to: number;
  ids: Bytes[];
}
export interface SyncWantMessage {
  kind: 'sync-want';
  scope: string;
  ids: Bytes[];
}
export interface SyncMessagesMessage {
  kind: 'sync-msgs';
  scope: string;
  msgs: { id: Bytes; payload: Bytes; sig: Bytes }[];
}
export interface SyncDoneMessage {
  kind: 'sync-done';
  scope: string;
}

export type LinkMessage =
  | HelloMessage
  | HelloAckMessage
  | PingMessage
  | PongMessage
  | ByeMessage
  | ErrorMessage
  | PeersMessage
  | FloodMessage
  | IHaveMessage
  | GraftMessage
  | PruneMessage
  | SyncDigestMessage
  | SyncIdsMessage
  | SyncWantMessage
  | SyncMessagesMessage
  | SyncDoneMessage
  | FileLinkMessage;

export type LinkMessageKind = LinkMessage['kind'];

const reason = optional(text(C.MAX_REASON_CHARS));
const signedMessage = object({
  id: messageId,
  payload: bytes(1, C.MAX_PAYLOAD_BYTES),
  sig: bytes(C.SIGNATURE_BYTES),
});

const SCHEMAS: { [K in LinkMessageKind]: Check<Omit<Extract<LinkMessage, { kind: K }>, 'kind'>> } = {
  hello: object({
    v: uint(0xffff),
    id: nodeId,
    xkey: bytes(C.X25519_KEY_BYTES),
    nick: nickCheck,
    nonce: bytes(C.NONCE_BYTES),
    port: uint(65535),
    rooms: list(roomCheck, C.MAX_ROOMS),
    features: optional(list(text(32, { min: 1 }), C.MAX_FEATURES)),
  }),
  'hello-ack': object({ sig: bytes(C.SIGNATURE_BYTES) }),
  ping: object({ n: uint() }),
  pong: object({ n: uint() }),
  bye: object({ reason }),
  error: object({ code: text(C.MAX_ERROR_CODE_CHARS, { min: 1 }), reason }),
  peers: object({
    peers: list(
      object({
        id: nodeId,
        addrs: list(address, C.MAX_ADDRESSES_PER_PEER),
        nick: optional(nickCheck),
      }),
      C.MAX_PEERS_PER_EXCHANGE,
    ),
  }),
  flood: object({
    id: messageId,
    hops: uint(C.MAX_HOPS),
    payload: bytes(1, C.MAX_PAYLOAD_BYTES),
    sig: bytes(C.SIGNATURE_BYTES),
  }),
  ihave: object({ ids: list(messageId, C.MAX_IHAVE_IDS) }),
  graft: object({ ids: list(messageId, C.MAX_IHAVE_IDS), origins: optional(list(nodeId, C.MAX_IHAVE_IDS)) }),
  prune: object({ origin: nodeId }),
  'sync-digest': object({
    scope,
    ranges: list(
      object({ from: uint(), to: uint(), count: uint(), hash: bytes(C.SYNC_HASH_BYTES) }),
      C.MAX_SYNC_RANGES,
    ),
  }),
  'sync-ids': object({ scope, from: uint(), to: uint(), ids: list(messageId, C.MAX_SYNC_IDS) }),
  'sync-want': object({ scope, ids: list(messageId, C.MAX_SYNC_IDS) }),
  'sync-msgs': object({ scope, msgs: list(signedMessage, C.MAX_SYNC_MESSAGES) }),
  'sync-done': object({ scope }),
  ...FILE_LINK_SCHEMAS,
};

export const LINK_MESSAGE_KINDS = Object.keys(SCHEMAS) as LinkMessageKind[];

/** Checks a decoded value; null means a well-formed message of a kind this version ignores. */
export function parseLinkMessage(value: unknown): LinkMessage | null {
  if (!isPlainObject(value)) throw new WireError('SCHEMA_INVALID', 'message: expected a map');
  const kind = value.kind;
  if (typeof kind !== 'string' || kind.length === 0 || kind.length > 32) {
    throw new WireError('SCHEMA_INVALID', 'message.kind: expected a string of 1 to 32 characters');
  }
  if (!Object.prototype.hasOwnProperty.call(SCHEMAS, kind)) return null;
  const schema = SCHEMAS[kind as LinkMessageKind];
  return { kind, ...schema(value, kind) } as LinkMessage;
}

export { oneOf };
