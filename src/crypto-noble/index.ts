/** src/crypto-noble: the wire's CryptoProvider in pure JavaScript, for the browser (and any runtime). */
export { nobleCrypto } from './noble-provider.js';
