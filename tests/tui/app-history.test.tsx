import chalk from 'chalk';
import { afterEach, describe, expect, test } from 'vitest';
import { formatTime } from '../../src/tui/format.js';
import { FakeChatApi, makePeer, nodeIdFor } from '../helpers/fake-chat-api.js';
import { defaultApi, renderTui, type RenderedTui } from './harness.js';

let tui: RenderedTui | undefined;
afterEach(() => tui?.unmount());

describe('history pane', () => {
  test('loads the last messages of the room on start and draws them with time and nick', async () => {
    const api = defaultApi();
    const seeded = api.seedRoom('general', 5);
    tui = await renderTui({ api });
    const frame = await tui.waitFor('message 4');
    expect(api.callsOf('history')[0]).toEqual([{ room: 'general', limit: 200 }]);
    for (const m of seeded) expect(frame).toContain(`${formatTime(m.ts)} <${m.nick}> ${m.text}`);
  });

  test('messages arriving live are appended', async () => {
    tui = await renderTui();
    tui.api.deliver({ text: 'live one', from: nodeIdFor('alice'), nick: 'alice' });
    tui.api.deliver({ text: 'live two', from: nodeIdFor('bob'), nick: 'bob' });
    const frame = await tui.waitFor('live two');
    expect(frame.indexOf('<alice> live one')).toBeLessThan(frame.indexOf('<bob> live two'));
  });

  test('own messages are drawn bold, others in their color', async () => {
    const level = chalk.level;
    chalk.level = 1;
    try {
      tui = await renderTui();
      tui.submit('mine');
      await tui.waitFor('<me> mine');
      tui.api.deliver({ text: 'theirs' });
      await tui.waitFor('<alice> theirs');
      const raw = tui.instance.lastFrame() ?? '';
      expect(raw).toMatch(/\u001B\[1mme\u001B\[22m/);
      expect(raw).not.toMatch(/\u001B\[1malice\u001B\[22m/);
    } finally {
      chalk.level = level;
    }
  });

  test('an action from a peer reads "* nick text"', async () => {
    tui = await renderTui();
    tui.api.deliver({ text: 'waves', action: true });
    await tui.waitFor('* alice waves');
  });

  test('a peer sharing a nick with another is told apart by fingerprint', async () => {
    const api = defaultApi();
    const impostor = makePeer('alice', { id: nodeIdFor('impostor') });
    api.addPeer(impostor, false);
    tui = await renderTui({ api });
    api.deliver({ text: 'from the real one', from: nodeIdFor('alice'), nick: 'alice' });
    api.deliver({ text: 'from the other one', from: impostor.id, nick: 'alice' });
    const frame = await tui.waitFor('from the other one');
    const real = api.peerMap.get(nodeIdFor('alice'))!.fingerprint;
    expect(frame).toContain(`<alice ${real}> from the real one`);
    expect(frame).toContain(`<alice ${impostor.fingerprint}> from the other one`);
  });

  test('a message written after a unique nick has no fingerprint', async () => {
    tui = await renderTui();
    tui.api.deliver({ text: 'plain', from: nodeIdFor('bob'), nick: 'bob' });
    await tui.waitFor('<bob> plain');
  });
});

describe('system lines', () => {
  test('joins, leaves and nick changes', async () => {
    const api = defaultApi();
    tui = await renderTui({ api });
    const bob = api.peerMap.get(nodeIdFor('bob'))!;
    api.emit({ type: 'presence', peer: bob.id, nick: 'bob', event: 'join', rooms: ['general'] });
    await tui.waitFor(`--> bob (${bob.fingerprint}) joined #general`);
    api.emit({
      type: 'presence',
      peer: bob.id,
      nick: 'bobby',
      event: 'nick',
      rooms: ['general'],
      oldNick: 'bob',
    });
    await tui.waitFor('bob is now known as bobby');
    api.emit({ type: 'presence', peer: bob.id, nick: 'bobby', event: 'leave', rooms: ['general'] });
    await tui.waitFor(`<-- bobby (${bob.fingerprint}) left #general`);
  });

  test('a presence for a room not open draws nothing there', async () => {
    const api = defaultApi();
    tui = await renderTui({ api });
    api.emit({ type: 'presence', peer: nodeIdFor('bob'), nick: 'bob', event: 'join', rooms: ['elsewhere'] });
    api.deliver({ text: 'marker' });
    const frame = await tui.waitFor('marker');
    expect(frame).not.toContain('joined');
  });

  test('links lost and regained', async () => {
    const api = defaultApi();
    tui = await renderTui({ api });
    const alice = nodeIdFor('alice');
    api.emit({ type: 'link:down', peer: alice, nick: 'alice', reason: 'timed out' });
    await tui.waitFor('link lost with alice (timed out)');
    await tui.waitFor(/\[2 peers, 0 links\]/);
    api.emit({ type: 'link:up', peer: alice, nick: 'alice' });
    await tui.waitFor('link up with alice');
    await tui.waitFor(/\[2 peers, 1 link\]/);
  });

  test('"caught up N messages from NICK" after a sync, and the synced messages appear', async () => {
    const api = defaultApi();
    api.seedRoom('general', 2);
    tui = await renderTui({ api });
    await tui.waitFor('message 1');
    // Messages written elsewhere during a partition reach the store without live events.
    const ts = api.tick();
    api.store(api.makeMessage({ text: 'written during the partition', ts, via: 'sync' }));
    api.emit({ type: 'sync', peer: nodeIdFor('bob'), nick: 'bob', count: 1, scope: 'room:general' });
    await tui.waitFor('caught up 1 message from bob');
    await tui.waitFor('written during the partition');
  });

  test('a synced message event is placed by its time, not at the bottom', async () => {
    const api = defaultApi();
    const [first] = api.seedRoom('general', 3);
    tui = await renderTui({ api });
    await tui.waitFor('message 2');
    api.emit({
      type: 'message',
      message: api.makeMessage({ text: 'late arrival', ts: first.ts + 500, via: 'sync' }),
    });
    const frame = await tui.waitFor('late arrival');
    expect(frame.indexOf('message 0')).toBeLessThan(frame.indexOf('late arrival'));
    expect(frame.indexOf('late arrival')).toBeLessThan(frame.indexOf('message 1'));
  });

  test('a node that cannot be reached is said so in one line', async () => {
    const api = new FakeChatApi();
    api.failNext('status', new Error('connect ENOENT /tmp/konnect.sock'));
    const { render } = await import('ink-testing-library');
    const React = await import('react');
    const { Tui } = await import('../../src/tui/index.js');
    const instance = render(
      React.createElement(Tui, { api, room: 'general', columns: 120, rows: 10, bell: () => {} }),
    );
    try {
      const { waitForFrame } = await import('../helpers/tui-wait.js');
      await waitForFrame(instance.lastFrame, 'could not reach the node: connect ENOENT /tmp/konnect.sock');
    } finally {
      instance.unmount();
    }
  });
});

describe('peers pane', () => {
  test('lists nick, fingerprint, direct or mesh, and RTT', async () => {
    const api = defaultApi();
    tui = await renderTui({ api, columns: 100 });
    const alice = api.peerMap.get(nodeIdFor('alice'))!;
    const bob = api.peerMap.get(nodeIdFor('bob'))!;
    const frame = await tui.waitFor('peers 2/2');
    expect(frame).toMatch(new RegExp(`● alice +${alice.fingerprint} +4ms`));
    expect(frame).toMatch(new RegExp(`○ bob +${bob.fingerprint}`));
    expect(frame).toContain('● direct ○ mesh');
  });

  test('follows peer events', async () => {
    const api = defaultApi();
    tui = await renderTui({ api });
    api.addPeer(makePeer('carol', { rttMs: 27 }));
    await tui.waitFor(/● carol +\S+ +27ms/);
    await tui.waitFor('peers 3/3');
  });

  test('hides below 70 columns and shows from 70', async () => {
    tui = await renderTui({ columns: 69 });
    expect(tui.frame()).not.toContain('peers 2/2');
    tui.unmount();
    tui = await renderTui({ columns: 70 });
    await tui.waitFor('peers 2/2');
  });
});
