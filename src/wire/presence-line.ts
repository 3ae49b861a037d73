/**
 * Which presence a chat shows as a line (PROTOCOL.md §10): a peer coming online ("joined"), leaving,
 * or renaming. A `join` from a peer whose presence was already taken and that has been online since,
 * in the same rooms, says nothing new: a page reloaded or opened in another tab, or a node back from
 * a crash before anyone saw it go, used to print "dana joined #lobby" once more each time, with no
 * "left" between. A peer first heard of by its link's hello still gets its line when its presence
 * comes.
 */
import type { PresencePayload } from './payloads.js';

export interface PresenceBefore {
  /** The peer counted as online before this presence (linked, or heard within 75 s). */
  wasOnline: boolean;
  /** A presence of it had been taken before this one, and it was not a `leave`. */
  announced: boolean;
  /** Its rooms before this presence. */
  rooms: readonly string[];
}

export function presenceLine(
  payload: Pick<PresencePayload, 'event' | 'rooms'>,
  before: PresenceBefore,
): 'join' | 'leave' | 'nick' | null {
  const { event, rooms } = payload;
  if (event === 'leave' || event === 'nick') return event;
  if (!before.wasOnline) return 'join';
  if (event === 'here') return null;
  if (!before.announced) return 'join';
  const same = before.rooms.length === rooms.length && rooms.every((r) => before.rooms.includes(r));
  return same ? null : 'join';
}
