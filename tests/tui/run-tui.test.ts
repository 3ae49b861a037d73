import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { runTui } from '../../src/tui/index.js';
import { plain, waitUntil } from '../helpers/tui-wait.js';
import { defaultApi } from './harness.js';

/** A terminal's input side: raw-mode capable, fed by write(). */
class FakeStdin extends EventEmitter {
  isTTY = true;
  rawMode: boolean[] = [];
  private pending: string[] = [];
  setRawMode(value: boolean): this {
    this.rawMode.push(value);
    return this;
  }
  setEncoding(): this {
    return this;
  }
  ref(): this {
    return this;
  }
  unref(): this {
    return this;
  }
  resume(): this {
    return this;
  }
  pause(): this {
    return this;
  }
  read(): string | null {
    return this.pending.shift() ?? null;
  }
  write(data: string): void {
    this.pending.push(data);
    this.emit('readable');
  }
}

/** A terminal's output side that records what is written. */
class FakeStdout extends EventEmitter {
  output = '';
  constructor(
    readonly isTTY: boolean,
    public columns = 80,
    public rows = 24,
  ) {
    super();
  }
  write(chunk: string): boolean {
    this.output += chunk;
    return true;
  }
}

const streams = (isTTY = true) => {
  const stdin = new FakeStdin();
  const stdout = new FakeStdout(isTTY);
  return {
    stdin,
    stdout,
    asStdin: stdin as unknown as NodeJS.ReadStream,
    asStdout: stdout as unknown as NodeJS.WriteStream,
  };
};

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('runTui', () => {
  test('takes over a TTY, resolves on /quit after onQuit, and gives the screen back', async () => {
    const api = defaultApi();
    const { stdin, stdout, asStdin, asStdout } = streams();
    const onQuit = vi.fn();
    const done = runTui(api, { room: 'general', stdin: asStdin, stdout: asStdout, onQuit });
    await waitUntil(() => stdin.rawMode.includes(true) && api.callsOf('history').length > 0, {
      description: 'raw mode and the first history request',
    });
    expect(stdout.output.startsWith('\u001B[?1049h\u001B[H\u001B[?2004h\u001B[?1004h')).toBe(true);
    stdin.write('/quit');
    stdin.write('\r');
    await done;
    expect(onQuit).toHaveBeenCalledTimes(1);
    expect(stdout.output.endsWith('\u001B[?2004l\u001B[?1004l\u001B[?1049l')).toBe(true);
    expect(plain(stdout.output)).toContain('you are me');
    expect(stdin.rawMode.at(-1)).toBe(false);
    expect(api.listenerCount).toBe(0);
  });

  test('Ctrl+C quits too', async () => {
    const api = defaultApi();
    const { stdin, asStdin, asStdout } = streams();
    const onQuit = vi.fn();
    const done = runTui(api, { room: 'general', stdin: asStdin, stdout: asStdout, onQuit });
    await waitUntil(() => stdin.rawMode.includes(true), { description: 'raw mode' });
    stdin.write('\u0003');
    await done;
    expect(onQuit).toHaveBeenCalledTimes(1);
  });

  test('joins the room it is asked to show when the node is not in it', async () => {
    const api = defaultApi();
    const { stdin, asStdin, asStdout } = streams();
    const done = runTui(api, { room: 'lobby', stdin: asStdin, stdout: asStdout });
    await waitUntil(() => api.callsOf('history').length > 0, { description: 'the first history request' });
    expect(api.callsOf('joinRoom')).toEqual([['lobby']]);
    expect(api.callsOf('history')[0]).toEqual([{ room: 'lobby', limit: 200 }]);
    stdin.write('\u0004');
    await done;
  });

  test('no alternate screen when stdout is not a terminal', async () => {
    const api = defaultApi();
    const { stdin, stdout, asStdin, asStdout } = streams(false);
    const done = runTui(api, { room: 'general', stdin: asStdin, stdout: asStdout });
    await waitUntil(() => stdin.rawMode.includes(true), { description: 'raw mode' });
    stdin.write('\u0003');
    await done;
    expect(stdout.output).not.toContain('\u001B[?1049h');
  });
});
