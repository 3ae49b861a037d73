/** The ChatApi from context; a missing provider is a programming error, so it throws. */
import { useContext } from 'react';
import type { ChatApi } from '../../daemon/index.js';
import { ChatApiContext } from '../components/ChatApiContext.js';

export function useChatApi(): ChatApi {
  const api = useContext(ChatApiContext);
  if (!api) throw new Error('useChatApi() needs a <ChatApiContext.Provider> (runTui provides one)');
  return api;
}
