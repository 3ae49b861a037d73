import { afterEach, describe, expect, test } from 'vitest';
import { UsageError } from '../../src/wire/index.js';
import { makePeer, nodeIdFor } from '../helpers/fake-chat-api.js';
import { waitUntil } from '../helpers/tui-wait.js';
import { defaultApi, KEYS, renderTui, type RenderedTui } from './harness.js';

let tui: RenderedTui | undefined;
afterEach(() => tui?.unmount());

const start = async (options: Parameters<typeof renderTui>[0] = {}) => {
  tui = await renderTui({ columns: 120, rows: 30, ...options });
  return tui;
};

describe('/help', () => {
  test('lists every command and the keys', async () => {
    const t = await start({ rows: 40 });
    t.submit('/help');
    const frame = await t.waitFor('(empty line) quit');
    for (const usage of [
      '/nick NAME',
      '/join ROOM',
      '/leave [ROOM]',
      '/msg NICK TEXT',
      '/dm NICK',
      '/search TEXT',
    ]) {
      expect(frame).toContain(usage);
    }
  });

  test('explains one command, or says there is no such command', async () => {
    const t = await start();
    t.submit('/help msg');
    await t.waitFor('/msg NICK TEXT — send a direct message without switching');
    t.submit('/help nope');
    await t.waitFor('no command /nope; /help lists them');
  });
});

describe('errors in the line itself', () => {
  test('an unknown command and bad arguments get one line each, nothing is sent', async () => {
    const t = await start();
    t.submit('/frob');
    await t.waitFor('unknown command /frob; /help lists the commands');
    t.submit('/msg bob');
    await t.waitFor('/msg needs a message after "bob" (usage: /msg NICK TEXT)');
    expect(t.api.callsOf('send')).toEqual([]);
  });

  test('//text sends a line that starts with a slash', async () => {
    const t = await start();
    t.submit('//shrug');
    await t.waitFor('<me> /shrug');
    expect(t.api.callsOf('send')[0]).toEqual([{ kind: 'room', room: 'general' }, '/shrug', undefined]);
  });

  test('a failed send says so', async () => {
    const t = await start();
    t.api.failNext('send', new Error('text too long'));
    t.submit('hello');
    await t.waitFor('not sent: text too long');
  });
});

describe('/nick', () => {
  test('changes the nick', async () => {
    const t = await start();
    t.submit('/nick zoe');
    await t.waitFor('you are now known as zoe');
    await t.waitFor('[zoe]');
    expect(t.api.callsOf('setNick')).toEqual([['zoe']]);
  });

  test('a nick the node refuses is explained', async () => {
    const t = await start();
    t.submit('/nick bad!');
    await t.waitFor('could not change nick to "bad!": not a valid nick: bad!');
  });
});

describe('/join, /leave, /rooms, /back', () => {
  test('/leave shows the next conversation with its history loaded', async () => {
    const api = defaultApi();
    api.rooms.push('dev');
    api.seedRoom('dev', 3, (i) => `dev history ${i}`);
    const t = (tui = await renderTui({ api }));
    await t.waitFor('[1:#general]');
    t.submit('/leave');
    await t.waitFor('left #general');
    await t.waitFor('dev history 2');
    expect(api.callsOf('history').some((c) => (c[0] as { room?: string }).room === 'dev')).toBe(true);
  });

  test('/join joins, switches, and loads the room history', async () => {
    const api = defaultApi();
    api.seedRoom('dev', 2, (i) => `dev talk ${i}`);
    const t = await start({ api });
    t.submit('/join #dev');
    await t.waitFor('dev talk 1');
    await t.waitFor('[2:#dev]');
    expect(api.callsOf('joinRoom')).toEqual([['dev']]);
    expect(api.callsOf('history')).toContainEqual([{ room: 'dev', limit: 200 }]);
  });

  test('/join failing is one line', async () => {
    const t = await start();
    t.api.failNext('joinRoom', new UsageError('INVALID_ARGUMENT', 'not a valid room name'));
    t.submit('/join Bad-Room');
    await t.waitFor('could not join #bad-room: not a valid room name');
  });

  test('/rooms lists the rooms with their peers', async () => {
    const t = await start({ api: defaultApi() });
    t.submit('/join dev');
    await t.waitFor('[2:#dev]');
    t.submit('/rooms');
    await t.waitFor('rooms: #general (2 peers), #dev (1 peer, shown)');
  });

  test('/back returns to the previous conversation, and says when there is none', async () => {
    const t = await start();
    t.submit('/back');
    await t.waitFor('there is no previous conversation');
    t.submit('/join dev');
    await t.waitFor('[2:#dev]');
    t.submit('/back');
    await t.waitFor('[1:#general]');
  });

  test('/leave ROOM leaves it; /leave leaves the shown room; the last one is kept', async () => {
    const t = await start();
    t.submit('/join dev');
    await t.waitFor('[2:#dev]');
    t.submit('/leave');
    await t.waitFor('left #dev');
    await t.waitFor('[1:#general]');
    expect(t.api.callsOf('leaveRoom')).toEqual([['dev']]);
    t.submit('/leave');
    await t.waitFor('#general is your only conversation: /join another room first, or /quit');
    t.submit('/leave nowhere');
    await t.waitFor('you are not in #nowhere (/rooms lists yours)');
  });
});

