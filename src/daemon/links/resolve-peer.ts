/**
 * Finds the one peer a person means by a nick, a fingerprint or an id prefix. Nicks are not unique and
 * anyone can take any nick, so several matches are an error that lists them, never a silent pick.
 */
import { UsageError } from '../../wire/index.js';
import type { PeerInfo } from '../chat-api.js';

export function resolvePeerQuery(peers: PeerInfo[], query: string): PeerInfo {
  const q = query.trim().replace(/^@/, '');
  if (!q) throw new UsageError('UNKNOWN_PEER', 'no peer named');
  const lower = q.toLowerCase();
  const exact = peers.filter((p) => p.id === lower || p.fingerprint === lower);
  if (exact.length === 1) return exact[0];
  let matches = peers.filter((p) => p.nick.toLowerCase() === lower);
  if (matches.length === 0 && /^[0-9a-f]{4,64}$/.test(lower))
    matches = peers.filter((p) => p.id.startsWith(lower));
  if (matches.length === 0 && /^[a-z2-7]{4}-?[a-z2-7]{0,4}$/.test(lower)) {
    matches = peers.filter((p) => p.fingerprint.replace('-', '').startsWith(lower.replace('-', '')));
  }
  if (matches.length === 1) return matches[0];
  if (matches.length === 0) throw new UsageError('UNKNOWN_PEER', `no known peer matches "${q}"`);
  const list = matches.map((p) => `${p.nick} (${p.fingerprint})`).join(', ');
  throw new UsageError(
    'AMBIGUOUS_PEER',
    `"${q}" matches ${matches.length} peers: ${list}; name one by fingerprint`,
  );
}
