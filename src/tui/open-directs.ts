/**
 * The direct conversations open in the UI, remembered by the node (profile.json) so that a restarted UI
 * opens them again. The node is told only when the set changes, and never before the saved ones are
 * open: telling it earlier would forget them.
 */
import type { ChatApi, NodeIdHex } from '../daemon/index.js';
import type { ChatModel } from './chat-model.js';

export class OpenDirects {
  /** What the node was last told (comma-joined ids); null: tell it at the next sync. */
  private told: string | null = null;
  private restored = false;

  constructor(
    private readonly api: ChatApi,
    private readonly model: ChatModel,
  ) {}

  /** Opens the conversations the node remembers. */
  restore(peers: NodeIdHex[]): void {
    for (const peer of peers) this.model.open({ kind: 'direct', peer });
    this.told = peers.join(',');
    this.restored = true;
  }

  /** After reattaching: the node may have restarted with another list; tell it ours. */
  forget(): void {
    this.told = null;
  }

  sync(): void {
    if (!this.restored) return;
    const peers = this.model.conversations.flatMap((c) => (c.ref.kind === 'direct' ? [c.ref.peer] : []));
    const key = peers.join(',');
    if (key === this.told) return;
    this.told = key;
    this.api.setOpenDirects(peers).catch(() => {
      this.told = null; // told again at the next change, or after reattaching
    });
  }
}
