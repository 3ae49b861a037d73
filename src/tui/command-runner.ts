/**
 * What each slash command does, against the ChatApi. Results and failures become system lines in the
 * shown conversation; a failure is one line that says what went wrong and, where it helps, what to do.
 */
import type { PeerInfo } from '../daemon/index.js';
import type { ControllerPort } from './controller-port.js';
import { COMMANDS, findCommand, type Command } from './commands.js';
import { describeError, errorCode } from './errors.js';
import { runFileCommand } from './file-commands.js';
import { formatDateTime, formatRtt, plural } from './format.js';
import { sanitizeLabel, sanitizeText } from '../wire/index.js';
import { joinPrivate, privateRoomsLine, rekeyPrivate } from './private-room-commands.js';
export { privateRoomEventLine } from './private-room-commands.js';
import { preferNewKey, runTrustCommand, whoisTrustLines } from './trust-commands.js';

/** One line for a failed peer lookup (resolvePeer throws UNKNOWN_PEER or AMBIGUOUS_PEER). */
export function peerLookupError(query: string, err: unknown): string {
  switch (errorCode(err)) {
    case 'UNKNOWN_PEER':
      return `no known peer matches "${query}" (see /peers)`;
    case 'AMBIGUOUS_PEER': {
      const detail = describeError(err);
      const extra = /^several known peers match$/i.test(detail) ? '' : ` (${detail})`;
      return `"${query}" matches several peers${extra}: use a fingerprint instead (see /peers)`;
    }
    default:
      return `could not look up "${query}": ${describeError(err)}`;
  }
}

/** How a peer is reached, in words. */
export function linkDescription(peer: PeerInfo): string {
  if (peer.linked) return `linked directly${peer.rttMs !== null ? `, rtt ${formatRtt(peer.rttMs)}` : ''}`;
  if (peer.online) return 'through the mesh';
  return 'offline';
}

/** Keys, as /help lists them. */
export const KEY_HELP = [
  'keys: Tab completes nicks and commands (again to cycle) · Up/Down recall lines · PgUp/PgDn scroll',
  'Alt+Enter starts a new line in the message · a message holds at most 4,000 characters (Enter twice splits a longer one)',
  'Ctrl+N/Ctrl+P or Alt+1..9 switch conversations · Ctrl+A/E/U/K/W edit · Ctrl+C or Ctrl+D (empty line) quit',
];

