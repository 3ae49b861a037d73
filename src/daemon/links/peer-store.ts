/**
 * The peer table on disk (DATA_DIR/peers.json), so a node that restarts, even after a crash and even
 * without its --peer flags, redials the nodes it knew. Only what a peer proved or what we confirmed is
 * kept (nick, keys, listening addresses, how it was found, when it was last seen); the file is written
 * whole to a temporary file and renamed over the old one, mode 0600. A file that cannot be read is
 * moved aside with a warning and the node starts with an empty table: it is a cache, never a reason
 * not to start.
 */
import { readFileSync, renameSync } from 'node:fs';
import { NICK_PATTERN, type NodeIdHex } from '../../wire/index.js';
import { parseHostPort } from './addresses.js';
import type { Logger } from '../logger.js';
import { writePrivateFileAtomic } from '../profile-store.js';
import {
  type FoundBy,
  MAX_ADDRESSES,
  MAX_PEERS,
  type PeerEntry,
  type PeerTable,
  type StoredPeer,
} from './peer-table.js';

export type { StoredPeer } from './peer-table.js';

export const PEER_FILE_VERSION = 1;
/** A peer not seen for this long is left out of the file. @default 30 days */
export const FORGET_PEER_AFTER_MS = 30 * 24 * 60 * 60 * 1000;
/**
 * Peers the file holds at most, the most recently seen: a quarter of the table, so peers restored at
 * start (which proved themselves once and are never evicted for hints) leave room for new ones.
 */
export const MAX_STORED_PEERS = MAX_PEERS / 4;
/** How often the table is compared with what was last written. @default 5000 */
export const PEER_SAVE_INTERVAL_MS = 5000;

const FOUND_BY: readonly FoundBy[] = ['static', 'exchange', 'mdns', 'inbound', 'presence'];

export class PeerStore {
  /** The table as last written, without lastSeen (which changes with every frame). */
  private lastKey: string | null = null;
  private lastCheck = -Infinity;
  private writeFailureLogged = false;

  constructor(
    readonly file: string,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /** Fills `table` from the file; returns how many peers were restored. Never throws. */
  load(table: PeerTable): number {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
      this.logger.warn(
        `could not read the peer list ${this.file} (${(err as Error).message}); starting without the peers it held`,
      );
      return 0;
    }
    let records: StoredPeer[];
    try {
      records = parsePeerFile(text);
    } catch (err) {
      const aside = `${this.file}.corrupt-${this.now()}`;
      let moved = '';
      try {
        renameSync(this.file, aside);
        moved = `; it was moved to ${aside}`;
      } catch {
        // left where it is: the next save replaces it
      }
      this.logger.warn(
        `the peer list ${this.file} is unreadable (${(err as Error).message})${moved}; starting without the peers it held`,
      );
      return 0;
    }
    let restored = 0;
    for (const record of records) if (table.restore(record)) restored++;
    this.lastKey = snapshotKey(snapshot(table, this.now()));
    return restored;
  }

  /**
   * Writes the table if what is kept of it changed since the last write; at most once per
   * PEER_SAVE_INTERVAL_MS unless `force` (at stop).
   */
  save(table: PeerTable, force = false): void {
    const now = this.now();
    if (!force && now - this.lastCheck < PEER_SAVE_INTERVAL_MS) return;
    this.lastCheck = now;
    const records = snapshot(table, now);
    const key = snapshotKey(records);
    if (key === this.lastKey && !force) return;
    try {
      writePrivateFileAtomic(
        this.file,
        JSON.stringify({ version: PEER_FILE_VERSION, peers: records }, null, 1) + '\n',
      );
      this.lastKey = key;
      this.writeFailureLogged = false;
    } catch (err) {
      if (!this.writeFailureLogged) {
        this.writeFailureLogged = true;
        this.logger.warn(`could not write the peer list ${this.file}: ${(err as Error).message}`);
      }
    }
  }
}

