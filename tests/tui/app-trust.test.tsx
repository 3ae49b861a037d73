/**
 * Trust in the TUI (PROTOCOL.md §20): a key that takes a known nick is marked NEW KEY in the peers pane
 * and on its lines, and warned about before its first line; /whois explains, /trust accepts, /verify
 * shows the safety code and, confirmed, marks the peer verified everywhere; own direct messages turn
 * read, own room messages show "seen by N/M"; the node is told which conversation is on screen.
 */
import { afterEach, describe, expect, test } from 'vitest';
import type { ChatMessage, ConversationRef, PeerInfo, TrustState } from '../../src/daemon/index.js';
import { nodeCrypto } from '../../src/crypto-node/index.js';
import { parseInput } from '../../src/tui/commands.js';
import { fromHex, safetyCode } from '../../src/wire/index.js';
import { FakeChatApi, makePeer, nodeIdFor } from '../helpers/fake-chat-api.js';
import { waitUntil } from '../helpers/tui-wait.js';
import { defaultApi, renderTui, type RenderedTui } from './harness.js';

let tui: RenderedTui | undefined;
afterEach(() => tui?.unmount());

const FIRST_SEEN = Date.UTC(2025, 0, 2, 8, 30);

/** The peers pane: what is right of the last vertical border on each row. */
function peersPane(frame: string): string {
  return frame
    .split('\n')
    .map((line) => (line.includes('│') ? line.slice(line.lastIndexOf('│') + 1).trim() : ''))
    .join('\n');
}

/** A message arrives live with the trust the node gave it (the fake's builder leaves trust out). */
function deliver(
  api: FakeChatApi,
  fields: Partial<ChatMessage> & { text: string },
  trust: TrustState,
): ChatMessage {
  const message = api.store({ ...api.makeMessage(fields), trust });
  api.emit({ type: 'message', message });
  return message;
}

/** bob as pinned, and a second key now using the nick "bob". */
function twoBobs(): { api: FakeChatApi; oldBob: PeerInfo; newBob: PeerInfo } {
  const api = defaultApi();
  const oldBob = api.peerMap.get(nodeIdFor('bob'))!;
  api.addPeer(
    { ...oldBob, online: false, trust: 'known', pinnedKey: oldBob.id, firstSeen: FIRST_SEEN },
    false,
  );
  const newBob = makePeer('bob', {
    id: nodeIdFor('bob-on-another-machine'),
    trust: 'new-key',
    pinnedKey: oldBob.id,
    firstSeen: FIRST_SEEN,
    verifiedAt: null,
  });
  return { api, oldBob, newBob };
}

describe('parsing', () => {
  test('/trust takes a nick; /verify a nick and an optional yes', () => {
    expect(parseInput('/trust bob')).toEqual({ kind: 'command', command: { name: 'trust', target: 'bob' } });
    expect(parseInput('/verify bob')).toEqual({
      kind: 'command',
      command: { name: 'verify', target: 'bob', confirm: false },
    });
    expect(parseInput('/verify bob yes')).toMatchObject({ command: { confirm: true } });
    expect(parseInput('/verify bob --yes')).toMatchObject({ command: { confirm: true } });
    expect(parseInput('/verify bob maybe')).toMatchObject({ kind: 'error' });
    expect(parseInput('/trust')).toMatchObject({ kind: 'error' });
  });
});

