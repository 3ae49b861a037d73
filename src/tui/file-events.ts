/**
 * What the chat shows as files (PROTOCOL.md §21) move: the latest state of each file kept in the model
 * (the transfer row draws the fetches from it), and a line in the file's conversation when a small
 * offer is fetched without asking, when a file has landed (where), or when a fetch failed (why). The
 * offer itself is a message in the history (`[file] name (size) /get ID`), written by the node.
 */
import type { ChatApi, ChatEvent, FileInfo } from '../daemon/index.js';
import { sanitizeLabel } from '../wire/index.js';
import type { ChatModel } from './chat-model.js';
import type { Conversation } from './conversation.js';
import { formatBytes } from './file-view.js';

/** A file as received, every field a peer controls made safe to draw. */
export function sanitizeFile(file: FileInfo): FileInfo {
  const clean = (s: string | null) => (s === null ? null : sanitizeLabel(s));
  return {
    ...file,
    name: sanitizeLabel(file.name),
    nick: sanitizeLabel(file.nick),
    type: sanitizeLabel(file.type),
    room: clean(file.room),
    path: clean(file.path),
    error: clean(file.error),
  };
}

/** The conversation a file was offered in (it is opened if needed), else the shown one. */
export function conversationOfFile(model: ChatModel, file: FileInfo): Conversation | null {
  if (file.room !== null) return model.find(`room:${file.room}`) ?? model.active;
  if (file.peer !== null) return model.open({ kind: 'direct', peer: file.peer });
  return model.active;
}

/** Whether the person asked for this file (/get by an id prefix or its message id). */
function asked(model: ChatModel, file: FileInfo): boolean {
  for (const query of model.askedFiles)
    if (file.id.startsWith(query.toLowerCase()) || file.messageId === query) return true;
  return false;
}

function forget(model: ChatModel, file: FileInfo): void {
  for (const query of [...model.askedFiles])
    if (file.id.startsWith(query.toLowerCase()) || file.messageId === query) model.askedFiles.delete(query);
}

export function fileChanged(model: ChatModel, event: Extract<ChatEvent, { type: 'file' }>): void {
  const file = sanitizeFile(event.file);
  const before = model.files.get(file.id);
  model.files.set(file.id, file);
  if (file.own || before?.state === file.state) return;
  const where = conversationOfFile(model, file);
  const what = `${file.name} (${formatBytes(file.size)})`;
  switch (file.state) {
    case 'fetching':
      // Under --auto-accept-bytes the node fetches at once; say so, as the person did not ask.
      if (!asked(model, file)) model.system(`fetching ${what} (small enough to take at once)`, 'info', where);
      return;
    case 'done':
      if (before?.state === 'fetching' || asked(model, file))
        model.system(`saved ${what} to ${file.path ?? 'the downloads folder'}`, 'info', where);
      forget(model, file);
      return;
    case 'failed':
      model.system(`could not fetch ${what}: ${file.error ?? 'unknown error'}`, 'error', where);
      forget(model, file);
      return;
  }
}

/** Reads the files the node knows (a fetch under way before the UI started shows its bar at once). */
export async function loadFiles(api: ChatApi, model: ChatModel): Promise<void> {
  try {
    for (const file of await api.files()) model.files.set(file.id, sanitizeFile(file));
  } catch {
    // an older node without files, or it went away: the files show as their events come
  }
}
