/**
 * The page's address as a person types it on a phone: the bound host, or, when the node listens on
 * every interface, this machine's LAN address: the first non-internal IPv4 address, preferring a
 * physical interface to a container bridge or a VPN tunnel (a phone on the LAN reaches neither).
 */
import { type NetworkInterfaceInfo, networkInterfaces } from 'node:os';
import { formatHostPort } from '../links/index.js';

type Interfaces = NodeJS.Dict<NetworkInterfaceInfo[]>;

/** Interfaces a phone on the LAN does not reach: container bridges, virtual machines, VPN tunnels. */
const VIRTUAL = /^(docker|br-|veth|virbr|vmnet|vboxnet|cni|flannel|tun|tap|wg|zt|tailscale|utun)/;

export function lanAddress(interfaces: Interfaces = networkInterfaces()): string | null {
  const found: Array<{ name: string; address: string }> = [];
  for (const [name, list] of Object.entries(interfaces)) {
    for (const a of list ?? [])
      if (a.family === 'IPv4' && !a.internal) found.push({ name, address: a.address });
  }
  return (found.find((f) => !VIRTUAL.test(f.name)) ?? found[0])?.address ?? null;
}

export function webUrl(host: string, port: number, interfaces?: Interfaces): string {
  const any = host === '0.0.0.0' || host === '::' || host === '';
  const shown = any ? (lanAddress(interfaces) ?? '127.0.0.1') : host;
  return `http://${formatHostPort(shown, port)}/`;
}
