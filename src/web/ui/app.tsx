/**
 * The chat page: the TUI's ChatModel and ChatController (the same events, commands and history
 * paging as the terminal) drawn with React DOM. Wide screens show the side list and the conversation
 * side by side; a phone (≤ 600 px) shows one of them at a time, the list or the chat.
 */
import { useContext, useEffect, useState } from 'react';
import type { ChatController } from '../../tui/chat-controller.js';
import type { ChatModel } from '../../tui/chat-model.js';
import type { Conversation } from '../../tui/conversation.js';
import { Composer } from './composer.js';
import { FilesContext } from './file-card.js';
import { dropHandlers, FileButtons } from './file-input.js';
import { History } from './history.js';
import { SecretPromptBar } from './secret-prompt-bar.js';
import { Sidebar } from './sidebar.js';
import { useModelVersion } from './use-model.js';

function Connection({ model, onUseHere }: { model: ChatModel; onUseHere?: () => void }) {
  const lost = model.detached !== null;
  if (model.replaced && onUseHere) {
    return (
      <span className="conn lost" data-state="elsewhere" role="status" title={model.detached ?? ''}>
        <span className="dot" aria-hidden="true" />
        open in another tab{' '}
        <button type="button" className="use-here" onClick={onUseHere}>
          Use here
        </button>
      </span>
    );
  }
  return (
    <span
      className={lost ? 'conn lost' : 'conn ok'}
      data-state={lost ? 'reconnecting' : 'connected'}
      role="status"
      title={lost ? (model.detached ?? '') : 'linked to the node that served this page'}
    >
      <span className="dot" aria-hidden="true" />
      {lost ? 'reconnecting…' : 'connected'}
    </span>
  );
}

export function App({
  model,
  controller,
  onUseHere,
}: {
  model: ChatModel;
  controller: ChatController;
  /** Links this page again after the chat was opened in another tab (WebPeer.useHere). */
  onUseHere?: () => void;
}) {
  useModelVersion(model);
  const [view, setView] = useState<'list' | 'chat'>('chat');
  const active = model.active;

  useEffect(() => {
    const title = active ? model.label(active) : 'konnect';
    const unread = model.conversations.reduce((n, c) => n + c.unread, 0);
    document.title = unread > 0 ? `(${unread}) ${title} · konnect` : `${title} · konnect`;
  });
  // The open conversation lives in the address, so a reload comes back to it (boot.tsx reads it).
  useEffect(() => {
    const hash = active ? `#${encodeURIComponent(active.key)}` : '';
    if (active && location.hash !== hash) history.replaceState(null, '', hash);
  }, [active]);

  const open = (conversation: Conversation) => {
    controller.switchTo(conversation);
    controller.syncOpenDirects();
    setView('chat');
  };
  const unreadElsewhere = model.conversations.reduce((n, c) => (c === active ? n : n + c.unread), 0);
  const topic = active?.ref.kind === 'room' ? model.topics.get(active.ref.room)?.topic : undefined;
  const self = model.self;
  const files = useContext(FilesContext);
  // Picked, dropped or photographed files go to the open conversation, one offer each (§21).
  const sendFiles = (picked: File[]) => {
    const to = model.active?.ref;
    if (!files || !to) return;
    for (const file of picked)
      files.sendBlob(to, file, file.name).catch((err: unknown) => {
        model.system(`could not send ${file.name}: ${(err as Error).message}`, 'error');
        model.changed('frame');
      });
  };

  return (
    <div className={`app view-${view}`}>
      <aside className="side">
        <header className="bar">
          <span className="me">
            <strong className="brand">konnect</strong>
            {self && (
              <span className="self" data-fingerprint={self.fingerprint}>
                {self.nick} <span className="fp">{self.fingerprint}</span>
              </span>
            )}
          </span>
          <Connection model={model} onUseHere={onUseHere} />
        </header>
        <Sidebar model={model} controller={controller} onOpen={open} />
      </aside>
      <main className="chat" {...(files ? dropHandlers(sendFiles) : {})}>
        <header className="bar">
          <button type="button" className="back" onClick={() => setView('list')} aria-label="conversations">
            ‹{unreadElsewhere > 0 && <span className="badge">{unreadElsewhere}</span>}
          </button>
          <span className="title">
            <strong>{active ? model.label(active) : 'konnect'}</strong>
            {topic && <span className="topic">{topic}</span>}
          </span>
          <Connection model={model} onUseHere={onUseHere} />
        </header>
        {active ? (
          <History key={active.key} conversation={active} model={model} controller={controller} />
        ) : (
          <div className="empty">Join a room to start.</div>
        )}
        <SecretPromptBar model={model} />
        <Composer
          placeholder={active ? `Message ${model.label(active)}` : 'Type /join ROOM'}
          onSubmit={(text) => void controller.submit(text)}
          before={files && active ? <FileButtons onFiles={sendFiles} /> : undefined}
        />
      </main>
    </div>
  );
}
