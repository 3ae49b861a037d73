/** The command line: options may stand before the command, as they may after it. */
import { describe, expect, it } from 'vitest';
import { parseCommandLine } from '../../src/cli/args.js';

describe('parseCommandLine', () => {
  it('takes options before the command', () => {
    expect(parseCommandLine(['--data-dir', '/tmp/x', 'status', '--json'])).toMatchObject({
      command: 'status',
      values: { 'data-dir': '/tmp/x', json: true },
      positionals: [],
    });
    expect(parseCommandLine(['--data-dir', '/tmp/x', 'send', 'hello there'])).toMatchObject({
      command: 'send',
      positionals: ['hello there'],
    });
  });

  it('still says which word is not a command, wherever it stands', () => {
    expect(() => parseCommandLine(['--data-dir', '/tmp/x', 'stats'])).toThrow(/unknown command "stats"/);
    expect(() => parseCommandLine(['stats'])).toThrow(/unknown command "stats"/);
  });

  it('checks the options against the command found after them', () => {
    expect(() => parseCommandLine(['--limit', '5', 'status'])).toThrow(/--limit does not apply/);
  });

  it('with no command opens the chat UI', () => {
    expect(parseCommandLine(['--nick', 'ada']).command).toBe('chat');
  });
});
