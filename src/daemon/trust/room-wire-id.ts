/**
 * The one function that names a room on the wire in markers (PROTOCOL.md §20). A public room is its
 * name; a private room (§19) will answer its opaque id here, so a seen marker never carries its name.
 */
export function roomWireId(room: string): string {
  return room;
}
