/**
 * `--room-key-file FILE` (or `ROOM=FILE` when several --room are given): the passphrases of the private
 * rooms a node joins at start, each the first line of a file, so none is typed on a command line
 * (where `ps` would show it). Read and checked before anything is written; the passphrase is handed
 * to the node, which keeps only the derived key.
 */
import { readFileSync } from 'node:fs';
import { UsageError } from '../wire/index.js';
import { checkRoom } from '../daemon/index.js';

/** Room name → passphrase, from the flags' values; `rooms` are the --room values given. */
export function readRoomKeyFiles(values: readonly string[], rooms: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  const named = rooms.map(checkRoom);
  for (const value of values) {
    const eq = value.indexOf('=');
    const prefix = eq > 0 ? value.slice(0, eq).replace(/^#/, '').toLowerCase() : null;
    let room: string;
    let file: string;
    if (prefix !== null && named.includes(prefix)) {
      room = prefix;
      file = value.slice(eq + 1);
    } else if (named.length === 1) {
      room = named[0];
      file = value;
    } else {
      throw new UsageError(
        'USAGE',
        `--room-key-file ${value}: say which room it is for with ROOM=FILE, ROOM one of the --room given`,
      );
    }
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new UsageError('USAGE', `--room-key-file: cannot read ${file}: ${(err as Error).message}`);
    }
    const passphrase = text.split(/\r?\n/)[0];
    if (passphrase === '')
      throw new UsageError('USAGE', `--room-key-file: the first line of ${file} is empty`);
    if (out.has(room)) throw new UsageError('USAGE', `--room-key-file: two files for #${room}`);
    out.set(room, passphrase);
  }
  return out;
}