export async function runCommand(controller: ControllerPort, command: Command): Promise<void> {
  const { api, model } = controller;
  // Closing the shown conversation shows another: switch to it properly, so its history loads.
  const showFallback = () => {
    if (model.active) controller.switchTo(model.active);
  };
  const say = (text: string): void => model.system(text, 'info');
  const fail = (text: string): void => model.system(text, 'error');

  const resolve = async (query: string): Promise<PeerInfo | null> => {
    try {
      const peer = await api.resolvePeer(query);
      model.upsertPeer(peer);
      return model.peers.get(peer.id) ?? peer;
    } catch (err) {
      fail(`/${command.name}: ${peerLookupError(query, err)}`);
      return null;
    }
  };

  switch (command.name) {
    case 'help': {
      if (command.topic !== null) {
        const spec = findCommand(command.topic);
        if (!spec) return fail(`no command /${command.topic}; /help lists them`);
        const aliases = spec.aliases.length > 0 ? ` (also /${spec.aliases.join(', /')})` : '';
        return say(`${spec.usage} — ${spec.summary}${aliases}`);
      }
      say('commands:');
      for (const spec of COMMANDS) say(`  ${spec.usage} — ${spec.summary}`);
      say('  //text sends a message that starts with "/"');
      for (const line of KEY_HELP) say(line);
      return;
    }

    case 'nick': {
      try {
        await api.setNick(command.nick);
        if (model.self) model.setSelf({ ...model.self, nick: command.nick });
        say(`you are now known as ${command.nick}`);
      } catch (err) {
        fail(`could not change nick to "${command.nick}": ${describeError(err)}`);
      }
      return;
    }

    case 'join': {
      if (command.key) return joinPrivate(controller, command.room);
      const ref = { kind: 'room' as const, room: command.room };
      const known = model.find(`room:${command.room}`);
      if (known) return controller.switchTo(known);
      try {
        await api.joinRoom(command.room);
      } catch (err) {
        return fail(`could not join #${command.room}: ${describeError(err)}`);
      }
      if (model.status && !model.status.rooms.includes(command.room)) {
        model.status = { ...model.status, rooms: [...model.status.rooms, command.room] };
      }
      const conversation = model.open(ref);
      controller.switchTo(conversation);
      model.system(`joined #${command.room}`, 'join', conversation);
      return;
    }

    case 'leave': {
      const active = model.active;
      if (command.room === null && active?.ref.kind === 'direct') {
        const label = model.label(active);
        if (model.conversations.length === 1)
          return fail(`${label} is the only open conversation; /join a room first`);
        model.close(active.key);
        showFallback();
        return say(`closed the conversation with ${label}`);
      }
      const room = command.room ?? (active?.ref.kind === 'room' ? active.ref.room : null);
      if (room === null) return fail('/leave needs a room name here (usage: /leave [ROOM])');
      const conversation = model.find(`room:${room}`);
      if (!conversation) return fail(`you are not in #${room} (/rooms lists yours)`);
      if (model.conversations.length === 1) {
        return fail(`#${room} is your only conversation: /join another room first, or /quit`);
      }
      try {
        await api.leaveRoom(room);
      } catch (err) {
        return fail(`could not leave #${room}: ${describeError(err)}`);
      }
      if (model.status)
        model.status = { ...model.status, rooms: model.status.rooms.filter((r) => r !== room) };
      model.close(conversation.key);
      showFallback();
      return say(`left #${room}`);
    }

    case 'rooms': {
      let rooms: string[];
      try {
        const status = await api.status();
        model.status = status;
        rooms = status.rooms;
      } catch (err) {
        return fail(`could not list rooms: ${describeError(err)}`);
      }
      if (rooms.length === 0) return say('you are in no room (/join ROOM)');
      const shown = model.active?.ref;
      const parts = rooms.map((room) => {
        const peers = [...model.peers.values()].filter((p) => p.online && p.rooms.includes(room)).length;
        const current = shown?.kind === 'room' && shown.room === room ? ', shown' : '';
        return `#${sanitizeLabel(room)} (${plural(peers, 'peer')}${current})`;
      });
      say(`rooms: ${parts.join(', ')}`);
      const directs = model.conversations.filter((c) => c.ref.kind === 'direct').map((c) => model.label(c));
      if (directs.length > 0) say(`direct: ${directs.join(', ')}`);
      return privateRoomsLine(controller);
    }

    case 'rekey':
      return rekeyPrivate(controller, command.room);

    case 'list':
      return listRooms(controller);

    case 'topic': {
      const active = model.active;
      if (active?.ref.kind !== 'room') return fail('/topic works in a room: switch to one first');
      const room = active.ref.room;
      if (command.text === null) {
        const held = model.topics.get(room);
        if (!held?.topic) return say(`#${room} has no topic (/topic TEXT sets one)`);
        return say(`topic of #${room}: ${held.topic} (set by ${held.nick}, ${formatDateTime(held.ts)})`);
      }
      const topic = command.text === '-' ? '' : command.text;
      try {
        await api.setTopic(room, topic);
      } catch (err) {
        return fail(`could not set the topic of #${room}: ${describeError(err)}`);
      }
      return;
    }

    case 'msg': {
      const peer = await resolve(command.target);
      if (!peer) return;
      const ref = { kind: 'direct' as const, peer: peer.id };
      const sent = await controller.sendText(command.text, { ref });
      if (sent && model.activeKey !== `direct:${peer.id}`) {
        say(`→ @${peer.nick}: ${sanitizeText(command.text)}`);
      }
      return;
    }

    case 'dm': {
      const peer = await resolve(command.target);
      if (!peer) return;
      controller.switchTo(model.open({ kind: 'direct', peer: peer.id }));
      return;
    }

    case 'web': {
      let url: string | null | undefined;
      try {
        const status = await api.status();
        model.status = status;
        url = status.web;
      } catch (err) {
        return fail(`could not ask the node for its web page: ${describeError(err)}`);
      }
      if (!url) return say('this node serves no web page (it was started with --no-web)');
      say(`web page: ${url} — open it in a browser on the same network, or scan this with a phone:`);
      if (!controller.qrCode) return;
      try {
        for (const line of await controller.qrCode(url)) say(line);
      } catch (err) {
        fail(`could not draw the QR code: ${describeError(err)}`);
      }
      return;
    }

    case 'back': {
      const previous = model.previousKey ? model.find(model.previousKey) : undefined;
      if (!previous) return fail('there is no previous conversation');
      return controller.switchTo(previous);
    }

    case 'peers': {
      let peers: PeerInfo[];
      try {
        peers = await api.peers();
      } catch (err) {
        return fail(`could not list peers: ${describeError(err)}`);
      }
      for (const peer of peers) model.upsertPeer(peer);
      const clean = peers.map((p) => model.peers.get(p.id) ?? p);
      if (clean.length === 0) return say('no peers known yet');
      const online = clean.filter((p) => p.online).length;
      const linked = clean.filter((p) => p.linked).length;
      say(`peers: ${online} online, ${linked} linked, ${clean.length} known`);
      for (const peer of clean) {
        const rooms = peer.rooms.length > 0 ? ` · in #${peer.rooms.join(', #')}` : '';
        const mark = peer.trust === 'verified' ? ' ✓ verified' : peer.trust === 'new-key' ? ' NEW KEY' : '';
        say(`  ${peer.nick} ${peer.fingerprint}${mark} — ${linkDescription(peer)}${rooms}`);
      }
      return;
    }

    case 'whois': {
      const peer = await resolve(preferNewKey(controller, command.target));
      if (!peer) return;
      say(`${peer.nick} ${peer.fingerprint}`);
      say(`  id: ${peer.id}`);
      say(`  addresses: ${peer.addresses.length > 0 ? peer.addresses.join(', ') : 'none known'}`);
      say(`  found by: ${peer.foundBy.length > 0 ? peer.foundBy.join(', ') : 'unknown'}`);
      say(`  link: ${linkDescription(peer)}`);
      say(`  rtt: ${peer.rttMs !== null ? formatRtt(peer.rttMs) : 'not linked'}`);
      if (peer.rooms.length > 0) say(`  rooms: #${peer.rooms.join(', #')}`);
      if (peer.lastSeen !== null) say(`  last seen: ${formatDateTime(peer.lastSeen)}`);
      if (peer.lastError !== null) say(`  last link error: ${peer.lastError}`);
      for (const line of whoisTrustLines(controller, peer)) say(line);
      return;
    }

    case 'me':
      await controller.sendText(command.text, { action: true });
      return;

    case 'clear':
      model.active?.clear();
      return;

    case 'search': {
      const active = model.active;
      if (!active) return fail('no conversation to search');
      const scope = active.ref.kind === 'room' ? { room: active.ref.room } : { peer: active.ref.peer };
      try {
        const found = await api.history({ ...scope, search: command.text, limit: 50 });
        const where = model.label(active);
        if (found.length === 0) return say(`search "${command.text}" in ${where}: no messages match`);
        model.system(`search "${command.text}" in ${where}: ${plural(found.length, 'message')}`, 'search');
        for (const m of found) {
          const text = sanitizeText(m.text);
          const name = sanitizeLabel(m.nick);
          const nick = model.nickIsShared(name, m.from) ? `${name} ${model.fingerprintOf(m.from)}` : name;
          model.system(`${formatDateTime(m.ts)} ${m.action ? `* ${nick}` : `<${nick}>`} ${text}`, 'search');
        }
      } catch (err) {
        fail(`search failed: ${describeError(err)}`);
      }
      return;
    }

    case 'send':
    case 'get':
    case 'files':
      return runFileCommand(controller, command);

    case 'quit':
      controller.quit();
      return;

    // trust (PROTOCOL.md §20)
    case 'trust':
    case 'verify':
      return runTrustCommand(controller, command, peerLookupError);
  }
}

/** /list: every room seen on the network (ours, and those in peers' presence) with members and topic. */
async function listRooms(controller: ControllerPort): Promise<void> {
  const { api, model } = controller;
  let mine: string[];
  let peers: PeerInfo[];
  try {
    mine = (await api.status()).rooms;
    peers = await api.peers();
  } catch (err) {
    return model.system(`could not list rooms: ${describeError(err)}`, 'error');
  }
  const members = new Map<string, number>();
  for (const room of mine) members.set(room, 1);
  for (const peer of peers) {
    if (!peer.online) continue;
    for (const room of new Set(peer.rooms)) members.set(room, (members.get(room) ?? 0) + 1);
  }
  const rooms = [...members.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  model.system(`rooms on the network: ${rooms.length}`, 'info');
  for (const [room, count] of rooms) {
    const name = sanitizeLabel(room);
    const here = mine.includes(room) ? ', you are in it' : '';
    const topic = model.topics.get(name)?.topic;
    model.system(`  #${name} — ${plural(count, 'member')}${here}${topic ? ` · ${topic}` : ''}`, 'info');
  }
  model.system('/join ROOM joins one', 'info');
}
