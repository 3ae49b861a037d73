/**
 * src/crypto-node: the wire's CryptoProvider for Node (libsodium signing and verification, node:crypto
 * for the rest), and the Node-only verification paths the daemon's relay uses (thread pool, cached keys).
 */
export {
  createNodeCrypto,
  ed25519PublicKey,
  importedEd25519Key,
  nodeCrypto,
  rawPublicKey,
  rawSecretKey,
  rawVerifiers,
  rawVerifyBackend,
  signers,
  verifyRaw,
  verifyThen,
  verifyWithKey,
  x25519PublicKey,
} from './node-provider.js';
export type { Check } from './verify-batch.js';
export { BATCH_MAX, IDLE_STOP_MS, VerifyPool } from './verify-pool.js';