/** What of the table is kept: peers that proved themselves or that we reached, seen recently. */
export function snapshot(table: PeerTable, now: number): StoredPeer[] {
  let kept = table.all().filter((entry) => worthKeeping(entry, now));
  if (kept.length > MAX_STORED_PEERS) {
    kept = kept.sort((a, b) => (lastHeard(b) ?? -1) - (lastHeard(a) ?? -1)).slice(0, MAX_STORED_PEERS);
    // Back in table order, so the file changes only when who is kept changes, not who was seen last.
    const order = new Map(table.all().map((entry, i) => [entry.id, i]));
    kept.sort((a, b) => order.get(a.id)! - order.get(b.id)!);
  }
  const records: StoredPeer[] = [];
  for (const entry of kept) {
    records.push({
      id: entry.id,
      nick: entry.nick,
      nickSigned: entry.nickSigned,
      xkey: entry.xkey ? Buffer.from(entry.xkey).toString('hex') : null,
      addresses: entry.addresses.slice(0, MAX_ADDRESSES),
      foundBy: [...entry.foundBy],
      lastSeen: lastHeard(entry),
    });
  }
  return records;
}

/** When we last had a link to the peer or its presence: a peer known only through the mesh counts too. */
function lastHeard(entry: PeerEntry): number | null {
  if (entry.lastSeen === null) return entry.presenceAt;
  return entry.presenceAt === null ? entry.lastSeen : Math.max(entry.lastSeen, entry.presenceAt);
}

function worthKeeping(entry: PeerEntry, now: number): boolean {
  if (entry.addresses.length === 0) return false;
  const heard = lastHeard(entry);
  // A bare hint from peer exchange proves nothing: a hostile peer could fill our file with it.
  if (!entry.nickSigned && entry.xkey === null && heard === null) return false;
  return heard === null || now - heard <= FORGET_PEER_AFTER_MS;
}

function snapshotKey(records: StoredPeer[]): string {
  return JSON.stringify(records.map((r) => ({ ...r, lastSeen: undefined })));
}

/** Parses and checks a peer file; throws on a file that is not one, skips single bad records. */
export function parsePeerFile(text: string): StoredPeer[] {
  const data: unknown = JSON.parse(text);
  if (typeof data !== 'object' || data === null || !Array.isArray((data as { peers?: unknown }).peers)) {
    throw new Error('not a konnect peer list');
  }
  const version = (data as { version?: unknown }).version;
  if (version !== PEER_FILE_VERSION) throw new Error(`unsupported peer list version ${String(version)}`);
  const out: StoredPeer[] = [];
  for (const raw of (data as { peers: unknown[] }).peers.slice(0, MAX_PEERS)) {
    const record = checkRecord(raw);
    if (record) out.push(record);
  }
  return out.slice(0, MAX_STORED_PEERS);
}

function checkRecord(raw: unknown): StoredPeer | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const r = raw as Record<string, unknown>;
  if (typeof r.id !== 'string' || !/^[0-9a-f]{64}$/.test(r.id)) return null;
  const addresses = Array.isArray(r.addresses)
    ? r.addresses.filter((a): a is string => typeof a === 'string' && parseHostPort(a) !== null)
    : [];
  if (addresses.length === 0) return null;
  const nick = typeof r.nick === 'string' && NICK_PATTERN.test(r.nick) ? r.nick : 'unknown';
  return {
    id: r.id as NodeIdHex,
    nick,
    nickSigned: r.nickSigned === true && nick !== 'unknown',
    xkey: typeof r.xkey === 'string' && /^[0-9a-f]{64}$/.test(r.xkey) ? r.xkey : null,
    addresses: addresses.slice(0, MAX_ADDRESSES),
    foundBy: Array.isArray(r.foundBy)
      ? [...new Set(r.foundBy.filter((f): f is FoundBy => FOUND_BY.includes(f as FoundBy)))]
      : [],
    lastSeen: typeof r.lastSeen === 'number' && Number.isFinite(r.lastSeen) ? r.lastSeen : null,
  };
}
