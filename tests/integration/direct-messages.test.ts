/**
 * Direct mode: a message sealed to one peer is delivered only to it; relays carry only ciphertext (never
 * the plaintext, neither in what they receive nor in what they store); the recipient's receipt turns
 * the sender's mark from sent to delivered.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { filesUnder } from '../helpers/files.js';
import { TestMesh } from '../helpers/mesh.js';
import { waitFor } from '../helpers/wait.js';

let mesh: TestMesh | undefined;
afterEach(async () => {
  await mesh?.destroy();
  mesh = undefined;
});

describe('direct messages', () => {
  it('reach only the recipient, through relays that see only ciphertext', async () => {
    // Degree 2 over 5 nodes: a ring, so some node is not linked to node 0 and others must relay.
    mesh = await TestMesh.start(5, { nodeOptions: () => ({ degree: 2 }) });
    await mesh.waitConnected();
    const a = mesh.nodes[0];
    const d = await waitFor(
      () => mesh!.nodes.slice(1).find((m) => !a.node.links.linkTo(m.node.identity.idHex)),
      'a node that node 0 has no direct link to',
      { timeoutMs: 40_000 },
    );
    const relays = mesh.nodes.filter((m) => m !== a && m !== d);
    const secret = 'the eagle lands at midnight ' + Math.random().toString(36).slice(2);
    const seenByRelays: Buffer[] = [];
    for (const relay of relays) {
      relay.node.links.on('link:message', (_link, message) => {
        if (message.kind === 'flood') seenByRelays.push(Buffer.from(message.payload));
      });
    }
    const peer = a.node.resolvePeer(d.node.identity.fingerprint);
    const sent = a.node.send({ kind: 'direct', peer: peer.id }, secret);
    expect(sent).toMatchObject({ direct: true, own: true, status: 'sent', peer: d.node.identity.idHex });

    const got = await waitFor(
      () => d.received.find((m) => m.id === sent.id),
      'the recipient to get the direct message',
    );
    expect(got).toMatchObject({
      text: secret,
      direct: true,
      peer: a.node.identity.idHex,
      from: a.node.identity.idHex,
    });
    // The receipt comes back: the sender's copy becomes delivered.
    await waitFor(
      () => a.events.some((e) => e.type === 'receipt' && e.id === sent.id),
      'the receipt at the sender',
    );
    expect(a.node.history({ peer: d.node.identity.idHex })[0]).toMatchObject({
      id: sent.id,
      status: 'delivered',
    });

    for (const relay of relays) {
      expect(relay.received.some((m) => m.id === sent.id)).toBe(false);
      expect(relay.node.history({ peer: a.node.identity.idHex })).toEqual([]);
    }
    // Check the relays' raw bytes: what they were sent, and everything they wrote to disk.
    const needle = Buffer.from(secret);
    expect(seenByRelays.length).toBeGreaterThan(0);
    for (const bytes of seenByRelays) expect(bytes.includes(needle)).toBe(false);
    for (const relay of relays) {
      relay.node.history({ room: 'lobby' }); // flush pending writes
      const files = filesUnder(relay.dataDir);
      expect(files.length).toBeGreaterThan(0);
      for (const file of files) {
        const content = readFileSync(file);
        expect(content.includes(needle), `${file} of a relay holds the plaintext`).toBe(false);
      }
    }
  });

  it('refuses an unknown or ambiguous recipient', async () => {
    mesh = await TestMesh.start(3, { nodeOptions: (i) => ({ nick: i === 0 ? 'alice' : 'bob' }) });
    await mesh.waitConnected();
    const a = mesh.nodes[0].node;
    expect(() => a.resolvePeer('carol')).toThrowError(expect.objectContaining({ code: 'UNKNOWN_PEER' }));
    expect(() => a.resolvePeer('bob')).toThrowError(expect.objectContaining({ code: 'AMBIGUOUS_PEER' }));
    const bob1 = mesh.nodes[1].node.identity;
    expect(a.resolvePeer(bob1.fingerprint).id).toBe(bob1.idHex);
    expect(a.resolvePeer(bob1.idHex.slice(0, 10)).id).toBe(bob1.idHex);
  });
});
