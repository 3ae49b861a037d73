/**
 * Signed payloads: what an origin writes, signs and floods. The payload bytes are MessagePack of one of
 * these maps; relays forward them verbatim, so the signature (over exactly these bytes) holds end to end.
 */
import * as C from './constants.js';
import { UsageError, WireError } from './errors.js';
import { packValue, unpackValue } from './codec.js';
import { nickCheck, roomCheck, type Bytes } from './messages.js';
import {
  bool,
  bytes,
  type Check,
  isPlainObject,
  list,
  object,
  oneOf,
  optional,
  text,
  uint,
} from './schema.js';

interface PayloadBase {
  /** UUIDv7 bytes chosen by the origin; equal to the flood envelope's id. */
  id: Bytes;
  /** Origin's ed25519 public key (its node id). */
  from: Bytes;
  /** Origin's clock, ms since the Unix epoch. */
  ts: number;
}
export interface ChatPayload extends PayloadBase {
  kind: 'chat';
  room: string;
  nick: string;
  text: string;
  /** An action line (/me). */
  action?: boolean;
}
export interface DirectPayload extends PayloadBase {
  kind: 'direct';
  to: Bytes;
  /** sealDirect() output: only the recipient can open it. */
  box: Bytes;
}
export interface ReceiptPayload extends PayloadBase {
  kind: 'receipt';
  to: Bytes;
  /** Id of the direct message that was delivered. */
  of: Bytes;
}
export type PresenceEvent = 'join' | 'leave' | 'nick' | 'here';
export interface PresencePayload extends PayloadBase {
  kind: 'presence';
  event: PresenceEvent;
  nick: string;
  /** X25519 public key that direct messages to this node are sealed to. */
  xkey: Bytes;
  rooms: string[];
  /** Nick before a `nick` event. */
  old?: string;
}
/** A room's topic; the one with the latest (ts, id) wins. Added after v1: older nodes relay it unread. */
export interface TopicPayload extends PayloadBase {
  kind: 'topic';
  room: string;
  /** Setter's nick then. */
  nick: string;
  /** Empty clears the topic. */
  topic: string;
}
export type Payload = ChatPayload | DirectPayload | ReceiptPayload | PresencePayload | TopicPayload;
export type PayloadKind = Payload['kind'];

/** Plaintext inside a direct message's box. */
export interface DirectPlaintext {
  nick: string;
  text: string;
  action?: boolean;
}

/** The origin fields every payload kind carries, to spread into a kind's schema. */
export const PAYLOAD_BASE = { id: bytes(C.MESSAGE_ID_BYTES), from: bytes(C.NODE_ID_BYTES), ts: uint() };
const chatText = text(C.MAX_TEXT_CHARS, { maxBytes: C.MAX_TEXT_BYTES, min: 1 });

/** The schema of each payload kind this version defines (PROTOCOL.md), by kind. */
export const PAYLOAD_SCHEMAS: {
  readonly [K in PayloadKind]: Check<Omit<Extract<Payload, { kind: K }>, 'kind'>>;
} = {
  chat: object({ ...PAYLOAD_BASE, room: roomCheck, nick: nickCheck, text: chatText, action: optional(bool) }),
  direct: object({ ...PAYLOAD_BASE, to: bytes(C.NODE_ID_BYTES), box: bytes(1, C.MAX_BOX_BYTES) }),
  receipt: object({ ...PAYLOAD_BASE, to: bytes(C.NODE_ID_BYTES), of: bytes(C.MESSAGE_ID_BYTES) }),
  presence: object({
    ...PAYLOAD_BASE,
    event: oneOf('join', 'leave', 'nick', 'here'),
    nick: nickCheck,
    xkey: bytes(C.X25519_KEY_BYTES),
    rooms: list(roomCheck, C.MAX_ROOMS),
    old: optional(nickCheck),
  }),
  topic: object({
    ...PAYLOAD_BASE,
    room: roomCheck,
    nick: nickCheck,
    topic: text(C.MAX_TOPIC_CHARS, { maxBytes: C.MAX_TOPIC_BYTES, min: 0 }),
  }),
};

const directPlaintext = object({ nick: nickCheck, text: chatText, action: optional(bool) });

/** Encodes a payload after checking it, so a node never signs what its peers would reject. */
export function encodePayload(payload: Payload): Uint8Array {
  const bytesOut = packValue(payload);
  if (bytesOut.length > C.MAX_PAYLOAD_BYTES) {
    throw new WireError('SCHEMA_INVALID', `payload: ${bytesOut.length} bytes, above ${C.MAX_PAYLOAD_BYTES}`);
  }
  parsePayloadValue(payload);
  return bytesOut;
}

