/**
 * Read and seen markers (PROTOCOL.md §20): signed, flooded payloads that carry only ids and times,
 * never text. A `read` marker tells the author of direct messages "I have shown you everything up to
 * this message of yours"; a `seen` marker tells a room "I hold everything of this room up to (at, upto)".
 * Registered by the node's marker service (src/daemon/trust), not in PAYLOAD_SCHEMAS: a node that does
 * not know them relays them unread, like any kind added after v1.
 */
import * as C from './constants.js';
import type { Bytes } from './messages.js';
import { bytes, object, text, uint } from './schema.js';
import { PAYLOAD_BASE } from './payloads.js';

/** Longest room field of a seen marker: a room name, or a private room's opaque wire id. */
export const MAX_MARKER_ROOM_CHARS = 64;

export interface ReadMarkerPayload {
  kind: 'read';
  id: Bytes;
  from: Bytes;
  ts: number;
  /** The author of the direct messages that were read. */
  to: Bytes;
  /** The newest of `to`'s direct messages to `from` that `from` has shown on screen. */
  of: Bytes;
}

export interface SeenMarkerPayload {
  kind: 'seen';
  id: Bytes;
  from: Bytes;
  ts: number;
  /** The room's wire identifier (its name for a public room; never a private room's name). */
  room: string;
  /** The newest message of the room the sender holds: its origin timestamp and id. */
  at: number;
  upto: Bytes;
}

export const READ_MARKER_SCHEMA = object({
  ...PAYLOAD_BASE,
  to: bytes(C.NODE_ID_BYTES),
  of: bytes(C.MESSAGE_ID_BYTES),
});

export const SEEN_MARKER_SCHEMA = object({
  ...PAYLOAD_BASE,
  room: text(MAX_MARKER_ROOM_CHARS, { min: 1 }),
  at: uint(),
  upto: bytes(C.MESSAGE_ID_BYTES),
});
