/** What a flood router is given: its collaborators and its options, each with its default. */
import type { AnyPayload, Bytes, PayloadRegistry } from '../../wire/index.js';
import type { Clock } from '../../clock/index.js';
import type { Identity } from '../identity.js';
import type { Link } from '../links/index.js';
import type { Logger } from '../logger.js';
import type { FloodLimits } from './flood-limits.js';
import type { PushTreeTimings } from './push-tree.js';
import type { QuietTurns } from './quiet-turn.js';
import type { SeenCache } from './seen-cache.js';
import type { SignedMessage } from './flood-types.js';
import type { VerifyLoad } from './verify-load.js';

export interface FloodRouterOptions {
  identity: Identity;
  links: () => Iterable<Link>;
  clock: Clock;
  /** The node's quiet-turn scheduler (quiet-turn.ts). @default a new one */
  quietTurns?: QuietTurns;
  /**
   * The event loop's load readings, which decide where verifications run. Shared by the nodes of one
   * process, as the loop is. @default a new one
   */
  verifyLoad?: VerifyLoad;
  /** The payload kinds this node reads and signs. @default the kinds of PROTOCOL.md */
  payloads?: PayloadRegistry;
  /** Lazy push (push-tree.ts); false floods every message on every link. @default true */
  lazyPush?: boolean;
  pushTimings?: Partial<PushTreeTimings>;
  /** Called once per new, verified message (own messages excepted). */
  deliver: (payload: AnyPayload, signed: SignedMessage, from: Link | null) => void;
  seen?: SeenCache;
  /** Whether a message is already held (in the history store): such a message is a duplicate too. */
  isKnown?: (id: Bytes) => boolean;
  /** A stored message by id (to answer a graft for one no longer among the recent ones). */
  lookup?: (id: Bytes) => SignedMessage | undefined;
  /** Called when a link sends a message that fails verification. */
  onRejected?: (link: Link | null, reason: string) => void;
  /**
   * Whether the flooded message about to be verified may be verified on the event loop rather than
   * the thread pool (asked only when nothing is being verified on the pool).
   * @default verifyLoad.inlineSlot(): unless the loop is saturated (VERIFY_ON_POOL_ABOVE), up to 64 a turn
   */
  inlineVerify?: () => boolean;
  /** Work one link and one origin may cause (flood-limits.ts). @default DEFAULT_FLOOD_LIMITS */
  limits?: Partial<FloodLimits>;
  /** Where limits are reported (rate-limited). */
  logger?: Logger;
}
