/**
 * Reads a node's history database directly, read-only, for `konnect history` when no node runs for the
 * data directory. It never writes, migrates or moves the file aside (that is the node's job when it
 * starts), so a damaged or foreign file is reported and left exactly as it was.
 */
import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { nodeCrypto } from '../../crypto-node/index.js';
import { fingerprint, fromHex, KonnectError, StorageError, UsageError } from '../../wire/index.js';
import type { ChatMessage, HistoryQuery, PeerInfo } from '../chat-api.js';
import { ftsQuery, MAX_HISTORY_LIMIT } from './store.js';
import type { Row as StoredRow } from './store-rows.js';
import { SCHEMA_VERSION, type Db } from './store-schema.js';

/** The columns a history query reads (store-rows.ts has the whole row). */
type Row = Omit<StoredRow, 'scope' | 'received_at' | 'payload' | 'sig'>;

export class HistoryReader {
  private constructor(
    private readonly db: Db,
    private readonly file: string,
  ) {}

  /** Opens `file` read-only; a sentence saying why when it is missing, foreign or of another version. */
  static open(file: string): HistoryReader {
    if (!existsSync(file)) {
      throw new KonnectError(
        'NO_DAEMON',
        `no node runs for this data directory and it holds no history yet (${file} does not exist)`,
      );
    }
    let db: Db | undefined;
    try {
      db = new Database(file, { readonly: true, fileMustExist: true });
      const version = db.pragma('user_version', { simple: true }) as number;
      if (version !== SCHEMA_VERSION) {
        throw new StorageError(
          'DATABASE_UNAVAILABLE',
          `the history database ${file} has schema version ${version}, this konnect reads ${SCHEMA_VERSION}; start a node (konnect daemon) to bring it up to date`,
        );
      }
      db.function('konnect_matches', { deterministic: true }, (text, search) =>
        matchesSearch(String(text), String(search)) ? 1 : 0,
      );
      return new HistoryReader(db, file);
    } catch (err) {
      db?.close();
      throw readError(file, err);
    }
  }

  /** The same answer as a node's history query (newest `limit`, oldest first), in one page. */
  history(q: Omit<HistoryQuery, 'before'>): ChatMessage[] {
    const limit = q.limit ?? 100;
    if (!Number.isSafeInteger(limit) || limit < 0 || limit > MAX_HISTORY_LIMIT) {
      throw new UsageError('INVALID_ARGUMENT', `history: limit must be from 0 to ${MAX_HISTORY_LIMIT}`);
    }
    const where: string[] = [];
    const params: unknown[] = [];
    if (q.room !== undefined || q.peer !== undefined) {
      where.push('m.scope = ?');
      params.push(q.room !== undefined ? `room:${q.room}` : `dm:${q.peer}`);
    }
    if (q.search !== undefined) {
      const match = ftsQuery(q.search);
      if (match === null || limit === 0) return [];
      // Rows still waiting to be indexed (store.ts indexes in batches, which a read-only reader cannot
      // do) are matched in JavaScript the way FTS5 would match them, so the newest messages are found too.
      where.push(
        `(m.seq IN (SELECT rowid FROM messages_fts WHERE messages_fts MATCH ?)
          OR (m.seq IN (SELECT seq FROM fts_pending) AND konnect_matches(m.text, ?)))`,
      );
      params.push(match, q.search);
    }
    const filter = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
    const rows = this.read(
      () =>
        this.db
          .prepare(
            `SELECT id, room, peer, origin, nick, ts, text, action, own, status, via, future
             FROM messages m ${filter} ORDER BY m.shown_ts DESC, m.id DESC LIMIT ?`,
          )
          .all(...params, limit) as Row[],
    );
    return rows.reverse().map(toChat);
  }

  /**
   * The peers of the stored direct conversations, each with the nick it last wrote under: enough for
   * resolvePeerQuery to find `--with NICK` without a node's peer table.
   */
  conversationPeers(): PeerInfo[] {
    return this.read(() => {
      const peers = this.db
        .prepare(`SELECT DISTINCT peer FROM messages WHERE scope >= 'dm:' AND scope < 'dm;'`)
        .pluck()
        .all() as string[];
      const lastNick = this.db
        .prepare('SELECT nick FROM messages WHERE scope = ? AND origin = ? ORDER BY ts DESC LIMIT 1')
        .pluck();
      return peers.map((id) => ({
        id,
        fingerprint: fingerprint(nodeCrypto, fromHex(id)),
        nick: (lastNick.get(`dm:${id}`, id) as string | undefined) ?? id.slice(0, 8),
        addresses: [],
        linked: false,
        online: false,
        foundBy: [],
        rttMs: null,
        lastSeen: null,
        rooms: [],
        lastError: null,
      }));
    });
  }

  /** A stored message's signed payload bytes (a private room's rows are opened from them). */
  payloadOf(id: string): Uint8Array | undefined {
    return this.read(
      () =>
        this.db.prepare('SELECT payload FROM messages WHERE id = ?').pluck().get(id) as Buffer | undefined,
    );
  }

  close(): void {
    this.db.close();
  }

  private read<T>(fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      throw readError(this.file, err);
    }
  }
}

function readError(file: string, err: unknown): Error {
  if (err instanceof KonnectError) return err;
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB')) {
    return new StorageError(
      'DATABASE_CORRUPT',
      `the history database ${file} is damaged or not a konnect database; start a node (konnect daemon) to move it aside and begin a new one`,
      { cause: err },
    );
  }
  const reason = err instanceof Error ? err.message : String(err);
  return new StorageError('DATABASE_UNAVAILABLE', `cannot read the history database ${file}: ${reason}`, {
    cause: err,
  });
}

/**
 * Whether `text` holds every word of `search` as FTS5 with `unicode61 remove_diacritics 2` finds it
 * (store-schema.ts): letters and digits make tokens, case and diacritics are ignored, and a word with
 * punctuation inside is a phrase of consecutive tokens.
 */
export function matchesSearch(text: string, search: string): boolean {
  const tokens = tokenize(text);
  return search
    .split(/\s+/)
    .filter((w) => /[\p{L}\p{N}]/u.test(w))
    .every((word) => {
      const phrase = tokenize(word);
      for (let i = 0; i + phrase.length <= tokens.length; i++) {
        if (phrase.every((t, j) => tokens[i + j] === t)) return true;
      }
      return false;
    });
}

function tokenize(s: string): string[] {
  return s
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
}

function toChat(r: Row): ChatMessage {
  return {
    id: r.id,
    room: r.room,
    peer: r.peer,
    direct: r.room === null,
    from: r.origin,
    nick: r.nick,
    ts: r.ts,
    text: r.text,
    action: r.action === 1,
    own: r.own === 1,
    status: r.status,
    via: r.via,
    future: r.future === 1,
  };
}
