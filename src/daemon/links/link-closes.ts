/** How a link's close is read: replaced by its twin, or dropped by the overlay (both ends alive). */
import type { LinkClosed } from './link-types.js';

/** Closed, by either end, because the overlay keeps other links: both nodes are alive and in the mesh. */
export function isOverlayBye(closed: LinkClosed): boolean {
  return closed.code === 'BYE' && closed.reason === 'overlay';
}

/** This link was closed, by either end, because the other one between the same two nodes is kept (link-manager.ts onUp). */
export function isDuplicateBye(closed: LinkClosed): boolean {
  return closed.code === 'BYE' && closed.reason === 'duplicate';
}
