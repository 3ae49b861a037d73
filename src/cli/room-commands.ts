/**
 * `konnect join ROOM` and `konnect leave ROOM`: rooms from a script or a second terminal, through the
 * running node's control socket. The node remembers its rooms across restarts (profile.json).
 */
import { UsageError } from '../wire/index.js';
import type { ChatApi } from '../daemon/index.js';
import type { ParsedArgs } from './args.js';

type Out = (line: string) => void;

export async function runRoomCommand(api: ChatApi, args: ParsedArgs, out: Out): Promise<void> {
  const verb = args.command === 'join' ? 'join' : 'leave';
  if (args.positionals.length !== 1)
    throw new UsageError('USAGE', `konnect ${verb} takes one room name: konnect ${verb} ROOM`);
  const room = args.positionals[0].replace(/^#+/, '').toLowerCase();
  const before = (await api.status()).rooms;
  if (verb === 'join') {
    if (before.includes(room)) return out(`already in #${room}`);
    await api.joinRoom(room);
    return out(`joined #${room}`);
  }
  await api.leaveRoom(room);
  out(`left #${room}`);
}
