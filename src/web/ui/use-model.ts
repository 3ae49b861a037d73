/**
 * Binds the page to the TUI's ChatModel (held outside React): one subscription through
 * useSyncExternalStore, so an event redraws the page at most once per model frame.
 */
import { useSyncExternalStore } from 'react';
import type { ChatModel } from '../../tui/chat-model.js';

export function useModelVersion(model: ChatModel): number {
  return useSyncExternalStore(model.subscribe, model.getVersion);
}
