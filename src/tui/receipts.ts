/**
 * Delivery receipts in the chat: a direct message shown as sent turns delivered. A receipt may come
 * before its message (history loads, sync), so those are kept a little while, bounded.
 */
import type { ChatMessage, MessageIdStr } from '../daemon/index.js';
import type { ChatModel } from './chat-model.js';

/** Receipts that arrive before their message (kept a little while, bounded). */
const EARLY_RECEIPTS_LIMIT = 256;

export class Receipts {
  private readonly early = new Set<MessageIdStr>();

  /** Marks the message delivered where it is shown, or keeps the receipt for when it comes. */
  apply(model: ChatModel, id: MessageIdStr, peer: string, wasRead: (m: ChatMessage) => boolean): void {
    // A read marker may have come first (§20): 'read' stays, or comes now.
    const deliver = (m: ChatMessage): ChatMessage =>
      m.status === 'read' ? m : { ...m, status: wasRead(m) ? 'read' : 'delivered' };
    const direct = model.find(`direct:${peer}`);
    if (direct?.updateMessage(id, deliver)) return;
    for (const conversation of model.conversations) if (conversation.updateMessage(id, deliver)) return;
    this.early.add(id);
    if (this.early.size > EARLY_RECEIPTS_LIMIT) {
      const oldest = this.early.values().next().value;
      if (oldest !== undefined) this.early.delete(oldest);
    }
  }

  /** The message came: true when its receipt came first (it is shown delivered). */
  arrived(id: MessageIdStr): boolean {
    return this.early.delete(id);
  }
}
