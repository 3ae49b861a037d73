/**
 * Trust in the chat controller (PROTOCOL.md §20): the NEW KEY warning drawn once per key and
 * conversation before its first line, the 'read' and "seen by N/M" that markers bring to own messages,
 * and which conversation is on screen. A seen event may come before its message (the node
 * answers `send` after it floods), so those are kept a little while, bounded.
 */
import type { ChatApi, ChatEvent, ChatMessage, MessageIdStr, NodeIdHex, PeerInfo } from '../daemon/index.js';
import type { ChatModel } from './chat-model.js';
import type { Conversation } from './conversation.js';
import { mergeProgress, newKeyWarning, trustOf } from './trust-marks.js';

/** Seen counts that arrive before their message. */
const EARLY_SEEN_LIMIT = 256;

/** Warnings already drawn: one per conversation and key. */
export class NewKeyWarnings {
  private readonly warned = new Set<string>();

  /** Draws the NEW KEY warning in `conversation` unless it was drawn there for this key. */
  warn(conversation: Conversation, id: NodeIdHex, nick: string, ts: number): void {
    const key = `${conversation.key}|${id}`;
    if (this.warned.has(key)) return;
    this.warned.add(key);
    conversation.addSystem(
      `${newKeyWarning(nick)}: /whois ${nick} explains, /trust ${nick} accepts the new key`,
      'error',
      ts,
    );
  }
}

export class MarkerUpdates {
  private readonly earlySeen = new Map<MessageIdStr, { count: number; of: number }>();
  /** The latest read position each peer told, for a receipt that comes after it. */
  private readonly readUpTo = new Map<string, { ts: number; id: MessageIdStr }>();

  /**
   * Own direct messages to the peer up to (ts, id) were read there: those it confirmed it holds. One
   * still "sent" may never have arrived (read up to a later one does not say it did): it stays sent,
   * and turns read if its receipt comes later (wasRead).
   */
  read(conversation: Conversation | undefined, event: Extract<ChatEvent, { type: 'read' }>): void {
    this.readUpTo.delete(event.peer);
    this.readUpTo.set(event.peer, { ts: event.ts, id: event.id });
    if (this.readUpTo.size > EARLY_SEEN_LIMIT) this.readUpTo.delete(this.readUpTo.keys().next().value!);
    if (!conversation) return;
    // Newest first: stop at the first own message already read (everything before it is too).
    for (let i = conversation.entries.length - 1; i >= 0; i--) {
      const entry = conversation.entries[i];
      if (entry.kind !== 'message' || !entry.message.own) continue;
      const m = entry.message;
      if (m.ts > event.ts || (m.ts === event.ts && m.id > event.id)) continue;
      if (m.status === 'read') break;
      if (m.status === 'sent') continue;
      conversation.updateMessage(m.id, (held) => ({ ...held, status: 'read' }));
    }
  }

  /** Whether the peer said it read up to this own message (its receipt may come after that). */
  wasRead(peer: string, m: Pick<ChatMessage, 'ts' | 'id'>): boolean {
    const at = this.readUpTo.get(peer);
    return !!at && (m.ts < at.ts || (m.ts === at.ts && m.id <= at.id));
  }

  /** How many hold an own room message changed. */
  seen(conversation: Conversation | undefined, event: Extract<ChatEvent, { type: 'seen' }>): void {
    const seen = { count: event.count, of: event.of };
    if (conversation?.updateMessage(event.id, (held) => mergeProgress(held, { status: null, seen }))) return;
    this.earlySeen.set(event.id, seen);
    if (this.earlySeen.size > EARLY_SEEN_LIMIT) this.earlySeen.delete(this.earlySeen.keys().next().value!);
  }

  /** A message came: with the seen count that came before it, if any. */
  arrived(message: ChatMessage): ChatMessage {
    const seen = this.earlySeen.get(message.id);
    if (!seen) return message;
    this.earlySeen.delete(message.id);
    return mergeProgress(message, { status: null, seen });
  }
}

/**
 * The chat controller's trust part: marks and warnings on what arrives, and telling the node which
 * conversation is on screen (read markers go only for a direct conversation the person can see).
 */
export class TrustUi {
  readonly warnings = new NewKeyWarnings();
  readonly markers = new MarkerUpdates();
  /** The terminal has focus (focus reports); a blurred terminal shows nothing to anyone. */
  focused = true;
  private told: string | null | undefined = undefined;

  /** A read, seen or peer event (others are not its business). */
  event(model: ChatModel, event: ChatEvent): void {
    if (event.type === 'read') this.markers.read(model.find(`direct:${event.peer}`), event);
    else if (event.type === 'seen') this.markers.seen(model.find(`room:${event.room}`), event);
    else if (event.type === 'peer') this.peer(model, event.peer);
    else if (event.type === 'connection' && event.state === 'restored') this.told = undefined; // a new daemon
  }

  /** A peer as the node shows it: a NEW KEY is said in the conversation on screen. */
  peer(model: ChatModel, info: PeerInfo): void {
    const peer = model.peers.get(info.id);
    if (peer?.trust === 'new-key' && model.active)
      this.warnings.warn(model.active, peer.id, peer.nick, model.now());
  }

  /** A message about to be shown in `conversation`: warned about first when its key is new. */
  arriving(model: ChatModel, conversation: Conversation, message: ChatMessage): ChatMessage {
    if (trustOf(model.peers, message) === 'new-key')
      this.warnings.warn(conversation, message.from, message.nick, message.ts);
    return this.markers.arrived(message);
  }

  /** Tells the node the conversation on screen when it changed (null: none, or the terminal is away). */
  syncShown(api: ChatApi, model: ChatModel): void {
    const ref = this.focused && model.active ? model.active.ref : null;
    const key = ref ? model.active!.key : null;
    if (key === this.told) return;
    this.told = key;
    api.setShownConversation(ref).catch(() => {
      this.told = undefined; // the node went away: told again when it is back
    });
  }
}
