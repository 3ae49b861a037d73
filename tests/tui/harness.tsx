/**
 * Renders the TUI against a FakeChatApi with ink-testing-library, at a chosen size, and drives it with
 * keys. Frames are read without styles (plain()).
 */
import { render } from 'ink-testing-library';
import { vi } from 'vitest';
import { Tui } from '../../src/tui/index.js';
import { FakeChatApi, makePeer } from '../helpers/fake-chat-api.js';
import { plain, waitForFrame, waitUntil, type WaitOptions } from '../helpers/tui-wait.js';

export const KEYS = {
  enter: '\r',
  tab: '\t',
  backtab: '\u001B[Z',
  up: '\u001B[A',
  down: '\u001B[B',
  right: '\u001B[C',
  left: '\u001B[D',
  home: '\u001B[H',
  end: '\u001B[F',
  pageUp: '\u001B[5~',
  pageDown: '\u001B[6~',
  backspace: '\u007F',
  delete: '\u001B[3~',
  escape: '\u001B',
  ctrlA: '\u0001',
  ctrlC: '\u0003',
  ctrlD: '\u0004',
  ctrlE: '\u0005',
  ctrlN: '\u000E',
  ctrlP: '\u0010',
  ctrlU: '\u0015',
  ctrlW: '\u0017',
  alt: (ch: string) => `\u001B${ch}`,
  pasteStart: '\u001B[200~',
  pasteEnd: '\u001B[201~',
} as const;

export interface RenderOptions {
  api?: FakeChatApi;
  room?: string;
  columns?: number;
  rows?: number;
  noColor?: boolean;
  historyPage?: number;
}

export function defaultApi(): FakeChatApi {
  return new FakeChatApi({
    nick: 'me',
    rooms: ['general'],
    peers: [
      makePeer('alice', { rttMs: 4 }),
      makePeer('bob', { linked: false, rttMs: null, rooms: ['general', 'dev'] }),
    ],
  });
}

export async function renderTui(options: RenderOptions = {}) {
  const api = options.api ?? defaultApi();
  const bell = vi.fn();
  const onQuit = vi.fn();
  const instance = render(
    <Tui
      api={api}
      room={options.room ?? 'general'}
      columns={options.columns ?? 100}
      rows={options.rows ?? 20}
      noColor={options.noColor ?? false}
      historyPage={options.historyPage}
      bell={bell}
      onQuit={onQuit}
    />,
  );
  const frame = (): string => plain(instance.lastFrame());
  const waitFor = (expected: string | RegExp | ((frame: string) => boolean), wait?: WaitOptions) =>
    waitForFrame(instance.lastFrame, expected, wait);
  // Started: the node answered and the first history page was asked for (input listeners are attached).
  await waitUntil(() => api.callsOf('history').length > 0, { description: 'the first history request' });
  await waitFor(`you are ${api.self.nick}`);
  return {
    api,
    bell,
    onQuit,
    instance,
    frame,
    waitFor,
    /** Raw input, as the terminal would send it. */
    press: (...inputs: string[]) => {
      for (const input of inputs) instance.stdin.write(input);
    },
    /** Types a line and presses Enter. */
    submit: (line: string) => {
      instance.stdin.write(line);
      instance.stdin.write('\r');
    },
    unmount: () => instance.unmount(),
  };
}

export type RenderedTui = Awaited<ReturnType<typeof renderTui>>;
