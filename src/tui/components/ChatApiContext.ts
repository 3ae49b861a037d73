/** The ChatApi the TUI talks to: an in-process node or a control-socket client, given by runTui. */
import { createContext } from 'react';
import type { ChatApi } from '../../daemon/index.js';

export const ChatApiContext = createContext<ChatApi | null>(null);
ChatApiContext.displayName = 'ChatApiContext';
