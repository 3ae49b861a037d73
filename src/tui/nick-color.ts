/**
 * A stable color per node: derived from the node id (not the nick, which anyone can copy), so the same
 * person keeps the same color across renames and restarts, and two people with one nick usually differ.
 */

/** Named colours that read on dark and light backgrounds; no black, white or grey (kept for chrome). */
export const NICK_PALETTE = [
  'cyan',
  'green',
  'yellow',
  'magenta',
  'blue',
  'red',
  'cyanBright',
  'greenBright',
  'yellowBright',
  'magentaBright',
  'blueBright',
  'redBright',
] as const;

export type NickColor = (typeof NICK_PALETTE)[number];

/** FNV-1a over the id's characters: cheap, stable across runs and platforms. */
export function nickColor(nodeId: string): NickColor {
  let hash = 0x811c9dc5;
  for (let i = 0; i < nodeId.length; i++) {
    hash ^= nodeId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return NICK_PALETTE[hash % NICK_PALETTE.length];
}
