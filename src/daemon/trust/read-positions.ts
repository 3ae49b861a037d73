/**
 * How far each peer has read our direct messages to it (PROTOCOL.md §20): one position per peer, in
 * DATA_DIR/reads.json (mode 0600, written whole and renamed), so 'read' survives a restart. Bounded:
 * the peers read longest ago are forgotten first.
 */
import type { NodeIdHex } from '../../wire/index.js';
import type { Logger } from '../logger.js';
import { readJsonFile, writePrivateFileAtomic } from '../profile-store.js';
import { comparePositions, type Position } from './marker-batcher.js';

/** Peers remembered at most. */
export const MAX_READ_PEERS = 1024;

const NODE_ID = /^[0-9a-f]{64}$/;
const MESSAGE_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export class ReadPositions {
  private readonly positions = new Map<NodeIdHex, Position>();

  constructor(
    private readonly file: string,
    private readonly logger: Logger,
  ) {}

  load(): void {
    const value = readJsonFile(this.file, this.logger, 'read markers') as { reads?: unknown } | undefined;
    const reads = value && typeof value === 'object' ? value.reads : undefined;
    if (!reads || typeof reads !== 'object') return;
    for (const [peer, raw] of Object.entries(reads as Record<string, unknown>)) {
      const at = raw as Partial<Position> | null;
      if (!NODE_ID.test(peer) || !at || typeof at.ts !== 'number' || typeof at.id !== 'string') continue;
      if (MESSAGE_ID.test(at.id)) this.positions.set(peer, { ts: at.ts, id: at.id });
    }
  }

  get(peer: NodeIdHex): Position | undefined {
    return this.positions.get(peer);
  }

  /** Moves a peer's position forward and saves; false when it was not ahead. */
  advance(peer: NodeIdHex, at: Position): boolean {
    const before = this.positions.get(peer);
    if (before && comparePositions(at, before) <= 0) return false;
    this.positions.delete(peer); // re-inserted last: the map's order is the order of reading
    this.positions.set(peer, at);
    if (this.positions.size > MAX_READ_PEERS) this.positions.delete(this.positions.keys().next().value!);
    try {
      writePrivateFileAtomic(
        this.file,
        `${JSON.stringify({ version: 1, reads: Object.fromEntries(this.positions) })}\n`,
      );
    } catch (err) {
      this.logger.warn(`could not save read markers: ${(err as Error).message}`);
    }
    return true;
  }
}
