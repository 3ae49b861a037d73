/**
 * A text over the message limit, sent through the control socket (what `konnect send` does), is
 * refused with a sentence that says the limit, and the node runs on.
 */
import { afterEach, expect, it } from 'vitest';
import {
  ControlClient,
  ControlServer,
  dataFiles,
  NodeChatApi,
  silentLogger,
} from '../../src/daemon/index.js';
import { MAX_TEXT_CHARS } from '../../src/wire/index.js';
import { TestMesh } from '../helpers/mesh.js';

let mesh: TestMesh | undefined;
let server: ControlServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
  await mesh?.destroy();
  mesh = undefined;
});

it('a send over 4,000 characters says the limit and how long the text is; one at the limit goes', async () => {
  mesh = await TestMesh.start(1);
  const node = mesh.nodes[0].node;
  server = new ControlServer(new NodeChatApi(node), dataFiles(node.dataDir).socket, silentLogger);
  await server.start();
  const client = await ControlClient.connect(server.path);
  try {
    const lobby = { kind: 'room', room: 'lobby' } as const;
    await expect(client.send(lobby, 'x'.repeat(MAX_TEXT_CHARS + 1))).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: 'a message holds at most 4,000 characters; this one has 4,001: send it in parts',
    });
    const sent = await client.send(lobby, 'x'.repeat(MAX_TEXT_CHARS));
    expect(sent.text.length).toBe(MAX_TEXT_CHARS);
  } finally {
    await client.close();
  }
});
