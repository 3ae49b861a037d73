/** Nicks and room names as a person types them: checked, normalised, and the default nick. */
import { userInfo } from 'node:os';
import { NICK_PATTERN, ROOM_PATTERN, UsageError } from '../wire/index.js';

export function defaultNick(): string {
  let name = 'anon';
  try {
    name = userInfo().username;
  } catch {
    // no user database entry: keep the default
  }
  const clean = [...name]
    .filter((c) => NICK_PATTERN.test(c))
    .join('')
    .slice(0, 32);
  return clean || 'anon';
}

export function checkNick(nick: string): string {
  if (!NICK_PATTERN.test(nick)) {
    throw new UsageError('INVALID_ARGUMENT', `bad nick "${nick}": 1 to 32 letters, digits, "_", "-" or "."`);
  }
  return nick;
}

export function checkRoom(room: string): string {
  const name = room.replace(/^#/, '').toLowerCase();
  if (!ROOM_PATTERN.test(name)) {
    throw new UsageError(
      'INVALID_ARGUMENT',
      `bad room "${room}": 1 to 48 lower-case letters, digits, "_", "-" or "."`,
    );
  }
  return name;
}
