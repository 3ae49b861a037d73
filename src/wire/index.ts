/**
 * src/wire: the pure protocol layer (framing, schemas, signing, sealing). No sockets, no timers and no
 * Node-only import: crypto comes from a CryptoProvider the caller passes, so it runs in a browser too.
 */
export { concatBytes, equalBytes, utf8 } from './bytes.js';
export * from './constants.js';
export * from './errors.js';
export { packValue, unpackValue } from './codec.js';
export { encodeFloodFrame, encodeFrame, FrameDecoder, type FrameDecoderOptions } from './frame.js';
export { freeFrameBuffers, releaseFrame } from './frame-pool.js';
export { fileChunkFrame, type FileChunkFrame } from './file-chunk-frame.js';
export * from './messages.js';
export * from './payloads.js';
export * from './ids.js';
export * from './crypto.js';
export type { CryptoProvider, RawKeyPair, ScryptParams } from './crypto-provider.js';
export {
  ED25519_L,
  hasSmallOrder,
  isCanonicalPoint,
  isCanonicalScalar,
  littleEndian,
  strictEd25519,
} from './ed25519-rules.js';
export { type Check, object, list, optional, text, uint, bool, bytes, isPlainObject } from './schema.js';
export { sanitizeText, sanitizeLabel, type SanitizeOptions } from './sanitize.js';
export * from './message-text.js';
export * from './private-room.js';
// Trust, read and seen markers (PROTOCOL.md §20)
export { safetyCode, SAFETY_CODE_LABEL, SAFETY_CODE_GROUPS } from './safety-code.js';
export * from './markers.js';
export * from './names.js';
export { type PresenceBefore, presenceLine } from './presence-line.js';
export * from './file-tree.js';
export * from './file-messages.js';
