/**
 * What the page does not do yet, and trust's one part it does. The safety code (PROTOCOL.md §20) is
 * computed here exactly as a node computes it, so a phone and a terminal show the same six groups.
 * Pinned keys, read markers, files (§21) and private rooms (§19) are kept by nodes only for now; the page says so with a
 * UsageError rather than pretending.
 */
import type { ConversationRef, PeerInfo, PrivateRoomInfo, SafetyCode } from '../../daemon/chat-api.js';
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
  async trustPeer(_query: string): Promise<PeerInfo> {
    return notInTheBrowserYet('trusting a new key');
  }
  async verifyPeer(_query: string): Promise<PeerInfo> {
    return notInTheBrowserYet('marking a key verified');
  }
  /** The page sends no read markers yet, so what is on screen changes nothing on the wire. */
  async setShownConversation(_ref: ConversationRef | null): Promise<void> {}
  // files (§21): page-file-methods.ts
  // private rooms (PROTOCOL.md §19): a page neither derives room keys nor opens sealed rooms yet
  async joinPrivateRoom(_room: string, _passphrase: string): Promise<void> {
    return notInTheBrowserYet('joining a private room');
  }
  async rekeyRoom(_room: string, _passphrase: string): Promise<void> {
    return notInTheBrowserYet('rekeying a private room');
  }
  async privateRooms(): Promise<PrivateRoomInfo[]> {
    return [];
  }
}
