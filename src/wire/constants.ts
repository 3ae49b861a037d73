/**
 * Every limit of protocol v1 as a named constant. PROTOCOL.md quotes these; the unit tests probe each
 * at the limit and one past it.
 */

export const PROTOCOL_VERSION = 1;

/** Bytes of the big-endian length prefix of every frame. */
export const FRAME_HEADER_BYTES = 4;
/** Default largest frame body a link accepts. A larger declared length closes the link. */
export const DEFAULT_MAX_FRAME_BYTES = 256 * 1024;
/** Arrays and maps nested deeper than this are refused (v1 messages need 4; the rest is headroom). */
export const MAX_NESTING_DEPTH = 32;

export const NODE_ID_BYTES = 32; // ed25519 public key
export const X25519_KEY_BYTES = 32;
export const SIGNATURE_BYTES = 64;
export const NONCE_BYTES = 32; // handshake nonce
export const MESSAGE_ID_BYTES = 16; // UUIDv7

/** Nicks: 1..32 characters of letters, digits and `_-.` (any script's letters and digits). */
export const MAX_NICK_CHARS = 32;
export const NICK_PATTERN = /^[\p{L}\p{N}_.\-]{1,32}$/u;
/** Rooms: 1..48 characters, lower-case letters, digits and `_-.`. */
export const MAX_ROOM_CHARS = 48;
export const ROOM_PATTERN = /^[\p{Ll}\p{Lo}\p{N}_.\-]{1,48}$/u;
export const MAX_ROOMS = 32;

/** Chat text: at most 4,000 characters and 16 KiB of UTF-8. */
export const MAX_TEXT_CHARS = 4000;
export const MAX_TEXT_BYTES = 16 * 1024;
/** A room topic: at most 300 characters and 1 KiB of UTF-8 (empty clears it). */
export const MAX_TOPIC_CHARS = 300;
export const MAX_TOPIC_BYTES = 1024;
/** A sealed direct message box (ephemeral key, nonce, ciphertext, tag). */
export const MAX_BOX_BYTES = 32 * 1024;
/** Signed payload bytes carried by a flood envelope. */
export const MAX_PAYLOAD_BYTES = 48 * 1024;

/**
 * Hop counter: origins start at DEFAULT_HOPS; a relay forwards only while hops > 0 after decrement.
 * 28 = hopLimitFor(MESH_TARGET_NODES) of the overlay (src/daemon/links/overlay.ts): ⌈2·log2 10,000⌉ + 1,
 * the diameter bound the overlay is held to at the largest mesh it targets, plus a hop of margin. It was
 * 16; a node still sending 16 is understood as before (any value up to MAX_HOPS is valid on the wire),
 * and 16 still covers the diameters `npm run sim` measures (7 at 10,000 nodes, 11 with 30 % gone).
 */
export const DEFAULT_HOPS = 28;
export const MAX_HOPS = 64;

export const MAX_REASON_CHARS = 200;
export const MAX_ERROR_CODE_CHARS = 40;
export const MAX_PEERS_PER_EXCHANGE = 64;
export const MAX_ADDRESSES_PER_PEER = 8;
export const MAX_ADDRESS_CHARS = 64;
export const MAX_FEATURES = 16;

/** Sync (history reconciliation) bounds. */
export const MAX_SYNC_RANGES = 64;
export const MAX_SYNC_IDS = 1024;
/** `hello.features`: the sender understands `ihave`, `graft` and `prune` (lazy push, §9.3). */
export const FEATURE_LAZY_PUSH = 'lazy-push';
/** Ids in one `ihave` or `graft` (lazy push). */
export const MAX_IHAVE_IDS = 1024;
export const MAX_SYNC_MESSAGES = 256;
export const MAX_SCOPE_CHARS = 80;
export const SYNC_HASH_BYTES = 16;

/** Messages a clock may run ahead of ours before they are flagged as from the future. */
export const FUTURE_SKEW_MS = 5 * 60 * 1000;
