/**
 * The page's address as a person types it on a phone: the bound host, or, when the node listens on
 * every interface, this machine's first LAN (non-internal IPv4) address.
 */
import { networkInterfaces } from 'node:os';
import { formatHostPort } from '../links/index.js';

export function lanAddress(): string | null {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return null;
}

export function webUrl(host: string, port: number): string {
  const any = host === '0.0.0.0' || host === '::' || host === '';
  const shown = any ? (lanAddress() ?? '127.0.0.1') : host;
  return `http://${formatHostPort(shown, port)}/`;
}