describe('NEW KEY', () => {
  test('the peers pane and the line say so, and the warning comes before the first line', async () => {
    const { api, newBob } = twoBobs();
    const t = (tui = await renderTui({ api, columns: 110, rows: 24 }));
    api.addPeer(newBob);
    deliver(api, { from: newBob.id, nick: 'bob', text: 'hi it is me' }, 'new-key');
    const frame = await t.waitFor('hi it is me');
    const pane = peersPane(frame);
    expect(pane.replace(/\n\s*/g, ' ')).toContain('bob — NEW KEY, not the bob you knew');
    expect(pane).toMatch(/bob !/);
    const lines = frame.split('\n');
    const warning = lines.findIndex((l) => l.includes('bob — NEW KEY, not the bob you knew: /whois bob'));
    const line = lines.findIndex((l) => l.includes('hi it is me'));
    expect(warning).toBeGreaterThanOrEqual(0);
    expect(warning).toBeLessThan(line);
    // The line itself: the nick, which key it is, and the mark.
    expect(lines[line]).toContain(`<bob ${newBob.fingerprint} NEW KEY> hi it is me`);
  });

  test('a first line with a new key is warned about even before the node lists the peer', async () => {
    const { api } = twoBobs();
    const t = (tui = await renderTui({ api }));
    const stranger = nodeIdFor('unlisted-bob');
    deliver(api, { from: stranger, nick: 'bob', text: 'straight in' }, 'new-key');
    const frame = await t.waitFor('straight in');
    const lines = frame.split('\n');
    const warning = lines.findIndex((l) => l.includes('NEW KEY, not the bob you knew'));
    expect(warning).toBeGreaterThanOrEqual(0);
    expect(warning).toBeLessThan(lines.findIndex((l) => l.includes('straight in')));
  });

  test('/whois explains; /trust accepts the new key and the marks go', async () => {
    const { api, oldBob, newBob } = twoBobs();
    const t = (tui = await renderTui({ api, columns: 120, rows: 30 }));
    api.addPeer(newBob);
    deliver(api, { from: newBob.id, nick: 'bob', text: 'trust me' }, 'new-key');
    await t.waitFor('NEW KEY> trust me');
    t.submit('/whois bob'); // two peers go by bob: the warning's /whois means the new key
    const whois = await t.waitFor('its key:');
    expect(whois).toContain('trust: bob — NEW KEY, not the bob you knew');
    expect(whois).toContain(`its key: ${newBob.fingerprint}; the key you knew as bob: ${oldBob.fingerprint}`);
    expect(whois).toMatch(/first seen 2025-01-02/);
    expect(whois).toContain('/trust bob accepts the new key');

    t.submit('/trust bob'); // two peers go by bob: the one with the new key is meant
    await t.waitFor('is now the bob you know');
    expect(api.callsOf('trustPeer')).toEqual([[newBob.id]]);
    const after = await t.waitFor((f) => f.includes('<bob') && !f.includes('NEW KEY> trust me'));
    expect(peersPane(after)).not.toContain('NEW KEY');
  });
});

describe('/verify', () => {
  test('shows the safety code and how to compare it; "yes" marks the peer verified everywhere', async () => {
    const t = (tui = await renderTui({ columns: 120, rows: 30 }));
    const alice = nodeIdFor('alice');
    deliver(t.api, { from: alice, nick: 'alice', text: 'before verifying' }, 'known');
    await t.waitFor('<alice> before verifying');
    t.submit('/verify alice');
    const frame = await t.waitFor('face to face');
    const code = safetyCode(nodeCrypto, fromHex(t.api.self.id), fromHex(alice));
    expect(code).toMatch(/^\d{5}( \d{5}){5}$/);
    expect(frame).toContain(code);
    expect(frame).toContain('/verify alice yes marks alice verified');
    expect(t.api.callsOf('verifyPeer')).toHaveLength(0); // showing the code verifies nothing

    t.submit('/verify alice yes');
    const verified = await t.waitFor('is verified ✓');
    expect(t.api.callsOf('verifyPeer')).toEqual([['alice']]);
    expect(peersPane(verified)).toMatch(/alice ✓/);
    expect(verified).toContain('<alice ✓> before verifying'); // lines drawn before are marked too
    t.submit('/dm alice');
    await t.waitFor('verified ✓'); // the title bar of the conversation
  });

  test('/verify of an unknown nick says so', async () => {
    const t = (tui = await renderTui());
    t.submit('/verify nobody');
    await t.waitFor('/verify: no known peer matches "nobody"');
  });
});

