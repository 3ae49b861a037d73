/**
 * `konnect history` when no node runs for the data directory: the same command, answered from the
 * history database read directly and read-only (a node starting meanwhile is not disturbed). A private
 * room's rows are opened with the keys in room-keys.json, as the node would open them.
 */
import { readFileSync } from 'node:fs';
import {
  dataFiles,
  HistoryReader,
  loadIdentity,
  parsePeerFile,
  parseProfile,
  type Profile,
  resolvePeerQuery,
  silentLogger,
} from '../daemon/index.js';
import { nodeCrypto } from '../crypto-node/index.js';
import { RoomKeys } from '../daemon/private-rooms/room-keys.js';
import { sealedHistory } from '../daemon/private-rooms/sealed-history.js';
import type { ParsedArgs } from './args.js';
import { runHistory } from './client-commands.js';
import type { KnownNick } from './history-format.js';

/** A node's first room when none is named and its profile keeps none (node.ts). */
const DEFAULT_ROOM = 'lobby';

export async function runOfflineHistory(
  dataDir: string,
  args: ParsedArgs,
  out: (line: string) => void,
): Promise<void> {
  const files = dataFiles(dataDir);
  const reader = HistoryReader.open(files.history);
  const keys = new RoomKeys(files.roomKeys, nodeCrypto, silentLogger);
  keys.load();
  const byId = new Map(keys.names().flatMap((name) => keys.get(name)!.map((s) => [s.id, s] as const)));
  try {
    await runHistory(
      {
        history: async (query) =>
          sealedHistory(query, {
            crypto: nodeCrypto,
            secrets: (name) => keys.get(name),
            secretsOf: (id) => byId.get(id),
            run: (q) => reader.history(q),
            payloadOf: (id) => reader.payloadOf(id),
          }),
        resolvePeer: async (query) => resolvePeerQuery(reader.conversationPeers(), query),
        // A running node answers with its first room, which it took from profile.json.
        defaultRoom: async () => storedProfile(dataDir).rooms?.[0] ?? DEFAULT_ROOM,
        knownNicks: async () => storedNicks(dataDir),
      },
      args,
      out,
    );
  } finally {
    reader.close();
  }
}

/**
 * Who the stopped node knew by which nick (peers.json, and its own nick in profile.json): without them
 * a stranger's line printed alone under a known nick would show no fingerprint. A missing or damaged
 * file leaves only the nicks shared within the printed messages to tell apart; history still prints.
 */
function storedNicks(dataDir: string): KnownNick[] {
  const files = dataFiles(dataDir);
  const known: KnownNick[] = [];
  try {
    for (const p of parsePeerFile(readFileSync(files.peers, 'utf8'))) known.push({ id: p.id, nick: p.nick });
  } catch {
    // No peer list yet, or one the node will move aside itself.
  }
  const nick = storedProfile(dataDir).nick;
  try {
    if (nick) known.push({ id: loadIdentity(files.identity).idHex, nick });
  } catch {
    // No identity: this node never ran here.
  }
  return known;
}

function storedProfile(dataDir: string): Profile {
  try {
    return parseProfile(JSON.parse(readFileSync(dataFiles(dataDir).profile, 'utf8')));
  } catch {
    return {}; // none yet, or one the node will move aside itself
  }
}
