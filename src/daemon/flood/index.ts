/** src/daemon/flood: flooding signed messages once per node, lazy push, dedup, and the quiet-turn scheduler. */
export {
  FloodRouter,
  MAX_VERIFYING,
  protocolPayloads,
  type Decoded,
  type FloodRouterOptions,
  type FloodStats,
  type SignedMessage,
} from './flood-router.js';
export {
  DEFAULT_PUSH_TREE_TIMINGS,
  MAX_ANNOUNCED_PER_LINK,
  MAX_LAZY_ORIGINS,
  MAX_MISSING,
  MAX_MISSING_PER_LINK,
  PushTree,
  type OriginKey,
  type PushTreeOptions,
  type PushTreeStats,
  type PushTreeTimings,
} from './push-tree.js';
export { QUIET_SLICE_MS, QUIET_WAIT_MAX_MS, QuietTurns } from './quiet-turn.js';
export { RecentMessages, type Recent } from './recent-messages.js';
export { SeenCache, type SeenCacheOptions } from './seen-cache.js';
export {
  INLINE_PER_TURN,
  VERIFY_INLINE_BELOW,
  VERIFY_ON_POOL_ABOVE,
  VerifyLoad,
  verifyOnPoolNext,
} from './verify-load.js';
