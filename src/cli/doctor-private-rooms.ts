/**
 * What `konnect doctor` says of private rooms (PROTOCOL.md §19): the ones this node joined, by name
 * (with how many of their messages did not open), and the ones seen on the network by opaque id only.
 */
import type { PrivateRoomInfo } from '../daemon/index.js';

export function privateRoomLines(rooms: readonly PrivateRoomInfo[]): string[] {
  if (rooms.length === 0) return [];
  const lines = ['private rooms:'];
  for (const r of rooms.filter((x) => x.room !== null)) {
    const bad =
      r.undecryptable > 0 ? `; ${r.undecryptable} messages did not open (a wrong key somewhere)` : '';
    lines.push(
      `  #${r.room} ${r.ids[0]}${r.joined ? '' : ' (left)'}${r.ids.length > 1 ? `, ${r.ids.length - 1} older keys kept` : ''}${bad}`,
    );
  }
  const unknown = rooms.filter((x) => x.room === null);
  if (unknown.length > 0) {
    lines.push(`  ${unknown.length} private room${unknown.length === 1 ? '' : 's'} you have not joined:`);
    for (const r of unknown) lines.push(`    ${r.ids[0]}`);
  }
  return lines;
}
