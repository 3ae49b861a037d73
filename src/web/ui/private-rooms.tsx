/**
 * Private rooms in the page (PROTOCOL.md §19): the form that joins one with a passphrase (a password
 * field; the key is derived in the page, which takes a moment, so the form says "deriving key…" and
 * the rest of the page stays usable), the wrong-passphrase message, which rooms get a lock in the side
 * list, and how many private rooms are seen on the network without being joined.
 */
import { useEffect, useState } from 'react';
import type { ChatApi, PrivateRoomInfo } from '../../daemon/chat-api.js';
import type { ChatController } from '../../tui/chat-controller.js';
import type { Conversation } from '../../tui/conversation.js';
import { describeError, errorCode } from '../../tui/errors.js';

/** How often the list is read again (peers come and go; reading it is a local call in the page). */
const REFRESH_MS = 3_000;

/** The page's private rooms: joined ones by name, seen ones by opaque id; kept current. */
export function usePrivateRooms(api: ChatApi): PrivateRoomInfo[] {
  const [rooms, setRooms] = useState<PrivateRoomInfo[]>([]);
  useEffect(() => {
    let live = true;
    const read = () =>
      void api.privateRooms().then(
        (list) => live && setRooms(list),
        () => undefined, // an API without private rooms: nothing to mark
      );
    read();
    const timer = setInterval(read, REFRESH_MS);
    const off = api.subscribe((event) => {
      if (event.type === 'private-room' || event.type === 'presence') read();
    });
    return () => {
      live = false;
      clearInterval(timer);
      off();
    };
  }, [api]);
  return rooms;
}

/** "2 private rooms you have not joined", or nothing. */
export function UnjoinedPrivateRooms({ rooms }: { rooms: PrivateRoomInfo[] }) {
  const unknown = rooms.filter((r) => r.room === null);
  if (unknown.length === 0) return null;
  const n = unknown.length;
  return (
    <p className="muted private-unjoined" data-count={n} title={unknown.map((r) => r.ids[0]).join('\n')}>
      {n === 1 ? '1 private room' : `${n} private rooms`} you have not joined
    </p>
  );
}

export function PrivateRoomForm({
  controller,
  onOpen,
}: {
  controller: ChatController;
  onOpen: (c: Conversation) => void;
}) {
  const [open, setOpen] = useState(false);
  const [room, setRoom] = useState('');
  const [passphrase, setPassphrase] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  if (!open)
    return (
      <button type="button" className="link private-toggle" onClick={() => setOpen(true)}>
        🔒 join a private room
      </button>
    );
  const name = room.trim().replace(/^#/, '');
  const submit = async () => {
    if (name === '' || passphrase === '' || busy) return;
    setBusy(true);
    setError(null);
    const { api, model } = controller;
    try {
      await api.joinPrivateRoom(name, passphrase);
    } catch (err) {
      setBusy(false);
      setError(
        errorCode(err) === 'WRONG_PASSPHRASE'
          ? `wrong passphrase for #${name}`
          : `could not join #${name}: ${describeError(err)}`,
      );
      return;
    }
    setBusy(false);
    setPassphrase('');
    setRoom('');
    setOpen(false);
    if (model.status && !model.status.rooms.includes(name))
      model.status = { ...model.status, rooms: [...model.status.rooms, name] };
    const conversation = model.open({ kind: 'room', room: name });
    model.system(
      `joined private room #${name} (its messages are sealed under its key)`,
      'join',
      conversation,
    );
    onOpen(conversation);
  };
  return (
    <form
      className="join private-join"
      aria-label="join a private room"
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <input
        id="private-room"
        value={room}
        onChange={(e) => setRoom(e.target.value)}
        placeholder="room"
        aria-label="private room to join"
        disabled={busy}
      />
      <input
        id="private-passphrase"
        type="password"
        autoComplete="off"
        value={passphrase}
        onChange={(e) => setPassphrase(e.target.value)}
        placeholder="passphrase"
        aria-label="passphrase"
        disabled={busy}
      />
      <button type="submit" disabled={busy || name === '' || passphrase === ''}>
        {busy ? 'deriving key…' : 'Join'}
      </button>
      {busy && (
        <p className="muted private-status" role="status">
          deriving key…
        </p>
      )}
      {error && (
        <p className="private-error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}
