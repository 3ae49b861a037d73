/**
 * The TUI's side of private rooms (PROTOCOL.md §19): `/join #ops --key` and `/rekey` ask for the
 * passphrase without showing it and hand it to the node (which derives the key; the passphrase is not
 * kept), `/rooms` counts the private rooms seen but not joined, and the node's private-room events
 * become one line each ("wrong passphrase for #ops").
 */
import type { PrivateRoomEvent } from '../daemon/index.js';
import type { ControllerPort } from './controller-port.js';
import { describeError, errorCode } from './errors.js';
import { plural } from './format.js';
import { askSecret } from './secret-prompt.js';
import { sanitizeLabel } from '../wire/index.js';

/** `/join ROOM --key`: asks for the passphrase, joins, and shows the room. */
export async function joinPrivate(controller: ControllerPort, room: string): Promise<void> {
  const { api, model } = controller;
  const passphrase = await askSecret(model, `passphrase for #${room}`);
  if (passphrase === null || passphrase === '') return model.system(`not joined #${room}`, 'info');
  model.system(`deriving the key of #${room}…`, 'info');
  model.changed('now');
  try {
    await api.joinPrivateRoom(room, passphrase);
  } catch (err) {
    // The node's event says it too; one line is enough.
    if (errorCode(err) === 'WRONG_PASSPHRASE') return;
    return model.system(`could not join #${room}: ${describeError(err)}`, 'error');
  }
  if (model.status && !model.status.rooms.includes(room))
    model.status = { ...model.status, rooms: [...model.status.rooms, room] };
  const conversation = model.open({ kind: 'room', room });
  controller.switchTo(conversation);
  model.system(`joined private room #${room} (its messages are sealed under its key)`, 'join', conversation);
}

/** `/rekey [ROOM]`: asks for the new passphrase of a private room joined here. */
export async function rekeyPrivate(controller: ControllerPort, named: string | null): Promise<void> {
  const { api, model } = controller;
  const active = model.active?.ref;
  const room = named ?? (active?.kind === 'room' ? active.room : null);
  if (room === null) return model.system('/rekey needs a room here (usage: /rekey [ROOM])', 'error');
  const passphrase = await askSecret(model, `new passphrase for #${room}`);
  if (passphrase === null || passphrase === '') return model.system(`#${room} not rekeyed`, 'info');
  try {
    await api.rekeyRoom(room, passphrase);
  } catch (err) {
    model.system(`could not rekey #${room}: ${describeError(err)}`, 'error');
  }
}

/** The line `/rooms` adds: private rooms seen on the network whose names this node does not know. */
export async function privateRoomsLine(controller: ControllerPort): Promise<void> {
  const { api, model } = controller;
  try {
    const unknown = (await api.privateRooms()).filter((r) => r.room === null);
    if (unknown.length === 0) return;
    const ids = unknown.map((r) => r.ids[0]).join(', ');
    model.system(`${plural(unknown.length, 'private room')} you have not joined: ${ids}`, 'info');
  } catch {
    // an older daemon, or a page: nothing to add
  }
}

/** One line for a private room's event. */
export function privateRoomEventLine(controller: ControllerPort, event: PrivateRoomEvent): void {
  const { model } = controller;
  const room = `#${sanitizeLabel(event.room)}`;
  const who = event.nick ? sanitizeLabel(event.nick) : 'a peer';
  const conversation = model.find(`room:${event.room}`) ?? model.active;
  switch (event.state) {
    case 'joined':
      return; // the /join that asked says so in the room itself
    case 'rekeyed':
      return model.system(
        `${room} moved to a new passphrase; older messages stay readable`,
        'info',
        conversation,
      );
    case 'wrong-passphrase':
      return model.system(`wrong passphrase for ${room}`, 'error', model.active);
    case 'other-key':
      return model.system(`${who} holds another key for ${room} (another passphrase)`, 'error', conversation);
    case 'undecryptable':
      return model.system(
        `a message of ${room} from ${who} did not open and was dropped`,
        'error',
        conversation,
      );
  }
}
