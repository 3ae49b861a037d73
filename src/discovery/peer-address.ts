/**
 * Parsing of `--peer HOST:PORT`. Strict on purpose: a typo should stop the CLI with a clear message
 * rather than become a candidate the daemon redials forever.
 */
import { isIPv4, isIPv6 } from 'node:net';
import { UsageError } from '../wire/index.js';

export interface PeerAddress {
  host: string;
  port: number;
  /** Canonical `host:port` (IPv6 in brackets), as carried in Candidate.addresses. */
  address: string;
}

// RFC 1123 labels (letters, digits, inner hyphens; underscores tolerated as many LANs use them),
// at most 63 bytes each and 253 in all.
const LABEL = '[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?';
const HOSTNAME = new RegExp(`^(?=.{1,253}$)${LABEL}(?:\\.${LABEL})*\\.?$`);

function bad(text: string): UsageError {
  return new UsageError('USAGE', `bad --peer "${text}": expected HOST:PORT`);
}

/** Parses `1.2.3.4:7420`, `host.local:7420` or `[fe80::1%eth0]:7420`; throws UsageError('USAGE') otherwise. */
export function parsePeerAddress(text: string): PeerAddress {
  const input = text.trim();
  let host: string;
  let portText: string;
  const bracketed = /^\[([^\]]+)\]:([0-9]+)$/.exec(input);
  if (bracketed) {
    host = bracketed[1];
    portText = bracketed[2];
    // A zone id (`%eth0`) is legal for link-local addresses and not part of the address proper.
    const [bare, zone, ...rest] = host.split('%');
    if (!isIPv6(bare) || rest.length > 0 || (zone !== undefined && !/^[A-Za-z0-9_.-]{1,15}$/.test(zone))) {
      throw bad(text);
    }
  } else {
    const colon = input.lastIndexOf(':');
    if (colon <= 0) throw bad(text);
    host = input.slice(0, colon);
    portText = input.slice(colon + 1);
    // An unbracketed IPv6 address is ambiguous (is the last group the port?): require brackets.
    if (host.includes(':')) throw bad(text);
    // Dotted numbers that are not an IPv4 address (999.1.1.1) are a typo, not a host name.
    const looksNumeric = /^[0-9.]+$/.test(host);
    if (looksNumeric ? !isIPv4(host) : !HOSTNAME.test(host)) throw bad(text);
  }
  if (!/^[0-9]{1,5}$/.test(portText)) throw bad(text);
  const port = Number(portText);
  if (port < 1 || port > 65535) throw bad(text);
  const address = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  return { host, port, address };
}
