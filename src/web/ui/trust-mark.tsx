/**
 * The mark beside a nick for what its key is to that nick (PROTOCOL.md §20): "NEW KEY" when another
 * key than the one first seen with the nick uses it (until /trust), a tick once its safety code was
 * compared (/verify). Nothing for a known, unverified key: that is the usual case.
 */
import type { TrustState } from '../../daemon/chat-api.js';
import { newKeyWarning } from '../../tui/trust-marks.js';

export function TrustMark({ trust, nick }: { trust: TrustState | null | undefined; nick: string }) {
  if (trust === 'new-key')
    return (
      <span className="trust new-key" data-trust="new-key" title={`${newKeyWarning(nick)} (/whois ${nick})`}>
        NEW KEY
      </span>
    );
  if (trust === 'verified')
    return (
      <span className="trust verified" data-trust="verified" title="verified: safety codes compared">
        ✓
      </span>
    );
  return null;
}
