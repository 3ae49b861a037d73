/**
 * src/daemon/private-rooms: rooms joined with a passphrase (PROTOCOL.md §19). `privateRoomService()`
 * is the service a node is composed with (createNode adds it); the functions below are how the node and
 * the ChatApi reach it: the node's rooms as the wire names them, and joining or rekeying by passphrase.
 */
import { UsageError, type CryptoProvider } from '../../wire/index.js';
import type { PrivateRoomInfo } from '../chat-api.js';
import type { ServiceFactory } from '../services/index.js';
import { checkRoom } from '../names.js';
import { PrivateRoomService } from './private-room-service.js';

export { MAX_CARRIED_ROOMS, PrivateRoomService, ROOM_SCAN_INTERVAL_MS } from './private-room-service.js';
export { MAX_KEYS_PER_ROOM, RoomKeys } from './room-keys.js';
export { deriveRoomKeyAsync, roomNameTagAsync } from './derive-key.js';

/** The private-room service of each node, by the node (NodeContext.self). */
const services = new WeakMap<object, PrivateRoomService>();

export function privateRoomService(crypto: CryptoProvider, keysFile: string): ServiceFactory {
  return (ctx) => {
    const service = new PrivateRoomService(ctx, crypto, keysFile);
    services.set(ctx.self, service);
    return service;
  };
}

/** The private-room service of a node, or undefined when it was built without one. */
export function privateRoomsOf(node: object): PrivateRoomService | undefined {
  return services.get(node);
}

/** A node's rooms (names) as the wire names them: private ones by opaque ids, plus the rooms carried. */
export function wireRooms(node: object, names: readonly string[], withCarried = true): string[] {
  return services.get(node)?.wireRooms(names, withCarried) ?? [...names];
}

/** Whether a wire room (a name or an opaque id) is one of the node's rooms. */
export function inWireRoom(node: object, names: readonly string[], room: string): boolean {
  return services.get(node)?.inWireRoom(names, room) ?? names.includes(room);
}

/** Whether joining `name` again means something: a private room joins again on a new key (/rekey). */
export function rejoins(node: object, name: string): boolean {
  return services.get(node)?.holds(name) ?? false;
}

/** What a private room needs of the node: joining a room by name (the node then says so and syncs). */
export interface PrivateRoomNode {
  joinRoom(room: string): void;
  emit(type: 'event', event: { type: 'private-room'; room: string; state: 'joined' | 'rekeyed' }): boolean;
  roomList: readonly string[];
  status(): { rooms: string[] };
}

function serviceOf(node: object): PrivateRoomService {
  const service = services.get(node);
  if (!service) throw new UsageError('INVALID_ARGUMENT', 'this node has no private rooms');
  return service;
}

/** Keeps the key of a passphrase (WRONG_PASSPHRASE when the room's members hold another) and joins. */
export async function joinPrivateRoom(
  node: PrivateRoomNode,
  room: string,
  passphrase: string,
): Promise<void> {
  const name = checkRoom(room);
  await serviceOf(node).addKey(name, passphrase);
  node.joinRoom(name);
  node.emit('event', { type: 'private-room', room: name, state: 'joined' });
}

/** Moves a joined private room to a new passphrase; the old keys still open the old messages. */
export async function rekeyPrivateRoom(
  node: PrivateRoomNode,
  room: string,
  passphrase: string,
): Promise<void> {
  const name = checkRoom(room);
  await serviceOf(node).rekey(name, passphrase);
  node.joinRoom(name); // announces the new id, and catches up on it
  node.emit('event', { type: 'private-room', room: name, state: 'rekeyed' });
}

/** The private rooms joined, and those seen on the LAN by opaque id only. */
export function privateRoomList(node: PrivateRoomNode): PrivateRoomInfo[] {
  return services.get(node)?.list(node.status().rooms) ?? [];
}
