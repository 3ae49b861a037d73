/** The page's address shown to people: the bound host, or the LAN address when bound to all. */
import type { NetworkInterfaceInfo } from 'node:os';
import { describe, expect, it } from 'vitest';
import { lanAddress, webUrl } from '../../src/daemon/web/index.js';

function v4(address: string, internal = false): NetworkInterfaceInfo {
  return {
    address,
    family: 'IPv4',
    internal,
    netmask: '255.255.255.0',
    mac: '00:00:00:00:00:00',
    cidr: null,
  };
}
function v6(address: string): NetworkInterfaceInfo {
  return {
    address,
    family: 'IPv6',
    internal: false,
    netmask: 'ffff:ffff:ffff:ffff::',
    mac: '00:00:00:00:00:00',
    cidr: null,
    scopeid: 0,
  };
}

describe('the web page address', () => {
  it('is the bound host when the node listens on one address', () => {
    expect(webUrl('127.0.0.1', 7420)).toBe('http://127.0.0.1:7420/');
    expect(webUrl('192.168.1.5', 9000)).toBe('http://192.168.1.5:9000/');
    expect(webUrl('::1', 7420)).toBe('http://[::1]:7420/');
  });

  it('is the LAN address when it listens on all, skipping loopback, IPv6 and virtual interfaces', () => {
    const interfaces = {
      lo: [v4('127.0.0.1', true)],
      docker0: [v4('172.17.0.1')],
      wg0: [v4('10.8.0.2')],
      wlan0: [v6('fe80::1'), v4('192.168.1.5')],
    };
    expect(lanAddress(interfaces)).toBe('192.168.1.5');
    expect(webUrl('0.0.0.0', 7420, interfaces)).toBe('http://192.168.1.5:7420/');
    expect(webUrl('::', 7420, interfaces)).toBe('http://192.168.1.5:7420/');
    // Only virtual ones: still better than loopback.
    expect(lanAddress({ lo: [v4('127.0.0.1', true)], docker0: [v4('172.17.0.1')] })).toBe('172.17.0.1');
    // None at all: loopback, which at least works on this machine.
    expect(webUrl('0.0.0.0', 7420, { lo: [v4('127.0.0.1', true)] })).toBe('http://127.0.0.1:7420/');
  });
});
