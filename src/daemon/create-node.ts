/**
 * createNode(init, components): the one place a node's real collaborators are made, each only when
 * the caller did not pass its own (node-options.ts says which). The CLI maps its flags onto `init`.
 */
import { isKonnectError, StorageError } from '../wire/index.js';
import { nodeCrypto } from '../crypto-node/index.js';
import { systemClock } from '../clock/index.js';
import { dataFiles, ensureDataDir, ensurePrivateFile } from './data-dir.js';
import { QuietTurns, VerifyLoad } from './flood/index.js';
import { HistoryStore, type StoreOptions } from './history/index.js';
import { loadOrCreateIdentity } from './identity.js';
import { silentLogger } from './logger.js';
import { KonnectNode } from './node.js';
import { fileService } from './files/index.js';
import type { NodeComponents, NodeOptions } from './node-options.js';
import { webService } from './web/index.js';
import { privateRoomService } from './private-rooms/index.js';

export function createNode(init: NodeOptions, components: NodeComponents = {}): KonnectNode {
  ensureDataDir(init.dataDir);
  const files = dataFiles(init.dataDir);
  const clock = components.clock ?? systemClock;
  const random = components.random ?? Math.random;
  const logger = components.logger ?? silentLogger;
  const identity = components.identity ?? loadOrCreateIdentity(files.identity);
  let store = components.store;
  if (!store) {
    ensurePrivateFile(files.history);
    // The batch writes and checkpoints run in a worker thread, off the event loop (write-thread.ts).
    store = openStore(files.history, {
      now: () => clock.now(),
      random,
      writes: 'worker',
      logger,
      ...init.store,
    });
    if (store.recoveredFrom) {
      logger.error(
        `history database was unreadable; it was moved to ${store.recoveredFrom} and a new one started`,
      );
    }
  }
  const crypto = components.crypto ?? nodeCrypto;
  return new KonnectNode(init, {
    identity,
    clock,
    random,
    logger,
    store,
    discoveries: components.discoveries ?? [],
    crypto,
    quietTurns: components.quietTurns ?? new QuietTurns(),
    verifyLoad: components.verifyLoad ?? new VerifyLoad(),
    // Files (PROTOCOL.md §21) are a service like any other, so node.ts does not know of them.
    services: [
      fileService(init.files ?? {}, init.dataDir, crypto),
      privateRoomService(crypto, files.roomKeys),
      ...(components.services ?? []),
      ...(init.web ? [webService(init.web, init.host)] : []),
    ],
  });
}

function openStore(file: string, options: StoreOptions): HistoryStore {
  try {
    return HistoryStore.open(file, options);
  } catch (err) {
    if (isKonnectError(err)) throw err;
    throw new StorageError('DATABASE_UNAVAILABLE', `cannot open history ${file}: ${(err as Error).message}`, {
      cause: err,
    });
  }
}
