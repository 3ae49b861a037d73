/** Flood frames and the keys the router files messages under (their id bytes as a latin1 string). */
import {
  type Bytes,
  encodeFloodFrame,
  FRAME_HEADER_BYTES,
  type FloodMessage,
  parseLinkMessage,
  unpackValue,
} from '../../wire/index.js';
import type { SignedMessage } from './flood-types.js';
import type { OriginKey } from './push-tree.js';

export function floodFrame(signed: SignedMessage, hops: number): Uint8Array {
  return encodeFloodFrame(signed.id, hops, signed.payload, signed.sig);
}

/** The signed message inside a flood frame this node made (to answer a graft: rare). */
export function signedOfFlood(frame: Uint8Array): SignedMessage {
  const { id, payload, sig } = parseLinkMessage(
    unpackValue(frame.subarray(FRAME_HEADER_BYTES)),
  ) as FloodMessage;
  return { id, payload, sig };
}

export function originKey(id: Bytes): OriginKey {
  return seenKey(id);
}

export function seenKey(id: Bytes): string {
  return (Buffer.isBuffer(id) ? id : Buffer.from(id.buffer, id.byteOffset, id.length)).toString('latin1');
}
