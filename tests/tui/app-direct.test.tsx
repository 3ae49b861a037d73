import { afterEach, describe, expect, test } from 'vitest';
import type { ConversationRef } from '../../src/daemon/index.js';
import { nodeIdFor } from '../helpers/fake-chat-api.js';
import { defaultApi, KEYS, renderTui, type RenderedTui } from './harness.js';

let tui: RenderedTui | undefined;
afterEach(() => tui?.unmount());

describe('direct mode', () => {
  test('own messages show "sent", then "delivered" when the receipt arrives', async () => {
    const t = (tui = await renderTui());
    t.submit('/dm alice');
    await t.waitFor('[2:@alice]');
    await t.waitFor('direct, end-to-end encrypted · linked directly, rtt 4ms');
    t.submit('just between us');
    await t.waitFor('<me> just between us (sent)');
    const [ref] = t.api.callsOf('send')[0] as [ConversationRef];
    expect(ref).toEqual({ kind: 'direct', peer: nodeIdFor('alice') });
    const sent = (await t.api.history({ peer: nodeIdFor('alice') })).at(-1)!;
    t.api.emit({ type: 'receipt', id: sent.id, peer: nodeIdFor('alice') });
    const frame = await t.waitFor('<me> just between us (delivered)');
    expect(frame).not.toContain('(sent)');
  });

  test('a line typed right after /dm goes to the direct conversation, never to the room', async () => {
    const api = defaultApi();
    const resolve = api.resolvePeer.bind(api);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    api.resolvePeer = async (query) => {
      await gate; // the peer lookup is still under way when the next line is typed
      return resolve(query);
    };
    const t = (tui = await renderTui({ api }));
    t.submit('/dm alice');
    t.submit('for alice only');
    release();
    await t.waitFor('<me> for alice only');
    const [ref] = t.api.callsOf('send')[0] as [ConversationRef];
    expect(ref).toEqual({ kind: 'direct', peer: nodeIdFor('alice') });
  });

  test('lines of a confirmed paste go to the conversation pasted into, even if the view switches', async () => {
    const api = defaultApi();
    const send = api.send.bind(api);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    api.send = async (to, text, options) => {
      await gate; // the sends are still under way when the person switches conversations
      return send(to, text, options);
    };
    const t = (tui = await renderTui({ api }));
    t.submit('/dm alice');
    await t.waitFor('[2:@alice]');
    t.press(KEYS.pasteStart, 'secret one\nsecret two\nsecret three', KEYS.pasteEnd);
    await t.waitFor('send 3 lines?');
    t.press('y');
    t.press(KEYS.ctrlN);
    release();
    await t.waitFor('[1:#general]');
    const refs = api.callsOf('send').map((c) => `${(c[0] as ConversationRef).kind}:${c[1]}`);
    expect(refs).toEqual(['direct:secret one', 'direct:secret two', 'direct:secret three']);
  });

  test('lines typed before a switch go where they were typed, even while a send is under way', async () => {
    const api = defaultApi();
    const send = api.send.bind(api);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    api.send = async (to, text, options) => {
      await gate;
      return send(to, text, options);
    };
    const t = (tui = await renderTui({ api }));
    t.submit('/dm alice');
    await t.waitFor('[2:@alice]');
    t.submit('first private');
    t.submit('second private');
    t.press(KEYS.ctrlN);
    release();
    await t.waitFor('[1:#general]');
    const refs = api.callsOf('send').map((c) => `${(c[0] as ConversationRef).kind}:${c[1]}`);
    expect(refs).toEqual(['direct:first private', 'direct:second private']);
  });

  test('a receipt that arrives before the message is not lost', async () => {
    const api = defaultApi();
    api.echoOwn = false;
    const send = api.send.bind(api);
    api.send = async (to, text, options) => {
      const message = await send(to, text, options);
      api.emit({ type: 'receipt', id: message.id, peer: nodeIdFor('alice') });
      return message;
    };
    const t = (tui = await renderTui({ api }));
    t.submit('/dm alice');
    await t.waitFor('[2:@alice]');
    t.submit('quick');
    await t.waitFor('<me> quick (delivered)');
  });

  test('replies appear in the direct conversation, not in the room', async () => {
    const t = (tui = await renderTui());
    t.submit('/dm alice');
    await t.waitFor('[2:@alice]');
    t.api.deliver({ direct: true, from: nodeIdFor('alice'), nick: 'alice', text: 'reply in private' });
    await t.waitFor('<alice> reply in private');
    expect(t.bell).not.toHaveBeenCalled();
    t.submit('/back');
    const frame = await t.waitFor('[1:#general]');
    expect(frame).not.toContain('reply in private');
  });

  test('a direct message that opens the conversation does not hide its older history', async () => {
    const api = defaultApi();
    api.store(
      api.makeMessage({
        direct: true,
        from: nodeIdFor('alice'),
        peer: nodeIdFor('alice'),
        text: 'from before',
      }),
    );
    const t = (tui = await renderTui({ api }));
    await t.waitFor('[1:#general]');
    // It arrives while the person is in the room: the conversation opens with it alone.
    api.deliver({
      direct: true,
      from: nodeIdFor('alice'),
      peer: nodeIdFor('alice'),
      nick: 'alice',
      text: 'new one',
    });
    await t.waitFor('@alice');
    t.submit('/dm alice');
    const frame = await t.waitFor('<alice> new one');
    // Was: the first load dropped what was older than the message held, and marked the history complete.
    expect(frame).toContain('<alice> from before');
    expect(frame.indexOf('from before')).toBeLessThan(frame.indexOf('new one'));
  });

  test('the direct history with the peer is loaded', async () => {
    const api = defaultApi();
    api.store(
      api.makeMessage({
        direct: true,
        from: nodeIdFor('alice'),
        peer: nodeIdFor('alice'),
        text: 'from last week',
      }),
    );
    const t = (tui = await renderTui({ api }));
    t.submit('/dm alice');
    await t.waitFor('<alice> from last week');
  });
});
