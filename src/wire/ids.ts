/** Message ids: UUIDv7 (time-ordered, chosen by the origin), 16 bytes on the wire, canonical text in APIs. */
import { parse, v7, validate, version } from 'uuid';
import { MESSAGE_ID_BYTES } from './constants.js';
import { WireError } from './errors.js';

/** Canonical UUID text, e.g. `0192e3c4-7f1a-7c3e-9d2b-5a1f0e8c4b21`. */
export type MessageIdStr = string;
/** 64 lower-case hex characters: an ed25519 public key. */
export type NodeIdHex = string;

/**
 * Makes UUIDv7 message ids. Ids of one millisecond increase in the order they are made (RFC 9562 §6.2,
 * method 1: a counter seeded at random), so lines pasted at once keep their order everywhere: history
 * orders by (ts, id). The counter belongs to whoever owns the generator (a node owns one, fed by its
 * `random` component), not to the module, so two nodes in one process do not share it.
 */
export class MessageIdGenerator {
  private msecs = -1;
  private seq = 0;

  constructor(private readonly random: () => number = Math.random) {}

  /** A new id for a message stamped `msecs`. */
  next(msecs: number): Uint8Array {
    const out = new Uint8Array(MESSAGE_ID_BYTES);
    if (msecs === this.msecs && this.seq < 0x7fffffff) this.seq++;
    // A fresh millisecond (or a clock set back): a random start in the lower half leaves 2^30 steps.
    else this.seq = Math.floor(this.random() * 0x40000000);
    this.msecs = msecs;
    v7({ msecs, seq: this.seq }, out);
    return out;
  }
}

/**
 * The generator behind `newMessageId`, for tests and tools that make ids outside a node. The daemon does
 * not use it (each node owns its own), so no node's ids depend on what else ran in the process.
 */
const toolIds = new MessageIdGenerator();

/** A new UUIDv7 stamped `msecs` (default now), from a generator shared by tests and tools. */
export function newMessageId(msecs: number = Date.now()): Uint8Array {
  return toolIds.next(msecs);
}

/**
 * Canonical text of any 16-byte id. Peers only guarantee the length, so this must not insist on a valid
 * UUIDv7 (uuid's `stringify` throws a TypeError for other version or variant bits).
 */
export function messageIdToString(id: Uint8Array): MessageIdStr {
  if (id.length !== MESSAGE_ID_BYTES)
    throw new WireError('SCHEMA_INVALID', `message id of ${id.length} bytes`);
  const hex = toHex(id);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function messageIdFromString(id: string): Uint8Array {
  if (!validate(id) || version(id) !== 7) throw new WireError('SCHEMA_INVALID', `not a UUIDv7: ${id}`);
  return Uint8Array.from(parse(id));
}

/** Milliseconds encoded in the first 48 bits of a UUIDv7. */
export function messageIdTime(id: Uint8Array): number {
  return id[0] * 2 ** 40 + id[1] * 2 ** 32 + ((id[2] << 24) >>> 0) + (id[3] << 16) + (id[4] << 8) + id[5];
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export function toHex(bytesIn: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytesIn.length; i++) out += HEX[bytesIn[i]];
  return out;
}

/** The value of a hex digit's character code, or -1. */
function hexDigit(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  const lower = code | 0x20;
  return lower >= 97 && lower <= 102 ? lower - 87 : -1;
}

/** Bytes of a hex string, up to its first pair that is not two hex digits (as Node's decoder stops). */
export function fromHex(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length >> 1);
  for (let i = 0; i < out.length; i++) {
    const high = hexDigit(hex.charCodeAt(2 * i));
    const low = hexDigit(hex.charCodeAt(2 * i + 1));
    if (high < 0 || low < 0) return out.slice(0, i);
    out[i] = high * 16 + low;
  }
  return out;
}