/** The fields every payload kind carries, present and future: enough to dedup and verify it. */
export interface PayloadOrigin {
  id: Bytes;
  from: Bytes;
  ts: number;
}
const originCheck = object(PAYLOAD_BASE);

/**
 * Decodes payload bytes into the origin fields (required of every kind, so even a kind this version
 * does not know can be verified before it is relayed) and the payload, null for an unknown kind.
 */
export function decodePayloadWithOrigin(payloadBytes: Uint8Array): {
  payload: Payload | null;
  origin: PayloadOrigin;
} {
  const value = unpackValue(payloadBytes);
  if (!isPlainObject(value)) throw new WireError('SCHEMA_INVALID', 'payload: expected a map');
  const origin = originCheck(value, 'payload') as PayloadOrigin;
  return { payload: parsePayloadValue(value), origin };
}

/** Decodes payload bytes; null for a kind this version ignores. Throws WireError when malformed. */
export function decodePayload(payloadBytes: Uint8Array): Payload | null {
  return parsePayloadValue(unpackValue(payloadBytes));
}

function parsePayloadValue(value: unknown): Payload | null {
  if (!isPlainObject(value)) throw new WireError('SCHEMA_INVALID', 'payload: expected a map');
  const kind = value.kind;
  if (typeof kind !== 'string') throw new WireError('SCHEMA_INVALID', 'payload.kind: expected a string');
  if (!Object.prototype.hasOwnProperty.call(PAYLOAD_SCHEMAS, kind)) return null;
  return { kind, ...PAYLOAD_SCHEMAS[kind as PayloadKind](value, kind) } as Payload;
}

export function encodeDirectPlaintext(plain: DirectPlaintext): Uint8Array {
  directPlaintext(plain, 'direct-plaintext');
  return packValue(plain);
}

export function decodeDirectPlaintext(plainBytes: Uint8Array): DirectPlaintext {
  return directPlaintext(unpackValue(plainBytes), 'direct-plaintext') as DirectPlaintext;
}

/** A payload of any kind a registry knows: the origin fields and the kind; the rest is per kind. */
export interface AnyPayload extends PayloadOrigin {
  kind: string;
}

/**
 * The payload kinds one node understands, each with its schema: what the node signs must pass it, and
 * what arrives is checked against it; a kind not registered decodes to null (relayed, not read). An
 * object and not a module table, so that a node (or a test) registers kinds of its own at runtime.
 */
export class PayloadRegistry {
  private readonly schemas = new Map<string, Check<object>>();

  /** A registry of the kinds PROTOCOL.md defines. */
  static protocol(): PayloadRegistry {
    const registry = new PayloadRegistry();
    for (const [kind, schema] of Object.entries(PAYLOAD_SCHEMAS)) registry.register(kind, schema);
    return registry;
  }

  /** Registers a kind. Throws on a kind registered twice: two handlers for one kind is a bug. */
  register(kind: string, schema: Check<object>): void {
    if (this.schemas.has(kind))
      throw new UsageError('INVALID_ARGUMENT', `payload kind ${kind} registered twice`);
    this.schemas.set(kind, schema);
  }

  has(kind: string): boolean {
    return this.schemas.has(kind);
  }

  /** Encodes a payload after checking it, so a node never signs what its peers would reject. */
  encode(payload: AnyPayload): Uint8Array {
    if (!this.schemas.has(payload.kind))
      throw new UsageError('INVALID_ARGUMENT', `payload kind ${payload.kind} is not registered`);
    const bytesOut = packValue(payload);
    if (bytesOut.length > C.MAX_PAYLOAD_BYTES) {
      throw new WireError(
        'SCHEMA_INVALID',
        `payload: ${bytesOut.length} bytes, above ${C.MAX_PAYLOAD_BYTES}`,
      );
    }
    this.parse(payload);
    return bytesOut;
  }

  /** As decodePayloadWithOrigin, for the kinds registered here. */
  decodeWithOrigin(payloadBytes: Uint8Array): { payload: AnyPayload | null; origin: PayloadOrigin } {
    const value = unpackValue(payloadBytes);
    if (!isPlainObject(value)) throw new WireError('SCHEMA_INVALID', 'payload: expected a map');
    const origin = originCheck(value, 'payload') as PayloadOrigin;
    return { payload: this.parse(value), origin };
  }

  decode(payloadBytes: Uint8Array): AnyPayload | null {
    return this.parse(unpackValue(payloadBytes));
  }

  private parse(value: unknown): AnyPayload | null {
    if (!isPlainObject(value)) throw new WireError('SCHEMA_INVALID', 'payload: expected a map');
    const kind = value.kind;
    if (typeof kind !== 'string') throw new WireError('SCHEMA_INVALID', 'payload.kind: expected a string');
    const schema = this.schemas.get(kind);
    return schema ? ({ kind, ...schema(value, kind) } as AnyPayload) : null;
  }
}