describe('peers: /msg, /dm, /peers, /whois', () => {
  test('/msg sends directly without switching', async () => {
    const t = await start();
    t.submit('/msg bob psst');
    await t.waitFor('→ @bob: psst');
    expect(t.api.callsOf('send')[0]).toEqual([{ kind: 'direct', peer: nodeIdFor('bob') }, 'psst', undefined]);
    expect(t.frame()).toContain('[1:#general]');
    // The direct conversation is open behind, with the message in it.
    t.press(KEYS.ctrlN);
    await t.waitFor('[2:@bob]');
    await t.waitFor('<me> psst (sent)');
  });

  test('an unknown peer and an ambiguous one are one line each', async () => {
    const api = defaultApi();
    api.addPeer(makePeer('bob', { id: nodeIdFor('bob-2') }), false);
    const t = await start({ api });
    t.submit('/msg nobody hi');
    await t.waitFor('/msg: no known peer matches "nobody" (see /peers)');
    t.submit('/dm bob');
    await t.waitFor('/dm: "bob" matches several peers: use a fingerprint instead (see /peers)');
    expect(api.callsOf('send')).toEqual([]);
  });

  test('/dm opens the direct conversation and loads its history', async () => {
    const t = await start();
    t.submit('/dm alice');
    await t.waitFor('@alice');
    await t.waitFor('direct, end-to-end encrypted');
    expect(t.api.callsOf('history')).toContainEqual([{ peer: nodeIdFor('alice'), limit: 200 }]);
  });

  test('/peers lists every peer and how it is reached', async () => {
    const t = await start();
    t.submit('/peers');
    const alice = t.api.peerMap.get(nodeIdFor('alice'))!;
    await t.waitFor('peers: 2 online, 1 linked, 2 known');
    await t.waitFor(`alice ${alice.fingerprint} — linked directly, rtt 4ms · in #general`);
    await t.waitFor('bob');
    await t.waitFor('— through the mesh');
  });

  test('/whois shows id, fingerprint, addresses, how found and rtt', async () => {
    const t = await start({ rows: 40 });
    t.submit('/whois alice');
    const alice = t.api.peerMap.get(nodeIdFor('alice'))!;
    const frame = await t.waitFor('rtt: 4ms');
    expect(frame).toContain(`alice ${alice.fingerprint}`);
    expect(frame).toContain(`id: ${alice.id}`);
    expect(frame).toContain('addresses: 192.168.1.20:7070');
    expect(frame).toContain('found by: mdns');
    expect(frame).toContain('link: linked directly, rtt 4ms');
    t.submit('/whois ghost');
    await t.waitFor('/whois: no known peer matches "ghost"');
  });
});

describe('/me, /clear, /search, /quit', () => {
  test('/me sends an action', async () => {
    const t = await start();
    t.submit('/me waves');
    await t.waitFor('* me waves');
    expect(t.api.callsOf('send')[0]).toEqual([{ kind: 'room', room: 'general' }, 'waves', { action: true }]);
  });

  test('/clear empties the screen; PgUp brings it back', async () => {
    const api = defaultApi();
    api.seedRoom('general', 3);
    const t = await start({ api });
    await t.waitFor('message 2');
    t.submit('/clear');
    await t.waitFor((f) => !f.includes('message 2'));
    t.api.deliver({ text: 'after the clear' });
    await t.waitFor('after the clear');
    expect(t.frame()).not.toContain('message 0');
    t.press(KEYS.pageUp);
    await t.waitFor('message 0');
  });

  test('/search shows matching messages of this conversation', async () => {
    const api = defaultApi();
    api.seedRoom('general', 30, (i) => (i % 10 === 0 ? `needle ${i}` : `hay ${i}`));
    const t = await start({ api });
    t.submit('/search needle');
    await t.waitFor('search "needle" in #general: 3 messages');
    await t.waitFor('needle 20');
    expect(api.callsOf('history')).toContainEqual([{ room: 'general', search: 'needle', limit: 50 }]);
    t.submit('/search nothing-like-this');
    await t.waitFor('search "nothing-like-this" in #general: no messages match');
  });

  test('/quit quits', async () => {
    const t = await start();
    t.submit('/quit');
    await waitUntil(() => t.onQuit.mock.calls.length === 1, { description: 'onQuit' });
  });
});
