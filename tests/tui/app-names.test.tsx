import { afterEach, describe, expect, test } from 'vitest';
import { fingerprintFor, makePeer, nodeIdFor } from '../helpers/fake-chat-api.js';
import { defaultApi, KEYS, renderTui, type RenderedTui } from './harness.js';

let tui: RenderedTui | undefined;
afterEach(() => tui?.unmount());

const WAIT = { timeoutMs: 30_000 };

describe('after a peer changes nick', () => {
  test('later lines about that peer use the new nick, and Tab offers the new nick first', async () => {
    const api = defaultApi();
    const t = (tui = await renderTui({ api }));
    const alice = api.peerMap.get(nodeIdFor('alice'))!;
    api.deliver({ text: 'hello from before', from: alice.id, nick: 'alice' });
    await t.waitFor('<alice> hello from before', WAIT);
    // The node tells of the rename (presence, then the peer record), as it does for a /nick.
    api.emit({
      type: 'presence',
      peer: alice.id,
      nick: 'alicia',
      event: 'nick',
      rooms: ['general'],
      oldNick: 'alice',
    });
    api.addPeer({ ...alice, nick: 'alicia' });
    await t.waitFor('alice is now known as alicia', WAIT);
    // A link event still carries the nick of the link's hello.
    api.emit({ type: 'link:down', peer: alice.id, nick: 'alice', reason: 'timeout' });
    await t.waitFor('link lost with alicia (timeout)', WAIT);
    t.press('a', KEYS.tab);
    await t.waitFor('[#general] alicia:', WAIT);
  });
});

describe('a nick two keys have used', () => {
  test('a stranger writing under a known nick is drawn with the fingerprint, and so is the owner', async () => {
    const api = defaultApi();
    const t = (tui = await renderTui({ api, columns: 120 }));
    const bob = api.peerMap.get(nodeIdFor('bob'))!;
    api.deliver({ text: 'the real bob', from: bob.id, nick: 'bob' });
    await t.waitFor('<bob> the real bob', WAIT);
    // The stranger is no peer the node lists, and has since taken another nick.
    const stranger = nodeIdFor('stranger');
    api.deliver({ text: 'trust me', from: stranger, nick: 'bob' });
    const frame = await t.waitFor(`<bob ${fingerprintFor(stranger)}> trust me`, WAIT);
    expect(frame).toContain(`<bob ${bob.fingerprint}> the real bob`);
  });

  test('a nick used by one key stays without a fingerprint after the peer renamed', async () => {
    const api = defaultApi();
    const t = (tui = await renderTui({ api }));
    const carol = api.addPeer(makePeer('carol'));
    api.deliver({ text: 'as carol', from: carol.id, nick: 'carol' });
    api.addPeer({ ...carol, nick: 'caroline' });
    api.deliver({ text: 'as caroline', from: carol.id, nick: 'caroline' });
    const frame = await t.waitFor('<caroline> as caroline', WAIT);
    expect(frame).toContain('<carol> as carol');
  });

  test('a peer who renames to a nick another key has is named with its fingerprint', async () => {
    const api = defaultApi();
    const t = (tui = await renderTui({ api, columns: 120 }));
    const bob = api.peerMap.get(nodeIdFor('bob'))!;
    api.addPeer({ ...bob, nick: 'alice' });
    api.emit({
      type: 'presence',
      peer: bob.id,
      nick: 'alice',
      event: 'nick',
      rooms: ['general'],
      oldNick: 'bob',
    });
    await t.waitFor(`bob is now known as alice ${bob.fingerprint}`, WAIT);
  });

  test('a peer who leaves a nick another key still has is named by its fingerprint in the change line', async () => {
    const api = defaultApi();
    const t = (tui = await renderTui({ api, columns: 120 }));
    // A second key took bob's nick; when it renames, "bob is now known as ..." would not say which bob.
    const other = api.addPeer(makePeer('otherbob', { nick: 'bob' }));
    api.emit({
      type: 'presence',
      peer: other.id,
      nick: 'robert',
      event: 'nick',
      rooms: ['general'],
      oldNick: 'bob',
    });
    api.addPeer({ ...other, nick: 'robert' });
    await t.waitFor(`bob ${other.fingerprint} is now known as robert`, WAIT);
  });
});
