/**
 * The session around the chat: the node going away under an attached UI (the loss shows at once, a
 * line that cannot be sent stays in the input, everything is re-read on reattaching), the direct
 * conversations a restarted UI opens again, /list and /topic.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { KonnectError } from '../../src/wire/index.js';
import { makePeer, nodeIdFor } from '../helpers/fake-chat-api.js';
import { waitUntil } from '../helpers/tui-wait.js';
import { defaultApi, renderTui, type RenderedTui } from './harness.js';

let tui: RenderedTui | undefined;
afterEach(() => tui?.unmount());

const start = async (options: Parameters<typeof renderTui>[0] = {}) => {
  tui = await renderTui({ columns: 120, rows: 30, ...options });
  return tui;
};

const noDaemon = () =>
  new KonnectError('NO_DAEMON', 'not attached: the node stopped; reattaching when it is back');

describe('the node goes away under an attached UI', () => {
  test('the loss shows at once, peers are no longer shown linked, the typed line is kept', async () => {
    const t = await start();
    await t.waitFor('[2 peers, 1 link]');
    t.api.emit({ type: 'connection', state: 'lost', reason: 'the node this window was attached to stopped' });
    const frame = await t.waitFor('DETACHED');
    expect(frame).toContain('[detached]');
    expect(frame).toContain('the node this window was attached to stopped: detached');
    // The terminal's wording (the page says it in its own, tests/browser/page-ui.test.ts).
    expect(frame).toContain('until a node runs for this data directory again');
    expect(frame).toContain('[0 peers, 0 links]');

    t.api.failNext('send', noDaemon());
    t.submit('hello while it is gone');
    await t.waitFor('your line is back in the input');
    // The input line (the last row) holds the line again.
    const rows = t.frame().trimEnd().split('\n');
    expect(rows[rows.length - 1]).toContain('hello while it is gone');
    expect(t.frame()).toContain('not sent: not attached');

    // Back: everything is read again, and Enter sends the kept line.
    const historyCalls = t.api.callsOf('history').length;
    const statusCalls = t.api.callsOf('status').length;
    t.api.emit({ type: 'connection', state: 'restored', reason: 'a node for this data directory is back' });
    await t.waitFor('attached again to the node');
    await waitUntil(() => t.api.callsOf('history').length > historyCalls, {
      description: 'history read again after reattaching',
    });
    expect(t.api.callsOf('status').length).toBeGreaterThan(statusCalls);
    await t.waitFor((f) => !f.includes('DETACHED') && f.includes('[2 peers, 1 link]'));
    t.submit('');
    await waitUntil(() => t.api.callsOf('send').length === 2, { description: 'the kept line sent' });
    expect(t.api.callsOf('send')[1][1]).toBe('hello while it is gone');
  });

  test('a line lost while more was typed is one Up away', async () => {
    const t = await start();
    t.api.emit({ type: 'connection', state: 'lost', reason: 'gone' });
    await t.waitFor('DETACHED');
    t.api.failNext('send', noDaemon());
    // The second line is typed before the first one's failure comes back: it stays where it is.
    t.press('first line\r', 'second');
    await t.waitFor('your line was kept: press Up to recall it');
    const rows = t.frame().trimEnd().split('\n');
    expect(rows[rows.length - 1]).toContain('second');
    expect(rows[rows.length - 1]).not.toContain('first line');
  });
});

describe('open direct conversations across restarts', () => {
  test('a UI opens the direct conversations the node remembers, and tells it of changes', async () => {
    const api = defaultApi();
    api.directs = [nodeIdFor('alice')];
    const t = await start({ api });
    t.submit('/rooms');
    await t.waitFor('direct: @alice');
    // Nothing changed yet: the saved list is not rewritten.
    expect(api.callsOf('setOpenDirects')).toEqual([]);
    t.submit('/dm bob');
    await waitUntil(() => api.callsOf('setOpenDirects').length === 1, { description: 'setOpenDirects' });
    expect(api.directs).toEqual([nodeIdFor('alice'), nodeIdFor('bob')]);
    t.submit('/leave');
    await waitUntil(() => api.directs.length === 1, { description: 'the closed conversation forgotten' });
    expect(api.directs).toEqual([nodeIdFor('alice')]);
  });
});

describe('/list and /topic', () => {
  test('/list shows every room seen in presence with its members and topic', async () => {
    const api = defaultApi();
    api.addPeer(makePeer('carol', { linked: false, online: false, rooms: ['attic'] }), false);
    api.topicMap.set('dev', {
      room: 'dev',
      topic: 'build fixes',
      from: nodeIdFor('bob'),
      nick: 'bob',
      ts: 1,
    });
    const t = await start({ api });
    t.submit('/list');
    const frame = await t.waitFor('/join ROOM joins one');
    expect(frame).toContain('rooms on the network: 2');
    expect(frame).toContain('#general — 3 members, you are in it');
    expect(frame).toContain('#dev — 1 member · build fixes');
    // An offline peer's rooms are not counted.
    expect(frame).not.toContain('#attic');
  });

  test('/topic sets the topic for the room, shows it in the title bar, and tells it back', async () => {
    const t = await start();
    t.submit('/topic');
    await t.waitFor('#general has no topic (/topic TEXT sets one)');
    t.submit('/topic release on Friday');
    await t.waitFor('me set the topic: release on Friday');
    expect(t.api.callsOf('setTopic')).toEqual([['general', 'release on Friday']]);
    expect(t.frame().split('\n')[0]).toContain('topic: release on Friday');
    t.submit('/topic');
    await t.waitFor('topic of #general: release on Friday (set by me');
    // Another member's topic arrives as an event.
    t.api.emit({
      type: 'topic',
      topic: { room: 'general', topic: '', from: nodeIdFor('alice'), nick: 'alice', ts: t.api.tick() },
    });
    await t.waitFor('alice cleared the topic');
    expect(t.frame().split('\n')[0]).not.toContain('topic:');
  });

  test('/topic in a direct conversation says it needs a room', async () => {
    const t = await start();
    t.submit('/dm alice');
    await t.waitFor('[2:@alice]');
    t.submit('/topic hello');
    await t.waitFor('/topic works in a room: switch to one first');
    expect(t.api.callsOf('setTopic')).toEqual([]);
  });
});
