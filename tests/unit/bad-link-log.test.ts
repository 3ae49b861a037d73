/** The bad-link log line: once per address per window, what was held back counted, bounded memory. */
import { describe, expect, it } from 'vitest';
import { BAD_LINK_LOG_WINDOW_MS, BadLinkLog, isBadLinkClose } from '../../src/daemon/links/bad-link-log.js';
import type { LinkClosed } from '../../src/daemon/index.js';

function setup() {
  const lines: string[] = [];
  let now = 0;
  const log = (m: string, f?: Record<string, unknown>) => lines.push(`${m} ${JSON.stringify(f ?? {})}`);
  const logger = { debug: () => undefined, warn: log, error: log, info: log };
  const bad = new BadLinkLog(logger, () => now);
  return { lines, bad, advance: (ms: number) => (now += ms) };
}
const malformed: LinkClosed = { code: 'FRAME_MALFORMED', reason: 'junk', byPeer: false };
const link = (address: string) => ({ remoteAddress: address, label: address });

describe('BadLinkLog', () => {
  it('logs the first bad link of an address, holds back the rest of the window, and counts them next time', () => {
    const { lines, bad, advance } = setup();
    bad.report(link('10.0.0.1'), malformed);
    bad.report(link('10.0.0.1'), { ...malformed, code: 'FRAME_TOO_LARGE' });
    bad.report(link('10.0.0.1'), malformed);
    bad.report(link('10.0.0.2'), malformed);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^closed a bad link .*"code":"FRAME_MALFORMED","address":"10\.0\.0\.1"/);
    expect(lines[1]).toMatch(/"address":"10\.0\.0\.2"/);
    advance(BAD_LINK_LOG_WINDOW_MS - 1);
    bad.report(link('10.0.0.1'), malformed);
    expect(lines).toHaveLength(2);
    advance(1);
    bad.report(link('10.0.0.1'), malformed);
    expect(lines).toHaveLength(3);
    expect(lines[2]).toMatch(/"more":3/);
  });

  it('stays bounded under many addresses and still logs a new one', () => {
    const { lines, bad } = setup();
    for (let i = 0; i < 5000; i++) bad.report(link(`10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`), malformed);
    expect(lines).toHaveLength(5000);
    expect((bad as unknown as { byAddress: Map<string, unknown> }).byAddress.size).toBeLessThanOrEqual(1024);
  });

  it('counts only closes this node made for what the peer sent', () => {
    expect(isBadLinkClose(malformed)).toBe(true);
    expect(isBadLinkClose({ code: 'SCHEMA_INVALID', reason: 'x', byPeer: false })).toBe(true);
    expect(isBadLinkClose({ code: 'PEER_TIMEOUT', reason: 'x', byPeer: false })).toBe(false);
    expect(isBadLinkClose({ code: 'BYE', reason: 'overlay', byPeer: true })).toBe(false);
    expect(isBadLinkClose({ code: 'CLOSED', reason: 'peer error SCHEMA_INVALID', byPeer: true })).toBe(false);
  });
});
