/**
 * The real thing under the TUI: the App attached through AttachedClient to a node served on its
 * control socket. The node stops under it; the screen says so, a line typed then comes back to the
 * input; a node for the same data directory starts; the App attaches again and the kept line goes out.
 */
import { render } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import {
  AttachedClient,
  ControlServer,
  dataFiles,
  NodeChatApi,
  silentLogger,
} from '../../src/daemon/index.js';
import { Tui } from '../../src/tui/index.js';
import { TestMesh } from '../helpers/mesh.js';
import { plain, waitForFrame } from '../helpers/tui-wait.js';
import { waitFor } from '../helpers/wait.js';

let mesh: TestMesh | undefined;
let server: ControlServer | undefined;
let client: AttachedClient | undefined;
let unmount: (() => void) | undefined;
afterEach(async () => {
  unmount?.();
  await client?.close();
  await server?.stop();
  await mesh?.destroy();
  mesh = undefined;
  server = undefined;
  client = undefined;
});

async function serve(): Promise<ControlServer> {
  const node = mesh!.nodes[0].node;
  const s = new ControlServer(new NodeChatApi(node), dataFiles(node.dataDir).socket, silentLogger);
  await s.start();
  return s;
}

const wait = { timeoutMs: 60_000 };

describe('an App attached to a node that stops and comes back', () => {
  it('shows the loss, keeps the line, reattaches and sends it', async () => {
    mesh = await TestMesh.start(1);
    server = await serve();
    client = await AttachedClient.connect(server.path, { retryMinMs: 20, retryMaxMs: 200 });
    const instance = render(<Tui api={client} room="lobby" columns={110} rows={24} />);
    unmount = () => instance.unmount();
    await waitForFrame(instance.lastFrame, 'you are n0', wait);

    await server.stop();
    await mesh.stopNode(0);
    await waitForFrame(instance.lastFrame, 'DETACHED', wait);
    instance.stdin.write('typed while it was gone');
    instance.stdin.write('\r');
    await waitForFrame(instance.lastFrame, 'your line is back in the input', wait);

    await mesh.add({}, [], 0);
    server = await serve();
    await waitForFrame(instance.lastFrame, 'attached again to the node', wait);
    await waitForFrame(instance.lastFrame, (f) => !f.includes('DETACHED'), wait);
    instance.stdin.write('\r');
    const node = mesh.nodes[0].node;
    await waitFor(
      () => node.history({ room: 'lobby' }).find((m) => m.text === 'typed while it was gone'),
      'the kept line stored by the restarted node',
      wait,
    );
    const frame = await waitForFrame(instance.lastFrame, '<n0> typed while it was gone', wait);
    expect(plain(frame)).not.toContain('DETACHED');
  });
});
