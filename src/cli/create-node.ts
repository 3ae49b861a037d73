/** Wires a real node from command-line values: data dir, logger, discoveries, control socket. */
import { createWriteStream } from 'node:fs';
import { join, resolve } from 'node:path';
import { KonnectError, UsageError } from '../wire/index.js';
import {
  checkNick,
  checkRoom,
  createLogger,
  dataFiles,
  ensureDataDir,
  ensurePrivateFile,
  createNode as createDaemonNode,
  type KonnectNode,
  LOG_LEVELS,
  NodeChatApi,
  type LogLevel,
  resolveDataDir,
  ControlServer,
  socketAnswers,
  type Discovery,
  type Logger,
  joinPrivateRoom,
} from '../daemon/index.js';
import { MdnsDiscovery, StaticDiscovery } from '../discovery/index.js';
import { fileFlags, intFlag, type ParsedArgs } from './args.js';
import { sizeHeapForMemory } from './heap-size.js';
import { readRoomKeyFiles } from './room-key-files.js';
import { webOption } from './web-root.js';

export interface RunningNode {
  node: KonnectNode;
  control: ControlServer;
  logger: Logger;
  stop(): Promise<void>;
}

export async function createNode(args: ParsedArgs, mode: 'daemon' | 'chat'): Promise<RunningNode> {
  const v = args.values;
  sizeHeapForMemory();
  // Every usage error before anything is written: a typo in a flag must not leave a data directory
  // with a fresh identity behind.
  const nick = v.nick === undefined ? undefined : checkNick(v.nick as string);
  const given = v.room as string[] | undefined;
  for (const room of given ?? []) checkRoom(room);
  // Private rooms join once their key is derived: their names never go out as plain rooms.
  const keyed = readRoomKeyFiles((v['room-key-file'] as string[] | undefined) ?? [], given ?? []);
  const plain = given?.filter((room) => !keyed.has(checkRoom(room)));
  const rooms = plain?.length ? plain : undefined;
  const numbers = {
    port: intFlag(v.port, 'port', 0, 65535),
    degree: intFlag(v.degree, 'degree', 2, 64),
    maxLinks: intFlag(v['max-links'], 'max-links', 1, 1024),
    maxMessagesPerScope: intFlag(v['keep-messages'], 'keep-messages', 1, 10_000_000),
    maxAgeMs: days(intFlag(v['keep-days'], 'keep-days', 1, 36_500)),
  };
  const downloadDir = v['download-dir'] === undefined ? undefined : resolve(v['download-dir'] as string);
  const files = { ...fileFlags(v), ...(downloadDir ? { downloadDir } : {}) };
  const level = (v['log-level'] as string | undefined) ?? (mode === 'daemon' ? 'info' : 'warn');
  if (!LOG_LEVELS.includes(level as LogLevel))
    throw new UsageError('USAGE', `--log-level must be one of ${LOG_LEVELS.join(', ')}`);
  const dataDir = resolveDataDir(v['data-dir'] as string | undefined);
  ensureDataDir(dataDir);
  // The chat UI owns the terminal: its log goes to a file beside the history.
  const logFile = join(dataDir, 'konnect.log');
  if (mode === 'chat') ensurePrivateFile(logFile);
  const logger = createLogger(
    level as LogLevel,
    mode === 'daemon' ? process.stderr : createWriteStream(logFile, { flags: 'a', mode: 0o600 }),
  );
  // Before the database is opened: two nodes must never share an identity and a history.
  if (await socketAnswers(dataFiles(dataDir).socket)) {
    throw new KonnectError(
      'ALREADY_RUNNING',
      `a konnect node is already running for ${dataDir}; attach with konnect --data-dir ${dataDir}`,
    );
  }
  const peers = (v.peer as string[] | undefined) ?? [];
  const discoveries: Discovery[] = [];
  if (peers.length > 0) discoveries.push(new StaticDiscovery(peers));
  if (!v['no-mdns'])
    discoveries.push(new MdnsDiscovery({ interface: v.interface as string | undefined, logger }));
  const node = createDaemonNode(
    {
      dataDir,
      nick,
      rooms,
      host: v.host as string | undefined,
      port: numbers.port,
      degree: numbers.degree,
      maxLinks: numbers.maxLinks,
      readReceipts: !v['no-read-receipts'],
      // The chat page for phones and browsers, on the mesh port: on unless --no-web.
      web: webOption(v),
      store: { maxMessagesPerScope: numbers.maxMessagesPerScope, maxAgeMs: numbers.maxAgeMs },
      files,
    },
    { logger, discoveries },
  );
  const control = new ControlServer(new NodeChatApi(node), dataFiles(dataDir).socket, logger);
  try {
    await control.start();
    await node.start();
    for (const [room, passphrase] of keyed) await joinPrivateRoom(node, room, passphrase);
  } catch (err) {
    await control.stop();
    await node.stop();
    throw err;
  }
  let stopping: Promise<void> | null = null;
  return {
    node,
    control,
    logger,
    stop: () =>
      (stopping ??= (async () => {
        await control.stop();
        await node.stop();
      })()),
  };
}

function days(n: number | undefined): number | undefined {
  return n === undefined ? undefined : n * 24 * 60 * 60 * 1000;
}
