/**
 * What the command runner and the connection handler use of the chat controller. A port of its own so
 * that they do not import the controller that imports them (chat-controller.ts implements it).
 */
import type { ChatApi, ChatMessage, ConversationRef } from '../daemon/index.js';
import type { ChatModel } from './chat-model.js';
import type { Conversation } from './conversation.js';
import type { OpenDirects } from './open-directs.js';

export interface ControllerPort {
  readonly api: ChatApi;
  readonly model: ChatModel;
  readonly openDirects: OpenDirects;
  /** Shows a conversation, loading its history the first time. */
  switchTo(conversation: Conversation): void;
  /** Sends to the shown conversation (or `ref`); null when it was not sent (and said so). */
  sendText(text: string, options?: { action?: boolean; ref?: ConversationRef }): Promise<ChatMessage | null>;
  /** Rereads a conversation's newest history. */
  refresh(conversation: Conversation): Promise<void>;
  /** Tells the node which direct conversations are open. */
  syncOpenDirects(): void;
  quit(): void;
  /** Draws a QR code as lines of text (the terminal's /web); absent where there is no such drawing. */
  readonly qrCode?: (text: string) => Promise<string[]>;
}
