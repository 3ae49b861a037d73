/**
 * What the page does not do yet, and the safety code (PROTOCOL.md §20), computed here exactly as a
 * node computes it, so a phone and a terminal show the same six groups. Read markers are sent by nodes
 * only for now. Private rooms (§19) are in private-room-methods.ts, pinned keys in trust-methods.ts,
 * files (§21) in page-file-methods.ts.
 */
import type { ConversationRef, PeerInfo, SafetyCode } from '../../daemon/chat-api.js';
import { type CryptoProvider, fromHex, safetyCode, UsageError } from '../../wire/index.js';
import type { WebIdentity } from './web-identity.js';

export function pageSafetyCode(
  crypto: Pick<CryptoProvider, 'sha256'>,
  identity: WebIdentity,
  peer: PeerInfo,
): SafetyCode {
  if (peer.id === identity.idHex)
    throw new UsageError('INVALID_ARGUMENT', 'that is this page: a safety code compares two keys');
  const code = safetyCode(crypto, identity.id, fromHex(peer.id));
  return { peer, code, ownFingerprint: identity.fingerprint };
}

export function notInTheBrowserYet(what: string): never {
  throw new UsageError('USAGE', `${what} is not available in the browser yet`);
}

/** The ChatApi methods the page answers with "not yet" (or nothing): WebPeer extends this. */
export abstract class NodeOnlyMethods {
  /** The page sends no read markers yet, so what is on screen changes nothing on the wire. */
  async setShownConversation(_ref: ConversationRef | null): Promise<void> {}
  // files (§21): page-file-methods.ts; private rooms (§19): private-room-methods.ts
}
