/**
 * Raw terminal input, piece by piece as Ink's parser splits it (escape sequences whole, pastes whole).
 * useInput would hand us a `Key` in which Backspace and Delete look the same; this gets the bytes.
 */
import { useStdin } from 'ink';
import { useEffect, useRef } from 'react';

export function useRawInput(handler: (chunk: string) => void): void {
  const { setRawMode, isRawModeSupported, internal_eventEmitter: events } = useStdin();
  const latest = useRef(handler);
  latest.current = handler;

  useEffect(() => {
    if (!isRawModeSupported) return;
    setRawMode(true);
    return () => setRawMode(false);
  }, [isRawModeSupported, setRawMode]);

  useEffect(() => {
    const listener = (chunk: string | Buffer): void => latest.current(String(chunk));
    events.on('input', listener);
    return () => {
      events.removeListener('input', listener);
    };
  }, [events]);
}
