/** The history store's SQL, prepared once per connection. */
import type { Db } from './store-schema.js';
import { COLUMNS } from './store-rows.js';

export type Statements = ReturnType<typeof prepareAll>;

export function prepareAll(db: Db) {
  const inRange = 'scope = ? AND ts BETWEEN ? AND ?';
  return {
    insert: db.prepare(
      `INSERT INTO messages (${COLUMNS}, h0, h1, h2, h3, shown_ts)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO NOTHING`,
    ),
    has: db.prepare('SELECT 1 FROM messages WHERE id = ?').pluck(),
    shownTs: db.prepare('SELECT shown_ts FROM messages WHERE id = ?').pluck(),
    get: db.prepare(`SELECT ${COLUMNS} FROM messages WHERE id = ?`),
    markDelivered: db.prepare(
      `UPDATE messages SET status = 'delivered'
       WHERE id = ? AND own = 1 AND peer = ? AND status IS NOT 'delivered'`,
    ),
    countAll: db.prepare('SELECT COUNT(*) FROM messages').pluck(),
    countScope: db.prepare('SELECT COUNT(*) FROM messages WHERE scope = ?').pluck(),
    // Walks the index from one distinct scope to the next instead of scanning every row.
    scopes: db
      .prepare(
        `WITH RECURSIVE s(scope) AS (
           SELECT MIN(scope) FROM messages
           UNION ALL
           SELECT (SELECT MIN(scope) FROM messages WHERE scope > s.scope) FROM s WHERE s.scope IS NOT NULL
         ) SELECT scope FROM s WHERE scope IS NOT NULL`,
      )
      .pluck(),
    pruneAge: db.prepare('DELETE FROM messages WHERE scope = ? AND ts < ?'),
    pruneCount: db.prepare(
      `DELETE FROM messages WHERE seq IN (
         SELECT seq FROM messages WHERE scope = ? ORDER BY ts DESC, id DESC LIMIT -1 OFFSET ?)`,
    ),
    // SUM over < 2^31 rows of 32-bit values cannot overflow SQLite's 64-bit integers; the mask keeps
    // the result exact in a JavaScript number.
    digest: db
      .prepare(
        `SELECT COUNT(*), COALESCE(SUM(h0), 0) & 4294967295, COALESCE(SUM(h1), 0) & 4294967295,
                COALESCE(SUM(h2), 0) & 4294967295, COALESCE(SUM(h3), 0) & 4294967295
         FROM messages WHERE ${inRange}`,
      )
      .raw(),
    rangeCount: db.prepare(`SELECT COUNT(*) FROM messages WHERE ${inRange}`).pluck(),
    rangeIds: db.prepare(`SELECT id FROM messages WHERE ${inRange} ORDER BY ts, id`).pluck(),
    quantiles: db
      .prepare(
        `SELECT ts FROM (
           SELECT ts, ROW_NUMBER() OVER (ORDER BY ts, id) AS rank FROM messages WHERE ${inRange}
         ) WHERE (rank - 1) % ? = 0`,
      )
      .pluck(),
    signed: db.prepare('SELECT payload, sig FROM messages WHERE id = ? AND scope = ?'),
    signedRoomById: db.prepare('SELECT payload, sig FROM messages WHERE id = ? AND room IS NOT NULL'),
    pendingCount: db.prepare('SELECT COUNT(*) FROM fts_pending').pluck(),
    indexPending: db.prepare(
      `INSERT INTO messages_fts (rowid, text)
       SELECT m.seq, m.text FROM fts_pending p JOIN messages m ON m.seq = p.seq`,
    ),
    clearPending: db.prepare('DELETE FROM fts_pending'),
  };
}
