import { describe, expect, test } from 'vitest';
import type { ChatMessage } from '../../src/daemon/index.js';
import { ChatModel } from '../../src/tui/chat-model.js';
import {
  fitRow,
  hotlist,
  inputRow,
  peersRows,
  sortPeers,
  statusRow,
  titleRow,
} from '../../src/tui/chrome-view.js';
import type { Row } from '../../src/tui/history-view.js';
import { cellWidth } from '../../src/tui/text-width.js';
import { makePeer } from '../helpers/fake-chat-api.js';

const text = (row: Row) => row.map((s) => s.text).join('');

function model(): ChatModel {
  const m = new ChatModel({ maxFps: 0 });
  m.setSelf({ id: 'f'.repeat(64), nick: 'me', fingerprint: 'mmmm-mmmm' });
  m.upsertPeer(makePeer('alice', { rttMs: 12 }));
  m.upsertPeer(makePeer('bob', { linked: false, rttMs: null, rooms: ['general', 'dev'] }));
  m.upsertPeer(makePeer('zed', { linked: false, online: false, rttMs: null }));
  m.show(m.open({ kind: 'room', room: 'general' }).key);
  return m;
}

const incoming = (room: string): ChatMessage => ({
  id: `id-${Math.random()}`,
  room,
  peer: null,
  direct: false,
  from: 'a'.repeat(64),
  nick: 'alice',
  ts: 1,
  text: 'x',
  action: false,
  own: false,
  status: null,
  via: 'live',
  future: false,
});

describe('chrome rows', () => {
  test('fitRow cuts to the width', () => {
    expect(text(fitRow([{ text: 'abc' }, { text: 'defgh' }], 6))).toBe('abcde…');
    expect(cellWidth(text(fitRow([{ text: '漢字漢字' }], 5)))).toBeLessThanOrEqual(5);
  });

  test('peers: linked first, then mesh, then offline; with fingerprint and RTT', () => {
    const m = model();
    expect(sortPeers(m.peers.values()).map((p) => p.nick)).toEqual(['alice', 'bob', 'zed']);
    const rows = peersRows(m, 29, 8).map(text);
    expect(rows[0]).toBe('peers 2/3');
    expect(rows[1]).toMatch(/^● alice +\S{4}-\S{4} +12ms$/);
    expect(rows[2]).toMatch(/^○ bob +\S{4}-\S{4}/);
    expect(rows[3]).toMatch(/^· zed/);
    expect(rows.at(-1)).toBe('● direct ○ mesh');
    expect(rows).toHaveLength(8);
    for (const row of rows) expect(cellWidth(row)).toBeLessThanOrEqual(29);
  });

  test('peers that do not fit are counted', () => {
    const m = model();
    for (let i = 0; i < 10; i++) m.upsertPeer(makePeer(`p${i}`));
    // 13 peers; 6 rows: the header, 3 peers, "+10 more", the legend.
    const rows = peersRows(m, 29, 6).map(text);
    expect(rows).toHaveLength(6);
    expect(rows[4]).toBe('+10 more');
  });

  test('title names the room and who we are', () => {
    expect(text(titleRow(model(), 80))).toMatch(/^ #general — 2 peers here · you are me +$/);
  });

  test('title of a direct conversation says it is encrypted and how the peer is linked', () => {
    const m = model();
    const alice = [...m.peers.values()].find((p) => p.nick === 'alice')!;
    m.show(m.open({ kind: 'direct', peer: alice.id }).key);
    expect(text(titleRow(m, 120))).toContain('@alice');
    expect(text(titleRow(m, 120))).toContain('direct, end-to-end encrypted · linked directly, rtt 12ms');
  });

  test('hotlist counts unread and mentions of conversations not shown', () => {
    const m = model();
    const dev = m.open({ kind: 'room', room: 'dev' });
    dev.append(incoming('dev'), false);
    dev.unread = 3;
    dev.mentions = 1;
    expect(text(hotlist(m))).toBe('2:#dev(3,1!)');
    const status = text(statusRow(m, 100, { scrolled: false, below: 0 }));
    expect(status).toContain('[1:#general] [me] [2 peers, 1 link] [act: 2:#dev(3,1!)]');
    m.show(dev.key);
    expect(text(hotlist(m))).toBe('');
  });

  test('status shows "more" while scrolled back', () => {
    expect(text(statusRow(model(), 100, { scrolled: true, below: 7 }))).toMatch(/^ -- more \(7\) --/);
  });

  test('input row: prompt, text; and the paste question', () => {
    const m = model();
    m.input = { text: 'hello', cursor: 5 };
    expect(text(inputRow(m, 40))).toBe('[#general] hello ');
    m.pendingPaste = ['one', 'two', 'three'];
    expect(text(inputRow(m, 40))).toBe('send 3 lines? (y/n) one');
  });
});
