/** Re-renders when the model asks for a redraw (at most once per frame for events). */
import { useSyncExternalStore } from 'react';
import type { ChatModel } from '../chat-model.js';

export function useModel(model: ChatModel): number {
  return useSyncExternalStore(model.subscribe, model.getVersion, model.getVersion);
}
