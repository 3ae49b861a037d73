/**
 * src/daemon/files: sharing files (PROTOCOL.md §21). `fileService(options)` is the service a node is
 * composed with (createNode adds it); `filesOf(node)` finds it again for the ChatApi.
 */
import type { CryptoProvider } from '../../wire/index.js';
import { UsageError } from '../../wire/index.js';
import type { ServiceFactory } from '../services/index.js';
import {
  DEFAULT_AUTO_ACCEPT_BYTES,
  DEFAULT_KEEP_FILES_BYTES,
  DEFAULT_MAX_FILE_BYTES,
  type FileOptions,
  FileService,
} from './file-service.js';

export {
  DEFAULT_AUTO_ACCEPT_BYTES,
  DEFAULT_KEEP_FILES_BYTES,
  DEFAULT_MAX_FILE_BYTES,
  FileService,
  type FileOptions,
} from './file-service.js';
export { FileStore, type FileRecord } from './file-store.js';
export { FILE_LOW_WATER_BYTES, MAX_SERVE_QUEUE } from './file-serve.js';
export { MAX_BAD_CHUNKS_PER_PEER, MAX_REQUESTS_PER_PEER, REQUEST_TIMEOUT_MS } from './file-fetch.js';
export { downloadsDir, freeNameIn, safeFileName } from './safe-name.js';
export { formatBytes, mediaType, offerText } from './file-offer.js';
export { LeafFileRelay, MAX_RELAYED_FILES, MAX_RELAYED_PER_LINK } from './leaf-relay.js';

/** The file service of each node, by the node (NodeContext.self), for the ChatApi to reach. */
const services = new WeakMap<object, FileService>();

export function fileService(options: FileOptions, dataDir: string, crypto: CryptoProvider): ServiceFactory {
  return (ctx) => {
    const service = new FileService(ctx, crypto, dataDir, {
      keepFilesBytes: options.keepFilesBytes ?? DEFAULT_KEEP_FILES_BYTES,
      maxFileBytes: options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES,
      autoAcceptBytes: options.autoAcceptBytes ?? DEFAULT_AUTO_ACCEPT_BYTES,
      downloadDir: options.downloadDir,
    });
    services.set(ctx.self, service);
    return service;
  };
}

/** The file service of a node; throws when it was built without one. */
export function filesOf(node: object): FileService {
  const service = services.get(node);
  if (!service) throw new UsageError('INVALID_ARGUMENT', 'this node shares no files');
  return service;
}
