/** One model and controller for the App's lifetime: started on mount, stopped on unmount. */
import { useEffect, useRef, useState } from 'react';
import type { ChatApi } from '../../daemon/index.js';
import { ChatController } from '../chat-controller.js';
import { ChatModel } from '../chat-model.js';
import { qrCodeLines } from '../qr-code.js';

export interface ChatSessionOptions {
  room: string;
  noColor: boolean;
  maxFps: number;
  historyPage?: number;
  bell: () => void;
  quit: () => void;
}

export function useChatSession(api: ChatApi, options: ChatSessionOptions): ChatController {
  // Callbacks may change identity between renders; the controller calls whatever is current.
  const callbacks = useRef({ bell: options.bell, quit: options.quit });
  callbacks.current = { bell: options.bell, quit: options.quit };
  const [controller] = useState(
    () =>
      new ChatController(api, new ChatModel({ noColor: options.noColor, maxFps: options.maxFps }), {
        room: options.room,
        historyPage: options.historyPage,
        bell: () => callbacks.current.bell(),
        quit: () => callbacks.current.quit(),
        qrCode: qrCodeLines,
      }),
  );
  useEffect(() => {
    void controller.start();
    return () => {
      controller.stop();
      controller.model.dispose();
    };
  }, [controller]);
  return controller;
}
