/** The client subcommands (status, peers, send, history): talk to a running daemon and print. */
import { sanitizeLabel, UsageError } from '../wire/index.js';
import type { ChatApi, ChatMessage, HistoryQuery, PeerInfo } from '../daemon/index.js';
import { intFlag, type ParsedArgs } from './args.js';
import { formatHistory, type KnownNick } from './history-format.js';
import { runRoomCommand } from './room-commands.js';

type Out = (line: string) => void;

export async function runClientCommand(api: ChatApi, args: ParsedArgs, out: Out): Promise<void> {
  const v = args.values;
  const json = v.json === true;
  switch (args.command) {
    case 'status': {
      const s = await api.status();
      if (json) return out(JSON.stringify(s));
      out(`${s.nick} (${s.fingerprint})  id ${s.id}`);
      out(
        `listening on ${s.host}:${s.port}  rooms ${s.rooms.join(', ')}  links ${s.links}  peers online ${s.peers}  mDNS ${s.mdns ? 'on' : 'off'}`,
      );
      out(`data ${s.dataDir}  konnect ${s.version} protocol ${s.protocol}`);
      out(s.web ? `web page ${s.web}` : 'web page off (--no-web)');
      return;
    }
    case 'peers': {
      const all = await api.peers();
      const shown = v.all ? all : all.filter((p) => p.online);
      if (json) return out(JSON.stringify(shown));
      if (shown.length === 0)
        return out(v.all ? 'no peers known yet' : 'no peers online (konnect peers --all lists known ones)');
      for (const p of shown) out(formatPeer(p));
      return;
    }
    case 'send': {
      const text = args.positionals.join(' ');
      if (!text.trim())
        throw new UsageError('USAGE', 'nothing to send: konnect send [--room NAME | --to NICK] TEXT');
      const rooms = (v.room as string[] | undefined) ?? [];
      if (rooms.length > 1) throw new UsageError('USAGE', 'send takes one --room');
      if (v.to && rooms.length) throw new UsageError('USAGE', 'use --room or --to, not both');
      let message: ChatMessage;
      if (v.to) {
        const peer = await api.resolvePeer(v.to as string);
        message = await api.send({ kind: 'direct', peer: peer.id }, text);
      } else {
        const room = rooms[0] ?? (await api.status()).rooms[0];
        message = await api.send({ kind: 'room', room }, text);
      }
      out(json ? JSON.stringify({ id: message.id }) : message.id);
      return;
    }
    case 'history':
      return runHistory(
        {
          history: (q) => api.history(q),
          resolvePeer: (q) => api.resolvePeer(q),
          defaultRoom: async () => (await api.status()).rooms[0],
          knownNicks: () => knownNicks(api),
        },
        args,
        out,
      );
    case 'join':
    case 'leave':
      return runRoomCommand(api, args, out);
    default:
      throw new UsageError('USAGE', `not a client command: ${args.command}`);
  }
}

/** Where `konnect history` reads from: a running node, or the database itself when none runs. */
export interface HistorySource {
  history(query: HistoryQuery): Promise<ChatMessage[]>;
  resolvePeer(query: string): Promise<PeerInfo>;
  /** The room shown when none is named. */
  defaultRoom(): Promise<string>;
  /** Who is known by which nick, so a shared nick is told apart by its fingerprint. */
  knownNicks(): Promise<KnownNick[]>;
}

export async function runHistory(source: HistorySource, args: ParsedArgs, out: Out): Promise<void> {
  const v = args.values;
  const json = v.json === true;
  const rooms = (v.room as string[] | undefined) ?? [];
  if (rooms.length > 1) throw new UsageError('USAGE', 'history takes one --room');
  if (v.with && rooms.length) throw new UsageError('USAGE', 'use --room or --with, not both');
  const limit = intFlag(v.limit, 'limit', 1, 10_000) ?? 50;
  const search = v.search as string | undefined;
  let messages: ChatMessage[];
  if (v.with) {
    const peer = await source.resolvePeer(v.with as string);
    messages = await source.history({ peer: peer.id, limit, search });
  } else {
    const room = rooms[0] ?? (search ? undefined : await source.defaultRoom());
    messages = await source.history({ room, limit, search });
  }
  if (json) {
    return out(
      JSON.stringify(
        messages.map((m) => ({
          id: m.id,
          ...(m.direct ? { direct: true, peer: m.peer } : { room: m.room }),
          from: m.from,
          nick: m.nick,
          ts: m.ts,
          text: m.text,
          action: m.action,
          own: m.own,
          status: m.status,
          via: m.via,
        })),
      ),
    );
  }
  for (const line of formatHistory(messages, await source.knownNicks())) out(line);
}

// Everything a peer wrote or claimed is stripped of control characters and escape sequences before
// it reaches the terminal, as in the UI: a message must not be able to drive the user's terminal.
function formatPeer(p: PeerInfo): string {
  const state = p.linked
    ? `linked${p.rttMs !== null ? ` ${p.rttMs} ms` : ''}`
    : p.online
      ? 'via mesh'
      : 'offline';
  const err = !p.linked && p.lastError ? `  last error: ${sanitizeLabel(p.lastError)}` : '';
  const addresses = p.addresses.map(sanitizeLabel).join(' ') || '-';
  // Trust (PROTOCOL.md §20): a key other than the one pinned for the nick, or a verified one.
  const trust =
    p.trust === 'new-key'
      ? '  NEW KEY (not the key pinned for this nick)'
      : p.trust === 'verified'
        ? '  verified'
        : '';
  return `${sanitizeLabel(p.nick).padEnd(16)} ${p.fingerprint}  ${state.padEnd(14)} ${addresses}  found by ${p.foundBy.join(',') || '-'}${trust}${err}`;
}

/** Who the node knows by which nick, so history can tell a shared nick apart (none if it cannot say). */
async function knownNicks(api: ChatApi): Promise<KnownNick[]> {
  try {
    const [status, peers] = await Promise.all([api.status(), api.peers()]);
    return [{ id: status.id, nick: status.nick }, ...peers.map((p) => ({ id: p.id, nick: p.nick }))];
  } catch {
    return [];
  }
}
