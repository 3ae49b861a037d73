/**
 * Who the person is across restarts: the nick, the rooms joined and the direct conversations open in
 * the UI, kept in `profile.json` in the data directory. Without it a restarted node came back under
 * the login name in the default room. Written whole to a temporary file and renamed over the old one
 * (mode 0600), so a crash mid-write leaves the previous profile, never half of one. A file that cannot
 * be read or holds something else is set aside with a warning: the node starts with its defaults.
 */
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { MAX_ROOMS, NICK_PATTERN, ROOM_PATTERN } from '../wire/index.js';
import type { NodeIdHex } from './chat-api.js';
import type { Logger } from './logger.js';

export interface Profile {
  nick?: string;
  rooms?: string[];
  directs?: NodeIdHex[];
}

/** Open direct conversations remembered at most (the oldest opened are dropped first). */
export const MAX_REMEMBERED_DIRECTS = 64;

const NODE_ID = /^[0-9a-f]{64}$/;

/** Writes `text` to `file` so that readers see the old or the new content whole; mode 0600. */
export function writePrivateFileAtomic(file: string, text: string): void {
  const temp = `${file}.${process.pid}.tmp`;
  const fd = openSync(temp, 'w', 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    renameSync(temp, file);
  } catch (err) {
    try {
      unlinkSync(temp);
    } catch {
      // nothing left to remove
    }
    throw err;
  }
}

/** Reads a JSON file; undefined when there is none, a warning and undefined when it is unreadable. */
export function readJsonFile(file: string, logger: Logger, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
      logger.warn(`could not read ${what} ${file}: ${(err as Error).message}; starting without it`);
    return undefined;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    logger.warn(`${what} ${file} is not valid JSON; starting without it`);
    return undefined;
  }
}

/** Keeps the fields that are valid; anything else in the file is ignored. */
export function parseProfile(value: unknown): Profile {
  const out: Profile = {};
  if (typeof value !== 'object' || value === null) return out;
  const v = value as Record<string, unknown>;
  if (typeof v.nick === 'string' && NICK_PATTERN.test(v.nick)) out.nick = v.nick;
  if (Array.isArray(v.rooms)) {
    const rooms = v.rooms.filter((r): r is string => typeof r === 'string' && ROOM_PATTERN.test(r));
    if (rooms.length > 0) out.rooms = [...new Set(rooms)].slice(0, MAX_ROOMS);
  }
  if (Array.isArray(v.directs)) {
    out.directs = [
      ...new Set(v.directs.filter((d): d is string => typeof d === 'string' && NODE_ID.test(d))),
    ].slice(-MAX_REMEMBERED_DIRECTS);
  }
  return out;
}

export class ProfileStore {
  private last = '';

  constructor(
    readonly file: string,
    private readonly logger: Logger,
  ) {}

  load(): Profile {
    const profile = parseProfile(readJsonFile(this.file, this.logger, 'profile'));
    this.last = JSON.stringify(profile);
    return profile;
  }

  /** Saves the profile when it changed; a failure is logged (the node goes on with it in memory). */
  save(profile: Profile): void {
    const text = JSON.stringify(profile);
    if (text === this.last) return;
    try {
      writePrivateFileAtomic(this.file, text + '\n');
      this.last = text;
    } catch (err) {
      this.logger.warn(`could not save the profile to ${this.file}: ${(err as Error).message}`);
    }
  }
}
