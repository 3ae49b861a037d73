/**
 * The ChatApi's trust methods of the page (PROTOCOL.md §20): /trust re-pins a nick to a peer's key,
 * /verify marks the key verified once two people compared the safety code (computed in page-safety-code.ts
 * exactly as a node computes it). The pins are the page's own, in IndexedDB (page-pins.ts).
 */
import type { PeerInfo } from '../../daemon/chat-api.js';
import { UsageError } from '../../wire/index.js';
import { FileMethods } from './page-file-methods.js';
import type { PagePins } from './page-pins.js';
import type { WebIdentity } from './web-identity.js';

export interface PageTrustParts {
  pins: PagePins;
  identity: WebIdentity;
}

export abstract class TrustMethods extends FileMethods {
  protected readonly pagePins: PagePins;
  private readonly selfId: string;
  abstract resolvePeer(query: string): Promise<PeerInfo>;

  constructor(parts: PageTrustParts) {
    super();
    this.pagePins = parts.pins;
    this.selfId = parts.identity.idHex;
  }

  /** Accepts a peer's key for its nick (after a NEW KEY warning). */
  async trustPeer(query: string): Promise<PeerInfo> {
    const peer = await this.resolvePeer(query);
    await this.pagePins.trust(peer.nick, peer.id);
    return { ...peer, ...this.pagePins.fields(peer.nick, peer.id) };
  }

  /** Marks a peer's key verified: the safety codes matched. */
  async verifyPeer(query: string): Promise<PeerInfo> {
    const peer = await this.resolvePeer(query);
    if (peer.id === this.selfId)
      throw new UsageError('INVALID_ARGUMENT', 'that is this page: verify another peer');
    await this.pagePins.verify(peer.nick, peer.id);
    return { ...peer, ...this.pagePins.fields(peer.nick, peer.id) };
  }
}
