/**
 * Everything this node knows about other nodes: nick, keys, listening addresses, how each was found,
 * whether it is linked or heard through the mesh, and why the last dial failed. The link manager and
 * the router write it; the API reads it as PeerInfo.
 */
import { fingerprint, fromHex, type NodeIdHex } from '../wire/index.js';
import type { PeerInfo } from './chat-api.js';
import type { Link } from './link.js';

export type FoundBy = PeerInfo['foundBy'][number];

export interface PeerEntry {
  id: NodeIdHex;
  fingerprint: string;
  nick: string;
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
  left: boolean;
}

/** A peer heard through the mesh within this window counts as online. @default 75 s (2.5 presence periods) */
export const PRESENCE_TTL_MS = 75_000;

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

  /** Adds or updates a peer; returns undefined for our own id. */
  upsert(
    id: NodeIdHex,
    update: { nick?: string; address?: string; addresses?: string[]; foundBy?: FoundBy },
  ): PeerEntry | undefined {
    if (id === this.selfId) return undefined;
    let entry = this.peers.get(id);
    if (!entry) {
      entry = {
        id,
        fingerprint: fingerprint(fromHex(id)),
        nick: update.nick ?? 'unknown',
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
        left: false,
      };
      this.peers.set(id, entry);
      this.version++;
    }
    if (update.nick && update.nick !== entry.nick) entry.nick = update.nick;
    for (const address of [...(update.addresses ?? []), ...(update.address ? [update.address] : [])]) {
      if (!entry.addresses.includes(address)) {
        entry.addresses.push(address);
        if (entry.addresses.length > 8) entry.addresses.shift();
        this.version++;
      }
    }
    if (update.foundBy && !entry.foundBy.includes(update.foundBy)) entry.foundBy.push(update.foundBy);
    return entry;
  }

  /** Moves a confirmed address to the front so it is dialled first next time. */
  confirmAddress(entry: PeerEntry, address: string): void {
    entry.addresses = [address, ...entry.addresses.filter((a) => a !== address)].slice(0, 8);
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
