/** The lines the chat shows for what happens on the mesh: links, presence, names as they are shown. */
import type { ChatEvent, ChatMessage, ConversationRef, NodeStatus } from '../daemon/index.js';
import { sanitizeLabel } from '../wire/index.js';
import type { ChatModel } from './chat-model.js';
import type { Conversation } from './conversation.js';
import { plural } from './format.js';

/** How a peer is named in a line: its nick, with its fingerprint when another key has the same nick. */
export function nameFor(model: ChatModel, id: string, nick: string): string {
  // The peer table follows /nick; a link's event may carry the nick its hello had.
  const clean = model.peers.get(id)?.nick || sanitizeLabel(nick) || model.nickOf(id);
  return model.nickIsShared(clean, id) ? `${clean} ${model.fingerprintOf(id)}` : clean;
}

export function linkLine(
  model: ChatModel,
  event: Extract<ChatEvent, { type: 'link:up' | 'link:down' }>,
): void {
  if (event.type === 'link:up') {
    const peer = model.peers.get(event.peer);
    if (peer) model.upsertPeer({ ...peer, linked: true, online: true });
    model.system(`link up with ${nameFor(model, event.peer, event.nick)}`, 'link');
    return;
  }
  const peer = model.peers.get(event.peer);
  if (peer) model.upsertPeer({ ...peer, linked: false, rttMs: null });
  const reason = sanitizeLabel(event.reason);
  model.system(
    `link lost with ${nameFor(model, event.peer, event.nick)}${reason ? ` (${reason})` : ''}`,
    'link',
  );
}

export function presenceLines(model: ChatModel, event: Extract<ChatEvent, { type: 'presence' }>): void {
  const nick = sanitizeLabel(event.nick);
  const rooms = event.rooms.map(sanitizeLabel);
  const inRooms = model.conversations.filter((c) => c.ref.kind === 'room' && rooms.includes(c.ref.room));
  const direct = model.find(`direct:${event.peer}`);
  if (event.event === 'nick') {
    const peer = model.peers.get(event.peer);
    if (peer) model.upsertPeer({ ...peer, nick: event.nick });
    const oldNick = sanitizeLabel(event.oldNick ?? '');
    // The nick left behind may be another key's too: then only the fingerprint says which one renamed.
    const old = !oldNick
      ? '(someone)'
      : model.nickIsShared(oldNick, event.peer)
        ? `${oldNick} ${model.fingerprintOf(event.peer)}`
        : oldNick;
    const targets = direct ? [...inRooms, direct] : inRooms;
    for (const c of targets.length > 0 ? targets : [model.active]) {
      model.system(`${old} is now known as ${nameFor(model, event.peer, nick)}`, 'nick', c);
    }
    return;
  }
  const fingerprint = model.fingerprintOf(event.peer);
  for (const c of inRooms) {
    const room = c.ref.kind === 'room' ? `#${c.ref.room}` : '';
    const text =
      event.event === 'join'
        ? `${nick} (${fingerprint}) joined ${room}`
        : `${nick} (${fingerprint}) left ${room}`;
    model.system(text, event.event === 'join' ? 'join' : 'leave', c);
  }
}

export function conversationForScope(model: ChatModel, scope: string): Conversation | undefined {
  const name = sanitizeLabel(scope).replace(/^(room:|#)/, '');
  return model.conversations.find((c) => c.ref.kind === 'room' && c.ref.room === name);
}

/** The conversation a message belongs to (null: one that names none). */
export function refOf(message: ChatMessage): ConversationRef | null {
  if (message.direct) {
    const peer = message.peer ?? (message.own ? null : message.from);
    return peer ? { kind: 'direct', peer } : null;
  }
  return message.room !== null ? { kind: 'room', room: message.room } : null;
}

/** The node's status changed (a nick, a room joined here or by another client of the node). */
export function statusChanged(model: ChatModel, status: NodeStatus): void {
  model.status = status;
  // A room joined from elsewhere (another client of the same node) gets its conversation.
  for (const room of status.rooms) model.open({ kind: 'room', room });
  model.setSelf({
    id: status.id,
    nick: status.nick,
    fingerprint: status.fingerprint,
  });
}

/** "caught up N messages from bob", in the conversation synced (or the one on screen); that conversation. */
export function syncLine(
  model: ChatModel,
  event: Extract<ChatEvent, { type: 'sync' }>,
): Conversation | undefined {
  const target = conversationForScope(model, event.scope);
  const from = nameFor(model, event.peer, event.nick);
  model.system(`caught up ${plural(event.count, 'message')} from ${from}`, 'sync', target ?? model.active);
  return target;
}
