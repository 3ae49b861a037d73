/** `host:port` strings as used by --peer, peer exchange and the peer table (IPv6 in brackets). */
import { parsePeerAddress } from '../../discovery/index.js';

export interface HostPort {
  host: string;
  port: number;
}

/** The discovery layer's strict parser, as a null-returning check for addresses learned from peers. */
export function parseHostPort(text: string): HostPort | null {
  try {
    const { host, port } = parsePeerAddress(text);
    return { host, port };
  } catch {
    return null;
  }
}

export function formatHostPort(host: string, port: number): string {
  const plain = host.startsWith('::ffff:') && host.includes('.') ? host.slice(7) : host;
  return plain.includes(':') ? `[${plain}]:${port}` : `${plain}:${port}`;
}
