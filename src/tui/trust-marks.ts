/**
 * Trust marks (PROTOCOL.md §20), pure: what a line's key is to its nick now, the NEW KEY warning's
 * words, and how 'read' and "seen by N/M" move an own message forward (never back). Shared by the
 * model, the views and the commands, so it imports nothing of the TUI.
 */
import type { ChatMessage, NodeIdHex, PeerInfo, TrustState } from '../daemon/index.js';

/** What the peers pane, /whois and the history say about a key that took a known nick. */
export function newKeyWarning(nick: string): string {
  return `${nick} — NEW KEY, not the ${nick} you knew`;
}

/**
 * What a message's key is to its nick now: the peer's current state when it still goes by that nick
 * (so /trust and /verify re-mark lines already drawn), else what the node said when it arrived.
 */
export function trustOf(peers: ReadonlyMap<NodeIdHex, PeerInfo>, message: ChatMessage): TrustState | null {
  if (message.own) return null;
  const peer = peers.get(message.from);
  if (peer?.trust && peer.nick.toLowerCase() === message.nick.toLowerCase()) return peer.trust;
  return message.trust ?? null;
}

const STATUS_RANK = { sent: 0, delivered: 1, read: 2 } as const;

/** A message with `incoming`'s status and seen count where they are ahead (never moves back). */
export function mergeProgress(
  held: ChatMessage,
  incoming: Pick<ChatMessage, 'status' | 'seen'>,
): ChatMessage {
  let out = held;
  if (incoming.status && (!held.status || STATUS_RANK[incoming.status] > STATUS_RANK[held.status]))
    out = { ...out, status: incoming.status };
  if (incoming.seen && (!held.seen || incoming.seen.count > held.seen.count))
    out = { ...out, seen: incoming.seen };
  return out;
}
