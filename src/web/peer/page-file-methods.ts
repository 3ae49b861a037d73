/**
 * The page's file methods on WebPeer (PROTOCOL.md §21), kept apart from web-peer.ts: the ChatApi ones
 * (files, getFile; sendFile takes a path, which a page has not, so it says so) and the page's own,
 * sendBlob (a File from the picker, a drop or the camera) and fileBlob (a fetched file, to show or save).
 */
import type { ConversationRef, FileInfo } from '../../daemon/chat-api.js';
import { UsageError } from '../../wire/index.js';
import { MarkerMethods } from './page-markers.js';
import type { PageFiles } from './page-files.js';

export { PageFiles } from './page-files.js';

export abstract class FileMethods extends MarkerMethods {
  /** Set by WebPeer's constructor. */
  protected pageFiles!: PageFiles;

  async sendFile(_to: ConversationRef, _path: string): Promise<FileInfo> {
    throw new UsageError(
      'USAGE',
      'sending a file by its path is not available in the browser: use the File or Photo button, or drop the file on the conversation',
    );
  }
  async files(): Promise<FileInfo[]> {
    await this.pageFiles.loaded;
    return this.pageFiles.list();
  }
  async getFile(id: string): Promise<FileInfo> {
    await this.pageFiles.loaded;
    return this.pageFiles.get(id);
  }
  /** Offers a file the page holds (picked, dropped, or taken with the camera) to a room or a peer. */
  sendBlob(to: ConversationRef, file: Blob, name: string): Promise<FileInfo> {
    return this.pageFiles.send(to, file, name);
  }
  /** The whole file once the page holds it (fetched or its own), else null. */
  fileBlob(id: string): Blob | null {
    return this.pageFiles.blob(id);
  }
}
