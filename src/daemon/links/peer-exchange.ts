/**
 * Peer exchange (`peers` link messages): each node tells its neighbours whom it knows to be online,
 * so a node given one --peer learns the rest of the mesh. Sent when a link comes up and whenever the
 * peer table has changed since the last list sent on that link. A leaf (a browser) is told too, so
 * its page can move to another node, but is never announced and never listened to.
 */
import { fromHex, MAX_PEERS_PER_EXCHANGE, type PeerRecord, toHex } from '../../wire/index.js';
import type { Clock } from '../../clock/index.js';
import { parseHostPort } from './addresses.js';
import type { Link } from './link.js';
import type { PeerTable } from './peer-table.js';

export class PeerExchange {
  /** The peer table's version when a list was last sent on each link. */
  private readonly sentVersion = new WeakMap<Link, number>();

  constructor(
    private readonly peers: PeerTable,
    private readonly clock: Clock,
  ) {}

  /** Whether the table changed since the last list sent on this link. */
  stale(link: Link): boolean {
    return this.sentVersion.get(link) !== this.peers.version;
  }

  /** Tells a neighbour whom we know to be online (with their addresses). */
  send(link: Link): void {
    const now = this.clock.now();
    this.sentVersion.set(link, this.peers.version);
    const records: PeerRecord[] = [];
    for (const entry of this.peers.all()) {
      // A leaf (a browser) is never announced: nobody is to dial it.
      if (entry.id === link.remoteIdHex || entry.addresses.length === 0 || entry.link?.leaf) continue;
      if (!this.peers.isOnline(entry, now)) continue;
      records.push({
        id: fromHex(entry.id),
        addrs: entry.addresses.slice(0, 8),
        nick: entry.nick === 'unknown' ? undefined : entry.nick,
      });
      if (records.length >= MAX_PEERS_PER_EXCHANGE) break;
    }
    if (records.length > 0) link.send({ kind: 'peers', peers: records });
  }

  /** A neighbour's list: candidates for the overlay, never proof that a peer is there. */
  take(records: PeerRecord[], from: Link): void {
    // A leaf (a browser) accepts no links and is no witness of the overlay: nobody dials on its word.
    if (from.leaf) return;
    for (const record of records) {
      const addresses = record.addrs.filter((a) => parseHostPort(a) !== null);
      if (addresses.length === 0) continue;
      this.peers.upsert(toHex(record.id), { nick: record.nick, addresses, foundBy: 'exchange' });
    }
  }
}
