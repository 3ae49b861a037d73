/** Nicks and room names as a person types them, checked and normalised the same in a node and a page. */
import { NICK_PATTERN, ROOM_PATTERN } from './constants.js';
import { UsageError } from './errors.js';
import { isPrivateRoomId } from './private-room.js';

export function checkNick(nick: string): string {
  if (!NICK_PATTERN.test(nick)) {
    throw new UsageError('INVALID_ARGUMENT', `bad nick "${nick}": 1 to 32 letters, digits, "_", "-" or "."`);
  }
  return nick;
}

export function checkRoom(room: string): string {
  const name = room.replace(/^#/, '').toLowerCase();
  // An opaque id stands for a private room on the wire (PROTOCOL.md §19): no plain room takes one.
  if (!ROOM_PATTERN.test(name) || isPrivateRoomId(name)) {
    throw new UsageError(
      'INVALID_ARGUMENT',
      `bad room "${room}": 1 to 48 lower-case letters, digits, "_", "-" or "."`,
    );
  }
  return name;
}
