/**
 * Putting files into the conversation from the page: a picker button (any files), a camera button
 * (`accept="image/*" capture`: a phone opens its camera, a desktop its picker), and dropping files
 * onto the conversation. Each file goes out through the peer's sendBlob (page-files.ts).
 */
import { useRef, type DragEvent } from 'react';

export function FileButtons({ onFiles }: { onFiles: (files: File[]) => void }) {
  const pick = useRef<HTMLInputElement>(null);
  const camera = useRef<HTMLInputElement>(null);
  const take = (input: HTMLInputElement | null) => {
    if (!input?.files) return;
    onFiles([...input.files]);
    input.value = ''; // the same file may be picked again
  };
  return (
    <span className="file-buttons">
      <button type="button" className="attach" aria-label="send a file" onClick={() => pick.current?.click()}>
        File
      </button>
      <button
        type="button"
        className="camera"
        aria-label="send a photo"
        onClick={() => camera.current?.click()}
      >
        Photo
      </button>
      <input ref={pick} className="file-pick" type="file" multiple hidden onChange={(e) => take(e.target)} />
      <input
        ref={camera}
        className="file-camera"
        type="file"
        accept="image/*"
        capture="environment"
        hidden
        onChange={(e) => take(e.target)}
      />
    </span>
  );
}

/** Handlers that take files dropped on an element (and let the browser know a drop is welcome). */
export function dropHandlers(onFiles: (files: File[]) => void) {
  return {
    onDragOver: (e: DragEvent) => {
      if (!e.dataTransfer.types.includes('Files')) return;
      e.preventDefault();
      e.dataTransfer.dropEffect = 'copy';
    },
    onDrop: (e: DragEvent) => {
      if (e.dataTransfer.files.length === 0) return;
      e.preventDefault();
      onFiles([...e.dataTransfer.files]);
    },
  };
}
