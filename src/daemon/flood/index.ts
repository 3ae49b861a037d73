/** src/daemon/flood: flooding signed messages once per node, lazy push, dedup, signature checks, and the quiet-turn scheduler. */
export { floodFrame, originKey, seenKey, signedOfFlood } from './flood-frames.js';
export { FloodRouter } from './flood-router.js';
export type { FloodRouterOptions } from './flood-router-options.js';
export {
  DEFAULT_FLOOD_LIMITS,
  FloodLimiter,
  LIMIT_LOG_INTERVAL_MS,
  LINK_QUEUE_MAX,
  ORIGIN_QUEUE_MAX,
  limitCounts,
  type FloodLimits,
  type FloodLimitStats,
} from './flood-limits.js';
export { TokenBucket, type TokenBucketLimits } from './token-bucket.js';
export { type Decoded, type FloodStats, type SignedMessage } from './flood-types.js';
export {
  DEFAULT_PUSH_TREE_TIMINGS,
  MAX_ANNOUNCED_PER_LINK,
  MAX_LAZY_ORIGINS,
  MAX_MISSING,
  MAX_MISSING_PER_LINK,
  PushTree,
  graftWaitMs,
  type OriginKey,
  type PushTreeOptions,
  type PushTreeStats,
  type PushTreeTimings,
} from './push-tree.js';
export { LAG_WINDOW_MS, LoopLag, type LoopLagSource } from './loop-lag.js';
export { QUIET_SLICE_MS, QUIET_WAIT_MAX_MS, QuietTurns } from './quiet-turn.js';
export { RecentMessages, type Recent } from './recent-messages.js';
export { SeenCache, type SeenCacheOptions } from './seen-cache.js';
export { MAX_VERIFYING, SignatureCheck } from './signature-check.js';
export {
  INLINE_PER_TURN,
  VERIFY_INLINE_BELOW,
  VERIFY_ON_POOL_ABOVE,
  VerifyLoad,
  verifyOnPoolNext,
} from './verify-load.js';
