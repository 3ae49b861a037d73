/**
 * A UI attached to a node it does not own (AttachedClient): when that node stops, or its process is
 * killed, the client says so at once, calls fail with NO_DAEMON instead of hanging or going quiet, and
 * when a node for the same data directory answers again the client re-attaches and events flow again.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  AttachedClient,
  type ChatEvent,
  ControlServer,
  dataFiles,
  NodeChatApi,
  silentLogger,
} from '../../src/daemon/index.js';
import { DaemonProcess, killAllDaemons } from '../helpers/cli.js';
import { TestMesh } from '../helpers/mesh.js';
import { waitFor } from '../helpers/wait.js';

let mesh: TestMesh | undefined;
const servers: ControlServer[] = [];
const clients: AttachedClient[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) await c.close();
  for (const s of servers.splice(0)) await s.stop();
  await mesh?.destroy();
  mesh = undefined;
  await killAllDaemons();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function serve(i: number): Promise<ControlServer> {
  const node = mesh!.nodes[i].node;
  const server = new ControlServer(new NodeChatApi(node), dataFiles(node.dataDir).socket, silentLogger);
  await server.start();
  servers.push(server);
  return server;
}

const connection = (events: ChatEvent[], state: 'lost' | 'restored') =>
  events.filter((e) => e.type === 'connection' && e.state === state).length;

describe('a client attached to a node that goes away', () => {
  it('reports the loss, fails calls with NO_DAEMON, and re-attaches to the restarted node', async () => {
    mesh = await TestMesh.start(1);
    const server = await serve(0);
    const client = await AttachedClient.connect(server.path, { retryMinMs: 20, retryMaxMs: 200 });
    clients.push(client);
    const events: ChatEvent[] = [];
    client.subscribe((e) => events.push(e));
    expect((await client.status()).nick).toBe('n0');

    await server.stop();
    await mesh.stopNode(0);
    await waitFor(() => connection(events, 'lost') === 1, 'the lost event', { timeoutMs: 30_000 });
    expect(client.attached).toBe(false);
    await expect(client.send({ kind: 'room', room: 'lobby' }, 'into the void')).rejects.toMatchObject({
      code: 'NO_DAEMON',
    });

    // A node for the same data directory comes back: the client finds it by itself.
    await mesh.add({}, [], 0);
    await serve(0);
    await waitFor(() => connection(events, 'restored') === 1, 'the restored event', { timeoutMs: 30_000 });
    expect(client.attached).toBe(true);
    const sent = await client.send({ kind: 'room', room: 'lobby' }, 'after the restart');
    expect(sent.text).toBe('after the restart');
    // Subscribed again: the new node's events reach the client.
    const other = mesh.nodes[0].node.send({ kind: 'room', room: 'lobby' }, 'from the node itself');
    await waitFor(
      () => events.find((e) => e.type === 'message' && e.message.id === other.id),
      'an event from the restarted node',
      { timeoutMs: 30_000 },
    );
    expect(connection(events, 'lost')).toBe(1);
  });

  it('notices a daemon killed with SIGKILL and re-attaches to the next one', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'konnect-attach-'));
    dirs.push(dataDir);
    const flags = ['--no-mdns', '--host', '127.0.0.1', '--port', '0', '--nick', 'killed'];
    const first = new DaemonProcess(dataDir, flags);
    await first.ready(60_000);
    const client = await AttachedClient.connect(dataFiles(dataDir).socket, {
      retryMinMs: 50,
      retryMaxMs: 500,
    });
    clients.push(client);
    const events: ChatEvent[] = [];
    client.subscribe((e) => events.push(e));
    await first.stop('SIGKILL');
    await waitFor(() => connection(events, 'lost') === 1, 'the lost event after SIGKILL', {
      timeoutMs: 30_000,
    });
    await expect(client.status()).rejects.toMatchObject({ code: 'NO_DAEMON' });

    const second = new DaemonProcess(dataDir, ['--no-mdns', '--host', '127.0.0.1', '--port', '0']);
    await waitFor(() => connection(events, 'restored') === 1, 'the restored event', { timeoutMs: 60_000 });
    // The restarted daemon, started without --nick, is still "killed" (profile.json).
    expect((await client.status()).nick).toBe('killed');
    await second.stop();
  });
});
