/**
 * The side list (the whole screen on a phone): rooms and direct conversations with unread counts, the
 * peers online (fingerprint shown where two share a nick; a tap opens the direct conversation), and a
 * field to join a room; private rooms (private-rooms.tsx) carry a lock and join with a passphrase.
 */
import { useState } from 'react';
import type { ChatController } from '../../tui/chat-controller.js';
import type { ChatModel } from '../../tui/chat-model.js';
import type { Conversation } from '../../tui/conversation.js';
import { nickClass } from './nick-colour.js';
import { Settings } from './settings.js';
import { TrustMark } from './trust-mark.js';
import { PrivateRoomForm, UnjoinedPrivateRooms, usePrivateRooms } from './private-rooms.js';

function Item({
  conversation,
  model,
  active,
  locked = false,
  onOpen,
}: {
  conversation: Conversation;
  model: ChatModel;
  active: boolean;
  /** A private room (§19): marked with a lock. */
  locked?: boolean;
  onOpen: (c: Conversation) => void;
}) {
  const label = model.label(conversation);
  return (
    <li>
      <button
        type="button"
        className={active ? 'conv active' : 'conv'}
        data-key={conversation.key}
        aria-current={active ? 'true' : undefined}
        onClick={() => onOpen(conversation)}
      >
        {locked && (
          <span
            className="lock"
            role="img"
            aria-label="private room"
            title="private room: sealed under its key"
          >
            🔒
          </span>
        )}
        <span className="conv-label">{label}</span>
        {conversation.unread > 0 && (
          <span
            className={conversation.mentions > 0 ? 'badge mention' : 'badge'}
            data-unread={conversation.unread}
          >
            {conversation.unread}
          </span>
        )}
      </button>
    </li>
  );
}

export function Sidebar({
  model,
  controller,
  onOpen,
}: {
  model: ChatModel;
  controller: ChatController;
  onOpen: (c: Conversation) => void;
}) {
  const [room, setRoom] = useState('');
  const rooms = model.conversations.filter((c) => c.ref.kind === 'room');
  const directs = model.conversations.filter((c) => c.ref.kind === 'direct');
  const online = [...model.peers.values()]
    .filter((p) => p.online)
    .sort((a, b) => a.nick.localeCompare(b.nick));
  const activeKey = model.activeKey;
  const privateRooms = usePrivateRooms(controller.api);
  const held = new Set(privateRooms.map((r) => r.room));
  const item = (c: Conversation) => (
    <Item
      key={c.key}
      conversation={c}
      model={model}
      active={c.key === activeKey}
      locked={c.ref.kind === 'room' && held.has(c.ref.room)}
      onOpen={onOpen}
    />
  );
  return (
    <nav className="sidebar" aria-label="conversations">
      <section>
        <h2>Rooms</h2>
        <ul className="convs">{rooms.map(item)}</ul>
        <form
          className="join"
          onSubmit={(e) => {
            e.preventDefault();
            const name = room.trim().replace(/^#/, '');
            if (name === '') return;
            setRoom('');
            void controller.submit(`/join ${name}`).then(() => {
              const shown = model.active;
              if (shown) onOpen(shown);
            });
          }}
        >
          <input
            value={room}
            onChange={(e) => setRoom(e.target.value)}
            placeholder="join a room"
            aria-label="room to join"
          />
          <button type="submit" disabled={room.trim() === ''}>
            Join
          </button>
        </form>
        <PrivateRoomForm controller={controller} onOpen={onOpen} />
        <UnjoinedPrivateRooms rooms={privateRooms} />
      </section>
      <section>
        <h2>Direct</h2>
        {directs.length === 0 ? (
          <p className="muted">Tap someone online to write to them alone.</p>
        ) : (
          <ul className="convs">{directs.map(item)}</ul>
        )}
      </section>
      <section>
        <h2>Online ({online.length})</h2>
        <ul className="peers">
          {online.map((peer) => (
            <li key={peer.id}>
              <button
                type="button"
                className="peer"
                data-peer={peer.id}
                title={`fingerprint ${peer.fingerprint}`}
                onClick={() => onOpen(model.open({ kind: 'direct', peer: peer.id }))}
              >
                <span className="dot" aria-hidden="true" />
                <span className={nickClass(peer.id)}>{peer.nick}</span>
                <TrustMark trust={peer.trust} nick={peer.nick} />
                {model.nickIsShared(peer.nick, peer.id) && <span className="fp">{peer.fingerprint}</span>}
              </button>
            </li>
          ))}
        </ul>
      </section>
      <Settings />
    </nav>
  );
}
