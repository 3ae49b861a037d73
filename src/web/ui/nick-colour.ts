/** A stable colour class for a node's key (not its nick: two people sharing a nick get two colours). */
const COLOURS = 8;

export function nickClass(id: string): string {
  let h = 0;
  for (let i = 0; i < id.length; i++) h = (h * 31 + id.charCodeAt(i)) | 0;
  return `nick nick-c${Math.abs(h) % COLOURS}`;
}
