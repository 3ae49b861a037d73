/**
 * A file offered in the conversation (PROTOCOL.md §21), drawn where its offer sits in the history:
 * its name and size, a progress bar while the page fetches it, the picture itself inline once it is
 * here (small pictures come without asking), and a Download link to the Blob under a safe name.
 * The page's peer is reached through FilesContext (boot.tsx gives it), as the TUI reaches its ChatApi.
 */
import { createContext, useContext, useEffect, useState } from 'react';
import type { ConversationRef, FileInfo } from '../../daemon/index.js';
import { formatBytes, INLINE_TYPES, safeDownloadName } from '../peer/page-file-offer.js';

/** What the page's file UI needs of its peer (WebPeer has it). */
export interface PageFilesApi {
  fileBlob(id: string): Blob | null;
  getFile(id: string): Promise<FileInfo>;
  sendBlob(to: ConversationRef, file: Blob, name: string): Promise<FileInfo>;
}

export const FilesContext = createContext<PageFilesApi | null>(null);

/** An object URL for a Blob, revoked when the Blob changes or the row goes. */
function useObjectUrl(blob: Blob | null): string | null {
  const [url, setUrl] = useState<string | null>(null);
  useEffect(() => {
    if (!blob) return setUrl(null);
    const made = URL.createObjectURL(blob);
    setUrl(made);
    return () => URL.revokeObjectURL(made);
  }, [blob]);
  return url;
}

export function FileCard({ file }: { file: FileInfo }) {
  const api = useContext(FilesContext);
  const [asked, setAsked] = useState<string | null>(null);
  const blob = api && (file.state === 'done' || file.own) ? api.fileBlob(file.id) : null;
  const url = useObjectUrl(blob);
  const picture = INLINE_TYPES.has(file.type);
  const fetch = () => {
    if (!api) return;
    setAsked('asking…');
    api.getFile(file.id).then(
      () => setAsked(null),
      (err: unknown) => setAsked((err as Error).message),
    );
  };
  return (
    <div className="file-card" data-file={file.id} data-state={file.state}>
      {picture && url && <img className="file-picture" src={url} alt={file.name} />}
      <span className="file-line">
        <span className="file-name">{file.name}</span>
        <span className="file-size">{formatBytes(file.size)}</span>
        {file.state === 'fetching' && (
          <progress className="file-progress" value={file.held} max={Math.max(1, file.chunks)} />
        )}
        {url ? (
          <a className="file-download" href={url} download={safeDownloadName(file.name)}>
            Download
          </a>
        ) : (
          !file.own &&
          (file.state === 'offered' || file.state === 'failed') && (
            <button type="button" className="file-fetch" onClick={fetch}>
              Fetch
            </button>
          )
        )}
      </span>
      {(asked ?? file.error) && <span className="file-error">{asked ?? file.error}</span>}
    </div>
  );
}
