/**
 * `konnect` with no subcommand: the chat UI. If a daemon already runs for the data directory the UI
 * attaches to it (and quitting leaves it running); otherwise it starts a node in this process, which
 * also serves the control socket so other sessions and scripts can attach while it runs.
 */
import { UsageError } from '../wire/index.js';
import {
  AttachedClient,
  type ChatApi,
  dataFiles,
  NodeChatApi,
  resolveDataDir,
  socketAnswers,
} from '../daemon/index.js';
import { runTui } from '../tui/index.js';
import type { ParsedArgs } from './args.js';
import { createNode, type RunningNode } from './create-node.js';
import { exitWhenFlushed } from './exit.js';

const NODE_FLAGS = [
  'nick',
  'port',
  'host',
  'peer',
  'no-mdns',
  'no-read-receipts',
  'interface',
  'degree',
  'max-links',
  'log-level',
  'keep-messages',
  'keep-days',
];

export async function runChat(args: ParsedArgs): Promise<number> {
  if (!process.stdin.isTTY || !process.stdout.isTTY) {
    throw new UsageError(
      'USAGE',
      'the chat UI needs a terminal; for scripts use konnect daemon, send and history',
    );
  }
  const dataDir = resolveDataDir(args.values['data-dir'] as string | undefined);
  const socketPath = dataFiles(dataDir).socket;
  let api: ChatApi;
  let running: RunningNode | null = null;
  if (await socketAnswers(socketPath)) {
    const ignored = NODE_FLAGS.filter((f) => args.values[f] !== undefined);
    if (ignored.length > 0) {
      process.stderr.write(
        `konnect: attaching to the running node; ignoring ${ignored.map((f) => '--' + f).join(' ')}\n`,
      );
    }
    // If that node stops, the UI says so and attaches again once one runs for this directory.
    api = await AttachedClient.connect(socketPath);
  } else {
    running = await createNode(args, 'chat');
    api = new NodeChatApi(running.node);
  }
  // SIGTERM: a node running here says goodbye first; an attached UI just leaves (the daemon goes on).
  const onTerm = () => void (running ? running.stop() : api.close()).finally(() => exitWhenFlushed(0));
  process.once('SIGTERM', onTerm);
  try {
    const rooms = args.values.room as string[] | undefined;
    if (rooms?.length && !running) for (const r of rooms) await api.joinRoom(r);
    const room = rooms?.[0]?.replace(/^#/, '').toLowerCase() ?? (await api.status()).rooms[0];
    await runTui(api, { room, noColor: process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '' });
  } finally {
    process.off('SIGTERM', onTerm);
    await api.close();
    await running?.stop();
  }
  return 0;
}
