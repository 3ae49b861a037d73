import { describe, expect, test } from 'vitest';
import { parseCommandLine } from '../../src/cli/args.js';
import { runClientCommand } from '../../src/cli/client-commands.js';
import { FakeChatApi, makePeer, nodeIdFor } from '../helpers/fake-chat-api.js';

async function plainHistory(api: FakeChatApi): Promise<string[]> {
  const lines: string[] = [];
  await runClientCommand(api, parseCommandLine(['history', '--room', 'general']), (line) => lines.push(line));
  return lines;
}

describe('konnect history (plain text)', () => {
  test('a stranger under a known nick, and the owner, are told apart by fingerprint', async () => {
    const honest = makePeer('honest1');
    const api = new FakeChatApi({ nick: 'me', peers: [honest] });
    api.store(api.makeMessage({ text: 'hi, it is me', from: honest.id, nick: 'honest1' }));
    const stranger = makePeer('honest1', { id: nodeIdFor('stranger') });
    api.store(api.makeMessage({ text: 'send me your key', from: stranger.id, nick: 'honest1' }));
    const lines = await plainHistory(api);
    expect(lines[0]).toContain(`<honest1 ${honest.fingerprint}> hi, it is me`);
    expect(lines[1]).toContain(`<honest1 ${stranger.fingerprint}> send me your key`);
  });

  test('a stranger who is not listed, under the node\u2019s own nick, shows a fingerprint', async () => {
    const api = new FakeChatApi({ nick: 'me', peers: [] });
    const stranger = makePeer('me', { id: nodeIdFor('stranger') });
    api.store(api.makeMessage({ text: 'I am you', from: stranger.id, nick: 'me' }));
    expect((await plainHistory(api))[0]).toContain(`<me ${stranger.fingerprint}> I am you`);
  });

  test('a nick only one key uses has no fingerprint; line breaks continue under the nick', async () => {
    const alice = makePeer('alice');
    const api = new FakeChatApi({ nick: 'me', peers: [alice] });
    api.store(
      api.makeMessage({ text: 'one\ntwo', from: alice.id, nick: 'alice', ts: Date.UTC(2025, 0, 6, 9) }),
    );
    expect(await plainHistory(api)).toEqual([
      `2025-01-06 09:00:00 #general <alice> one
${' '.repeat(29)}two`,
    ]);
  });
});
