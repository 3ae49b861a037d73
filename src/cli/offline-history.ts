/**
 * `konnect history` when no node runs for the data directory: the same command, answered from the
 * history database read directly and read-only (a node starting meanwhile is not disturbed).
 */
import { dataFiles, HistoryReader, resolvePeerQuery } from '../daemon/index.js';
import type { ParsedArgs } from './args.js';
import { runHistory } from './client-commands.js';

/** A node's first room when none is named (node.ts); the rooms a stopped node had joined are not known here. */
const DEFAULT_ROOM = 'lobby';

export async function runOfflineHistory(
  dataDir: string,
  args: ParsedArgs,
  out: (line: string) => void,
): Promise<void> {
  const reader = HistoryReader.open(dataFiles(dataDir).history);
  try {
    await runHistory(
      {
        history: async (query) => reader.history(query),
        resolvePeer: async (query) => resolvePeerQuery(reader.conversationPeers(), query),
        defaultRoom: async () => DEFAULT_ROOM,
        // Only nicks shared within the printed messages are told apart: no node is there to ask.
        knownNicks: async () => [],
      },
      args,
      out,
    );
  } finally {
    reader.close();
  }
}
