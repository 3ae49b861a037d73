/**
 * The ChatApi as a method table: for each method, where its arguments travel in a request and the
 * schema they must match. Every transport of the ChatApi (the control socket; next, the web) serves a
 * ChatApi and derives its client from this one table, so a new ChatApi method is the interface, its row
 * here (the compiler asks for it) and its implementation; no transport changes.
 *
 * The schemas check shape and bound size; the node checks meaning (a room name's pattern, a text's
 * length, a node id's form) with its own clearer messages, so the bounds here are loose on purpose.
 */
import {
  type Check,
  list,
  object,
  optional,
  text,
  uint,
  bool,
  WireError,
  isPlainObject,
} from '../../wire/index.js';
import type { ChatApi, ConversationRef } from '../chat-api.js';
import { arg, call, events, fields, type MethodTable } from './method-table.js';

/** Longest name-like argument (room, nick, peer query, node id) the node is asked to judge. */
const NAME_CHARS = 1024;
/** Longest free text (a message, a topic, a search) the node is asked to judge. */
const TEXT_CHARS = 64 * 1024;
/** Most peers remembered as open direct conversations in one call. */
const MAX_OPEN_DIRECTS = 4096;

const name = text(NAME_CHARS);
const freeText = text(TEXT_CHARS);

/** An integer from 1 up: a count of messages to return. */
const count: Check<number> = (value, path) => {
  const n = uint()(value, path);
  if (n < 1) throw new WireError('SCHEMA_INVALID', `${path}: expected an integer from 1`);
  return n;
};

const conversation: Check<ConversationRef> = (value, path) => {
  if (isPlainObject(value) && value.kind === 'room')
    return { kind: 'room', room: name(value.room, `${path}.room`) };
  if (isPlainObject(value) && value.kind === 'direct')
    return { kind: 'direct', peer: name(value.peer, `${path}.peer`) };
  throw new WireError('SCHEMA_INVALID', `${path}: expected {kind: "room", room} or {kind: "direct", peer}`);
};

/** A conversation, or none (null travels as an absent field). */
const shownConversation: Check<ConversationRef | null> = (value, path) =>
  value === undefined || value === null ? null : conversation(value, path);

const historyQuery = object({
  room: optional(name),
  peer: optional(name),
  limit: optional(count),
  before: optional(object({ ts: uint(), id: name })),
  search: optional(freeText),
});

export const CHAT_METHODS: MethodTable<ChatApi> = {
  status: call(),
  peers: call(),
  history: call(fields(historyQuery)),
  send: call(arg('to', conversation), arg('text', freeText), fields(object({ action: optional(bool) }))),
  setNick: call(arg('nick', name)),
  joinRoom: call(arg('room', name)),
  leaveRoom: call(arg('room', name)),
  setTopic: call(arg('room', name), arg('topic', freeText)),
  topics: call(),
  setOpenDirects: call(arg('peers', list(name, MAX_OPEN_DIRECTS))),
  resolvePeer: call(arg('query', name)),
  subscribe: events('unsubscribe'),
  // Trust, read and seen markers (PROTOCOL.md §20)
  trustPeer: call(arg('query', name)),
  safetyCode: call(arg('query', name)),
  verifyPeer: call(arg('query', name)),
  setShownConversation: call(arg('ref', shownConversation)),
  // files (PROTOCOL.md §21): a path on the daemon's machine, and an id prefix or a message id
  sendFile: call(arg('to', conversation), arg('path', text(4096))),
  files: call(),
  getFile: call(arg('id', name)),
  // private rooms (PROTOCOL.md §19): the passphrase goes over the control socket (mode 0600) only
  joinPrivateRoom: call(arg('room', name), arg('passphrase', freeText)),
  rekeyRoom: call(arg('room', name), arg('passphrase', freeText)),
  privateRooms: call(),
};
