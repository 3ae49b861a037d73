/**
 * The plain-text lines of `konnect history`. A nick alone does not say who wrote a line (nicks are not
 * unique, keys are), so the fingerprint is shown wherever the nick is shared: another key the node
 * knows goes by it, or another key in the listed messages wrote under it.
 */
import type { ChatMessage, NodeIdHex } from '../daemon/index.js';
import { fingerprint, fromHex, sanitizeLabel, sanitizeText } from '../wire/index.js';
import { nodeCrypto } from '../crypto-node/index.js';

/** A key and the nick the node knows it by (peers, and the node itself). */
export interface KnownNick {
  id: NodeIdHex;
  nick: string;
}

/** `YYYY-MM-DD HH:MM:SS` in UTC; a timestamp no Date can hold (a wild clock) is printed as a number. */
export function formatTime(ts: number): string {
  const date = new Date(ts);
  return Number.isNaN(date.getTime()) ? `@${ts}` : date.toISOString().replace('T', ' ').slice(0, 19);
}

function fingerprintOf(id: string): string {
  return /^[0-9a-f]{64}$/.test(id) ? fingerprint(nodeCrypto, fromHex(id)) : id.slice(0, 8);
}

/**
 * One line per message (a message with line breaks continues on lines indented under its nick).
 * Everything a peer wrote or claimed is stripped of control characters and escape sequences: a message
 * must not be able to drive the user's terminal.
 */
export function formatHistory(messages: ChatMessage[], known: KnownNick[] = []): string[] {
  const keysByNick = new Map<string, Set<string>>();
  const note = (nick: string, id: string): void => {
    const key = sanitizeLabel(nick).toLowerCase();
    const keys = keysByNick.get(key) ?? new Set<string>();
    keys.add(id);
    keysByNick.set(key, keys);
  };
  for (const k of known) note(k.nick, k.id);
  for (const m of messages) note(m.nick, m.from);
  return messages.map((m) => {
    const name = sanitizeLabel(m.nick);
    const shared = (keysByNick.get(name.toLowerCase())?.size ?? 0) > 1;
    const nick = shared ? `${name} ${fingerprintOf(m.from)}` : name;
    const head = `${formatTime(m.ts)} ${m.direct ? '(direct)' : `#${sanitizeLabel(m.room ?? '')}`} `;
    const mark = m.own && m.direct ? (m.status === 'delivered' ? ' ✓✓' : ' ✓') : '';
    const lines = sanitizeText(m.text, { keepNewlines: true }).split('\n');
    const first = m.action ? `${head}* ${nick} ${lines[0]}` : `${head}<${nick}> ${lines[0]}`;
    const indent = ' '.repeat(head.length);
    return [first, ...lines.slice(1).map((line) => indent + line)].join('\n') + mark;
  });
}