describe('read and seen', () => {
  test('an own direct message goes sent, delivered, read', async () => {
    const t = (tui = await renderTui());
    const alice = nodeIdFor('alice');
    t.submit('/dm alice');
    t.submit('did you read this');
    await t.waitFor('<me> did you read this (sent)');
    const sent = (await t.api.history({ peer: alice })).at(-1)!;
    t.api.emit({ type: 'receipt', id: sent.id, peer: alice });
    await t.waitFor('did you read this (delivered)');
    t.api.emit({ type: 'read', peer: alice, ts: sent.ts, id: sent.id });
    await t.waitFor('<me> did you read this (read ✓✓)');
    // A late receipt does not take 'read' back.
    t.api.emit({ type: 'receipt', id: sent.id, peer: alice });
    t.submit('one more');
    const frame = await t.waitFor('<me> one more (sent)');
    expect(frame).toContain('did you read this (read ✓✓)');
  });

  test('read up to a later message leaves one never delivered "sent"; its late receipt makes it read', async () => {
    const t = (tui = await renderTui());
    const alice = nodeIdFor('alice');
    t.submit('/dm alice');
    t.submit('lost on the way');
    await t.waitFor('<me> lost on the way (sent)');
    t.submit('got there');
    await t.waitFor('<me> got there (sent)');
    const [lost, got] = (await t.api.history({ peer: alice })).slice(-2);
    t.api.emit({ type: 'receipt', id: got.id, peer: alice });
    await t.waitFor('got there (delivered)');
    t.api.emit({ type: 'read', peer: alice, ts: got.ts, id: got.id });
    const frame = await t.waitFor('<me> got there (read ✓✓)');
    // Was: "read ✓✓" on both, though alice never had the first.
    expect(frame).toContain('<me> lost on the way (sent)');
    // It arrives after all (sent again): its receipt comes after the read marker, and it is read.
    t.api.emit({ type: 'receipt', id: lost.id, peer: alice });
    await t.waitFor('<me> lost on the way (read ✓✓)');
  });

  test('an own room message shows seen by N/M, also when the count comes before the message', async () => {
    const api = new FakeChatApi({ nick: 'me', rooms: ['general'], echoOwn: false });
    const send = api.send.bind(api);
    let early = true;
    api.send = async (to, text, options) => {
      const message = await send(to, text, options);
      // The node counted one member before `send` answered.
      if (early) api.emit({ type: 'seen', id: message.id, room: 'general', count: 1, of: 3 });
      early = false;
      return message;
    };
    const t = (tui = await renderTui({ api }));
    t.submit('anyone?');
    await t.waitFor('<me> anyone? (seen by 1/3)');
    const [sent] = (await api.history({ room: 'general' })).slice(-1);
    api.emit({ type: 'seen', id: sent.id, room: 'general', count: 3, of: 3 });
    await t.waitFor('<me> anyone? (seen by 3/3)');
  });
});

describe('the conversation on screen', () => {
  test('the node is told when it changes, and null while the terminal is away', async () => {
    const t = (tui = await renderTui());
    const shown = (): ConversationRef | null => t.api.shown;
    await waitUntil(() => shown()?.kind === 'room' || undefined, { description: 'the room shown' });
    expect(shown()).toEqual({ kind: 'room', room: 'general' });
    t.submit('/dm alice');
    await waitUntil(() => shown()?.kind === 'direct' || undefined, { description: 'the direct shown' });
    expect(shown()).toEqual({ kind: 'direct', peer: nodeIdFor('alice') });
    t.press('\u001B[O'); // focus lost
    await waitUntil(() => shown() === null || undefined, { description: 'nothing shown' });
    t.press('\u001B[I'); // focus back
    await waitUntil(() => shown()?.kind === 'direct' || undefined, { description: 'the direct again' });
    // Told once per change, not on every event.
    const calls = t.api.callsOf('setShownConversation').length;
    t.api.deliver({ text: 'noise' });
    t.api.deliver({ text: 'more noise' });
    await t.waitFor('#general(2)');
    expect(t.api.callsOf('setShownConversation').length).toBe(calls);
  });
});
