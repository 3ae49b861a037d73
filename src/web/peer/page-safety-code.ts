/**
 * The safety code (PROTOCOL.md §20) in the page, computed exactly as a node computes it, so a phone and
 * a terminal show the same six groups.
 */
import type { PeerInfo, SafetyCode } from '../../daemon/chat-api.js';
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
