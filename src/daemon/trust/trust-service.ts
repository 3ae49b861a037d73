/**
 * Pinned keys as the person sees them (PROTOCOL.md §20): every message and peer the node shows passes
 * through here and carries what its key is to its nick, so a second key taking a known nick is marked
 * NEW KEY on the very event that first shows it. Only nicks a key proved (a signed message, hello or
 * presence) are pinned; a nick heard as a hint is shown against the pins but never pinned.
 */
import { type CryptoProvider, fromHex, type NodeIdHex, safetyCode, UsageError } from '../../wire/index.js';
import type { ChatMessage, PeerInfo, SafetyCode, TrustState } from '../chat-api.js';
import type { NodeContext, NodeService } from '../services/index.js';
import { PIN_SAVE_DELAY_MS, PinStore } from './pin-store.js';
import type { Timer } from '../../clock/index.js';

export class TrustService implements NodeService {
  readonly pins: PinStore;
  private saveTimer: Timer | null = null;

  constructor(
    private readonly ctx: NodeContext,
    private readonly crypto: Pick<CryptoProvider, 'sha256'>,
    pinsFile: string,
    private readonly resolve: (query: string) => PeerInfo,
  ) {
    this.pins = new PinStore(pinsFile, ctx.logger);
    this.pins.load();
  }

  start(): void {
    // Our own nick is pinned to our key too: a node taking it is a NEW KEY like any other.
    this.observe(this.ctx.self.nick, this.ctx.identity.idHex);
  }

  close(): void {
    if (this.saveTimer) this.ctx.clock.clearTimeout(this.saveTimer);
    this.saveTimer = null;
    this.pins.saveIfDirty();
  }

  /** A message as shown: another's carries its trust, pinning its nick when new. */
  message(message: ChatMessage): ChatMessage {
    if (message.own) return { ...message, trust: null };
    return { ...message, trust: this.observe(message.nick, message.from) };
  }

  /** A peer as shown: its trust, its nick's pin; a nick it proved is pinned when new. */
  peer(info: PeerInfo): PeerInfo {
    const signed = this.ctx.peerTable.get(info.id)?.nickSigned ?? false;
    const trust = signed ? this.observe(info.nick, info.id) : this.pins.state(info.nick, info.id);
    const pin = this.pins.get(info.nick);
    return {
      ...info,
      trust,
      pinnedKey: pin?.key ?? null,
      firstSeen: pin?.firstSeen ?? null,
      verifiedAt: pin?.key === info.id ? pin.verifiedAt : null,
    };
  }

  trustPeer(query: string): PeerInfo {
    const info = this.resolve(query);
    this.pins.trust(info.nick, info.id, this.ctx.clock.now());
    return this.peer(info);
  }

  safetyCode(query: string): SafetyCode {
    const info = this.resolve(query);
    if (info.id === this.ctx.identity.idHex)
      throw new UsageError('INVALID_ARGUMENT', 'that is this node: a safety code compares two keys');
    const code = safetyCode(this.crypto, this.ctx.identity.id, fromHex(info.id));
    return { peer: this.peer(info), code, ownFingerprint: this.ctx.identity.fingerprint };
  }

  verifyPeer(query: string): PeerInfo {
    const info = this.resolve(query);
    if (info.id === this.ctx.identity.idHex)
      throw new UsageError('INVALID_ARGUMENT', 'that is this node: verify another peer');
    this.pins.verify(info.nick, info.id, this.ctx.clock.now());
    return this.peer(info);
  }

  private observe(nick: string, key: NodeIdHex): TrustState {
    const state = this.pins.observe(nick, key, this.ctx.clock.now());
    if (this.pins.pending && !this.saveTimer) {
      this.saveTimer = this.ctx.clock.setTimeout(() => {
        this.saveTimer = null;
        this.pins.saveIfDirty();
      }, PIN_SAVE_DELAY_MS);
    }
    return state;
  }
}
