/**
 * The entry point the CLI calls: draws the chat on the terminal until the person quits. Takes over the
 * screen (alternate screen, bracketed paste) on a TTY and gives it back as it was, also on errors.
 */
import { render } from 'ink';
import process from 'node:process';
import type { ChatApi } from '../daemon/index.js';
import { Tui } from './components/Tui.js';
import { resolveNoColor } from './format.js';

export interface RunTuiOptions {
  /** The room shown first (joined if the node is not in it yet). */
  room: string;
  /** @default process.stdin */
  stdin?: NodeJS.ReadStream;
  /** @default process.stdout */
  stdout?: NodeJS.WriteStream;
  /** No colours. @default true when the NO_COLOR environment variable is set and not empty */
  noColor?: boolean;
  /**
   * Called once when the person quits (/quit, Ctrl+C, Ctrl+D on an empty line), after the screen is
   * restored and before runTui resolves (not when the app ends otherwise, e.g. on SIGTERM). runTui
   * does not close the api: its owner does.
   */
  onQuit?: () => void | Promise<void>;
  /** Most redraws per second for incoming events (Ink's own throttle gets twice this). @default 30 */
  maxFps?: number;
  /** Use the alternate screen (the shell's screen comes back on exit). @default stdout.isTTY */
  altScreen?: boolean;
}

const ALT_SCREEN_ON = '\u001B[?1049h\u001B[H';
const ALT_SCREEN_OFF = '\u001B[?1049l';
const BRACKETED_PASTE_ON = '\u001B[?2004h';
const BRACKETED_PASTE_OFF = '\u001B[?2004l';
// Focus reports (ESC [ I, ESC [ O): lines that come while the window is away go below the read marker.
const FOCUS_REPORTS_ON = '\u001B[?1004h';
const FOCUS_REPORTS_OFF = '\u001B[?1004l';

/** Runs the terminal UI against `api`; resolves when the person quits. */
export async function runTui(api: ChatApi, options: RunTuiOptions): Promise<void> {
  const stdout = options.stdout ?? process.stdout;
  const stdin = options.stdin ?? process.stdin;
  const noColor = resolveNoColor(options.noColor, process.env);
  const maxFps = options.maxFps ?? 30;
  const altScreen = options.altScreen ?? Boolean(stdout.isTTY);
  const bracketedPaste = Boolean(stdout.isTTY);

  if (altScreen) stdout.write(ALT_SCREEN_ON);
  if (bracketedPaste) stdout.write(BRACKETED_PASTE_ON + FOCUS_REPORTS_ON);
  let quitRequested = false;
  const instance = render(
    <Tui
      api={api}
      room={options.room}
      noColor={noColor}
      maxFps={maxFps}
      onQuit={() => {
        quitRequested = true;
      }}
    />,
    {
      stdout,
      stdin,
      // Ctrl+C is a key of ours (quit cleanly); console output would tear a full-screen frame.
      exitOnCtrlC: false,
      patchConsole: false,
      // The model already coalesces events to `maxFps` redraws; Ink's own throttle, at the same rate,
      // would beat against it and halve the frame rate, so it gets headroom.
      maxFps: maxFps * 2,
      // Not incrementalRendering: in Ink 6.8 it lands one row low after a frame that ends in a newline,
      // so a full-screen frame drifts down and the input line falls off the screen.
    },
  );
  try {
    await instance.waitUntilExit();
  } finally {
    instance.cleanup();
    if (bracketedPaste) stdout.write(BRACKETED_PASTE_OFF + FOCUS_REPORTS_OFF);
    if (altScreen) stdout.write(ALT_SCREEN_OFF);
  }
  if (quitRequested) await options.onQuit?.();
}
