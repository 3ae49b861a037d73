/**
 * Starts the page on a ChatApi: asks for a nick on the first visit, then runs the TUI's controller on
 * the API and draws the App. Kept apart from main.tsx so that the page can be started on any ChatApi.
 */
import { createRoot } from 'react-dom/client';
import { useEffect, useState } from 'react';
import type { ChatApi } from '../../daemon/index.js';
import { ChatController } from '../../tui/chat-controller.js';
import { ChatModel } from '../../tui/chat-model.js';
import { pageLostLine } from '../../tui/connection.js';
import { App } from './app.js';
import { FilesContext, type PageFilesApi } from './file-card.js';
import { NickForm } from './nick-form.js';
import { type PageSettingsApi, SettingsContext } from './settings.js';

/** What the page needs of its peer beyond ChatApi (WebPeer has it). */
export interface PagePeer extends ChatApi {
  readonly identity: { id: string; fingerprint: string; nick: string };
  readonly needsNick: boolean;
  /** Links again after the chat was opened in another tab or window. */
  useHere(): void;
}

/** The room a first visit lands in (the terminal's default too). */
export const DEFAULT_ROOM = 'lobby';

async function startChat(api: PagePeer): Promise<{ model: ChatModel; controller: ChatController }> {
  let room = DEFAULT_ROOM;
  try {
    room = (await api.status()).rooms[0] ?? DEFAULT_ROOM;
  } catch {
    // not linked yet: the controller says so and catches up when the link is up
  }
  // 60 redraws a second at most: a catch-up of thousands draws in frames, one message draws at once.
  const model = new ChatModel({ maxFps: 60 });
  const controller = new ChatController(api, model, {
    room,
    bell: () => undefined,
    quit: () => model.system('close the tab to leave; your key and history stay in this browser', 'info'),
    // No data directory here: the page relinks by itself, and what is written meanwhile waits in it.
    lostLine: pageLostLine,
  });
  // A reload (or a phone bringing the tab back) returns to the conversation that was open: its key
  // is read from the address now, before the page draws and writes the first room's key there.
  const reopen = decodeURIComponent(location.hash.slice(1));
  void controller.start().then(() => {
    const wanted = reopen ? model.find(reopen) : undefined;
    if (wanted && wanted !== model.active) controller.switchTo(wanted);
  });
  return { model, controller };
}

function Root({ api }: { api: PagePeer }) {
  const [chat, setChat] = useState<{ model: ChatModel; controller: ChatController } | null>(null);
  const [asking, setAsking] = useState(api.needsNick);
  useEffect(() => {
    if (asking) return;
    let live = true;
    let started: { controller: ChatController } | null = null;
    void startChat(api).then((c) => {
      started = c;
      if (live) setChat(c);
      else c.controller.stop();
    });
    return () => {
      live = false;
      started?.controller.stop();
    };
  }, [api, asking]);
  if (asking) {
    return (
      <NickForm
        fingerprint={api.identity.fingerprint}
        onPick={async (nick) => {
          await api.setNick(nick);
          setAsking(false);
        }}
      />
    );
  }
  if (!chat) return <div className="loading">Opening konnect…</div>;
  const files = 'sendBlob' in api ? (api as unknown as PageFilesApi) : null;
  const settings = 'setReadReceipts' in api ? (api as unknown as PageSettingsApi) : null;
  return (
    <FilesContext.Provider value={files}>
      <SettingsContext.Provider value={settings}>
        <App model={chat.model} controller={chat.controller} onUseHere={() => api.useHere()} />
      </SettingsContext.Provider>
    </FilesContext.Provider>
  );
}

export function boot(container: HTMLElement, api: PagePeer): void {
  createRoot(container).render(<Root api={api} />);
}
