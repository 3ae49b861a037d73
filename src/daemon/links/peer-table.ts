/**
 * Everything this node knows about other nodes: nick, keys, listening addresses, how each was found,
 * whether it is linked or heard through the mesh, and why the last dial failed. The link manager and
 * the router write it; the API reads it as PeerInfo.
 */
import { nodeCrypto } from '../../crypto-node/index.js';
import { fingerprint, fromHex, type NodeIdHex } from '../../wire/index.js';
import type { PeerInfo } from '../chat-api.js';
import type { Link } from './link.js';

export type FoundBy = PeerInfo['foundBy'][number];

export interface PeerEntry {
  id: NodeIdHex;
  fingerprint: string;
  nick: string;
  /** The nick came from the peer itself (hello or signed presence), not from a hint. */
  nickSigned: boolean;
  xkey: Uint8Array | null;
  rooms: string[];
  /** Listening addresses, `host:port`, most recently confirmed first. */
  addresses: string[];
  foundBy: FoundBy[];
  link: Link | null;
  /** Last time a presence of this peer arrived (ms); reset when its direct link drops. */
  presenceAt: number | null;
  lastSeen: number | null;
  lastError: string | null;
  /** Consecutive failed dials; reset by a link coming up. */
  failures: number;
  nextDialAt: number;
  /** The latest signed presence flood of this peer, replayed to new links so they learn it at once. */
  presenceFrame: { id: Uint8Array; payload: Uint8Array; sig: Uint8Array } | null;
  /** Origin timestamp of the newest presence accepted: an older one is a replay. */
  presenceTs: number | null;
  left: boolean;
}

/** Peers the table holds at most; past it, a peer that never proved anything makes room. */
export const MAX_PEERS = 1024;
/** Listening addresses kept per peer. */
export const MAX_ADDRESSES = 8;

/** A peer heard through the mesh within this window counts as online. @default 75 s (2.5 presence periods) */
export const PRESENCE_TTL_MS = 75_000;

/** One peer as stored; hex strings for the keys so the file stays readable. */
export interface StoredPeer {
  id: NodeIdHex;
  nick: string;
  nickSigned: boolean;
  xkey: string | null;
  addresses: string[];
  foundBy: FoundBy[];
  lastSeen: number | null;
}

export class PeerTable {
  private readonly peers = new Map<NodeIdHex, PeerEntry>();
  /** Bumped on every change that peer exchange should pass on. */
  version = 0;

  constructor(private readonly selfId: NodeIdHex) {}

  get(id: NodeIdHex): PeerEntry | undefined {
    return this.peers.get(id);
  }

  all(): PeerEntry[] {
    return [...this.peers.values()];
  }

  get size(): number {
    return this.peers.size;
  }

  /**
   * Adds or updates a peer; undefined for our own id, or when the table is full of peers that matter.
   * `signed` marks what the peer itself proved (its hello, its signed presence): only that may set the
   * nick of a peer already named so. Hints (peer exchange, mDNS) can name a new peer and add addresses,
   * never rename one, and addresses are not taken from hints for a peer we are linked to.
   */
  upsert(
    id: NodeIdHex,
    update: { nick?: string; address?: string; addresses?: string[]; foundBy?: FoundBy; signed?: boolean },
  ): PeerEntry | undefined {
    if (id === this.selfId) return undefined;
    let entry = this.peers.get(id);
    if (!entry) {
      if (this.peers.size >= MAX_PEERS && !this.evictOne()) return undefined;
      entry = {
        id,
        fingerprint: fingerprint(nodeCrypto, fromHex(id)),
        nick: update.nick ?? 'unknown',
        nickSigned: false,
        xkey: null,
        rooms: [],
        addresses: [],
        foundBy: [],
        link: null,
        presenceAt: null,
        lastSeen: null,
        lastError: null,
        failures: 0,
        nextDialAt: 0,
        presenceFrame: null,
        presenceTs: null,
        left: false,
      };
      this.peers.set(id, entry);
      this.version++;
    }
    if (update.nick && (update.signed || !entry.nickSigned)) {
      entry.nick = update.nick;
      if (update.signed) entry.nickSigned = true;
    }
    const keepAddresses = !update.signed && entry.link !== null;
    for (const address of keepAddresses
      ? []
      : [...(update.addresses ?? []), ...(update.address ? [update.address] : [])]) {
      if (entry.addresses.includes(address)) continue;
      // Full: the newest hint replaces the last address, never the confirmed one at the front.
      if (entry.addresses.length >= MAX_ADDRESSES) entry.addresses.pop();
      entry.addresses.push(address);
      this.version++;
    }
    if (update.foundBy && !entry.foundBy.includes(update.foundBy)) entry.foundBy.push(update.foundBy);
    return entry;
  }

