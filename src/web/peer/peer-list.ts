/**
 * Who the page knows: peers learned from their signed presence (nick, X25519 key, rooms) and the node
 * it is linked to, as the ChatApi's PeerInfo. A peer is online while linked or heard within 75 s, as
 * the reference shows it; while the page has no link it hears nobody, and PeerInfo shows every peer
 * offline (a stale "online" in /list or /whois would say someone can be reached who cannot).
 */
import type { PeerInfo, TrustState } from '../../daemon/chat-api.js';
import {
  type CryptoProvider,
  fingerprint,
  fromHex,
  type NodeIdHex,
  type PresenceBefore,
  type PresencePayload,
  toHex,
} from '../../wire/index.js';
import type { PagePins } from './page-pins.js';

/** A peer not heard from for this long is shown offline. */
export const OFFLINE_AFTER_MS = 75_000;

export interface KnownPeer {
  id: NodeIdHex;
  fingerprint: string;
  nick: string;
  xkey: Uint8Array | null;
  rooms: string[];
  lastSeen: number | null;
  /** ts of the last presence taken, to drop replays. */
  presenceTs: number | null;
  left: boolean;
  addresses: string[];
  foundBy: PeerInfo['foundBy'];
}

export class PeerList {
  private readonly peers = new Map<NodeIdHex, KnownPeer>();
  /** The node the page is linked to now, and the link's round-trip time. */
  linked: { id: NodeIdHex; rttMs: () => number | null } | null = null;

  constructor(
    private readonly crypto: Pick<CryptoProvider, 'sha256'>,
    /** Pinned keys (§20): a nick's first key; absent where the page keeps none. */
    private readonly pins?: PagePins,
  ) {}

  /** A key signed something with a nick: pinned when the nick is new; what the key is to it. */
  observe(nick: string, id: NodeIdHex): TrustState | null {
    return this.pins?.observe(nick, id) ?? null;
  }

  get(id: NodeIdHex): KnownPeer | undefined {
    return this.peers.get(id);
  }

  all(): KnownPeer[] {
    return [...this.peers.values()];
  }

  /** The entry of `id`, made when first seen. */
  upsert(id: NodeIdHex, nick: string, foundBy: PeerInfo['foundBy'][number]): KnownPeer {
    let peer = this.peers.get(id);
    if (!peer) {
      peer = {
        id,
        fingerprint: fingerprint(this.crypto, fromHex(id)),
        nick,
        xkey: null,
        rooms: [],
        lastSeen: null,
        presenceTs: null,
        left: false,
        addresses: [],
        foundBy: [],
      };
      this.peers.set(id, peer);
    }
    if (!peer.foundBy.includes(foundBy)) peer.foundBy.push(foundBy);
    return peer;
  }

  /** Takes a verified presence; false for a replay of an older one while the peer is around. */
  takePresence(
    payload: PresencePayload,
    now: number,
  ): { peer: KnownPeer; wasOnline: boolean; before: PresenceBefore } | null {
    const id = toHex(payload.from);
    const known = this.peers.get(id);
    if (known?.presenceTs != null && payload.ts <= known.presenceTs && this.isOnline(known, now)) return null;
    const peer = this.upsert(id, payload.nick, 'presence');
    const wasOnline = this.isOnline(peer, now);
    // For the chat's lines, online by its presence alone: the node the page links to counts as online
    // by the link, and a page that linked to a node up for a while (whose latest presence is `here`)
    // showed every other peer joining but not that one.
    const heard = !peer.left && peer.lastSeen !== null && now - peer.lastSeen < OFFLINE_AFTER_MS;
    const before = { wasOnline: heard, announced: peer.presenceTs !== null && !peer.left, rooms: peer.rooms };
    peer.nick = payload.nick;
    this.pins?.observe(payload.nick, id, now);
    peer.xkey = Uint8Array.from(payload.xkey);
    peer.rooms = [...payload.rooms];
    peer.presenceTs = payload.ts;
    peer.left = payload.event === 'leave';
    peer.lastSeen = peer.left ? null : now;
    return { peer, wasOnline, before };
  }

  /** The peers online in `room` by their presence (the page is not in its own list). */
  membersOnline(room: string, now = Date.now()): NodeIdHex[] {
    return this.all()
      .filter((p) => p.rooms.includes(room) && this.isOnline(p, now))
      .map((p) => p.id);
  }

  isOnline(peer: KnownPeer, now: number): boolean {
    if (this.linked?.id === peer.id) return true;
    return !peer.left && peer.lastSeen !== null && now - peer.lastSeen < OFFLINE_AFTER_MS;
  }

  info(peer: KnownPeer, now: number): PeerInfo {
    const linked = this.linked?.id === peer.id;
    return {
      id: peer.id,
      fingerprint: peer.fingerprint,
      nick: peer.nick,
      addresses: [...peer.addresses],
      linked,
      online: this.linked !== null && this.isOnline(peer, now),
      foundBy: [...peer.foundBy],
      rttMs: linked ? this.linked!.rttMs() : null,
      lastSeen: peer.lastSeen,
      rooms: [...peer.rooms],
      lastError: null,
      ...this.pins?.fields(peer.nick, peer.id),
    };
  }
}
