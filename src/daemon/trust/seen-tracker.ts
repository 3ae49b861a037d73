/**
 * "Seen by N/M" for own room messages (PROTOCOL.md §20): M is fixed when the message is sent (the
 * room's members online then), N counts those whose latest seen marker is at or past the message.
 * Pure state, no I/O: the marker service feeds it and tells the UI what changed.
 */
import type { NodeIdHex } from '../../wire/index.js';
import { comparePositions, type Position } from './marker-batcher.js';

/** Own room messages followed at most (the oldest are forgotten first). */
export const MAX_TRACKED_MESSAGES = 1024;
/** Members' positions remembered at most per room. */
export const MAX_MEMBERS_PER_ROOM = 1024;

export interface SeenCount {
  count: number;
  of: number;
}

interface Tracked {
  room: string;
  position: Position;
  members: Set<NodeIdHex>;
  count: number;
}

export class SeenTracker {
  private readonly positions = new Map<string, Map<NodeIdHex, Position>>();
  private readonly own = new Map<string, Tracked>();

  /** An own message was sent to `room` while `members` were online there. */
  track(id: string, room: string, ts: number, members: NodeIdHex[]): SeenCount {
    const entry: Tracked = { room, position: { ts, id }, members: new Set(members), count: 0 };
    for (const m of entry.members) if (this.holds(room, m, entry.position)) entry.count++;
    this.own.set(id, entry);
    if (this.own.size > MAX_TRACKED_MESSAGES) this.own.delete(this.own.keys().next().value!);
    return { count: entry.count, of: entry.members.size };
  }

  get(id: string): SeenCount | null {
    const entry = this.own.get(id);
    return entry ? { count: entry.count, of: entry.members.size } : null;
  }

  /**
   * A member's seen marker; the own messages whose count changed. A member's position only moves
   * forward, so a count changes only by this member, and only for the messages between its old
   * position (exclusive) and its new one: one comparison or two per tracked message, not a recount
   * of every member (a seen marker comes from every member of the room every second).
   */
  update(room: string, member: NodeIdHex, position: Position): { id: string; count: number; of: number }[] {
    let members = this.positions.get(room);
    if (!members) this.positions.set(room, (members = new Map()));
    const before = members.get(member);
    if (before && comparePositions(position, before) <= 0) return [];
    if (!before && members.size >= MAX_MEMBERS_PER_ROOM) return [];
    members.set(member, position);
    const changed: { id: string; count: number; of: number }[] = [];
    for (const [id, entry] of this.own) {
      if (entry.room !== room || !entry.members.has(member)) continue;
      if (comparePositions(position, entry.position) < 0) continue; // not reached yet
      if (before && comparePositions(before, entry.position) >= 0) continue; // counted already
      entry.count++;
      changed.push({ id, count: entry.count, of: entry.members.size });
    }
    return changed;
  }

  private holds(room: string, member: NodeIdHex, position: Position): boolean {
    const at = this.positions.get(room)?.get(member);
    return at !== undefined && comparePositions(at, position) >= 0;
  }
}