  /**
   * Takes back a peer from the file (peer-store.ts) at start: offline, never dialled yet, so the
   * overlay redials it. What it proved before (its nick, its keys) it keeps.
   */
  restore(record: StoredPeer): PeerEntry | undefined {
    const entry = this.upsert(record.id, {
      nick: record.nick === 'unknown' ? undefined : record.nick,
      addresses: record.addresses,
      signed: record.nickSigned,
    });
    if (!entry) return undefined;
    for (const method of record.foundBy) if (!entry.foundBy.includes(method)) entry.foundBy.push(method);
    if (record.xkey && !entry.xkey) entry.xkey = Uint8Array.from(Buffer.from(record.xkey, 'hex'));
    entry.lastSeen ??= record.lastSeen;
    return entry;
  }

  /** Drops one peer that never proved anything and is not around: hints cannot fill the table. */
  private evictOne(): boolean {
    for (const [id, p] of this.peers) {
      if (!p.link && !p.nickSigned && p.presenceAt === null) {
        this.peers.delete(id);
        return true;
      }
    }
    return false;
  }

  /** Moves a confirmed address to the front so it is dialled first next time. */
  /** A link to `link`'s node came up (its hello proven): the entry learns what the hello said. */
  linkUp(
    link: Link,
    listenAddress: string | undefined,
    foundBy: FoundBy | undefined,
    confirm: boolean,
    now: number,
  ): PeerEntry | undefined {
    const hello = link.remoteHello!;
    const entry = this.upsert(link.remoteIdHex!, {
      nick: hello.nick,
      signed: true,
      address: listenAddress,
      foundBy,
    });
    if (!entry) return undefined;
    entry.link = link;
    entry.xkey = hello.xkey;
    entry.rooms = hello.rooms;
    entry.failures = 0;
    entry.lastError = null;
    entry.left = false;
    entry.lastSeen = now;
    if (listenAddress && confirm) this.confirmAddress(entry, listenAddress);
    return entry;
  }

  confirmAddress(entry: PeerEntry, address: string): void {
    entry.addresses = [address, ...entry.addresses.filter((a) => a !== address)].slice(0, MAX_ADDRESSES);
  }

  isOnline(entry: PeerEntry, now: number): boolean {
    if (entry.link) return true;
    return !entry.left && entry.presenceAt !== null && now - entry.presenceAt <= PRESENCE_TTL_MS;
  }

  /** Peers that matter for the overlay: online, or never failed yet, or with few recent failures. */
  eligible(now: number): PeerEntry[] {
    return this.all().filter(
      (p) => p.link || this.isOnline(p, now) || (!p.left && p.failures < 3 && p.addresses.length > 0),
    );
  }

  info(entry: PeerEntry, now: number): PeerInfo {
    return {
      id: entry.id,
      fingerprint: entry.fingerprint,
      nick: entry.nick,
      addresses: [...entry.addresses],
      linked: entry.link !== null,
      online: this.isOnline(entry, now),
      foundBy: [...entry.foundBy],
      rttMs: entry.link?.rttMs ?? null,
      lastSeen: entry.lastSeen,
      rooms: [...entry.rooms],
      lastError: entry.lastError,
    };
  }
}
