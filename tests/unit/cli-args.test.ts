/** The command line: options may stand before the command, as they may after it. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { helpText, parseCommandLine } from '../../src/cli/args.js';
import { defaultWebRoot, webOption } from '../../src/cli/web-root.js';

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

describe('the web page flags', () => {
  it('serve the page by default, --no-web turns it off, --web-root says where it is', () => {
    const here = mkdtempSync(join(tmpdir(), 'konnect-cli-web-'));
    try {
      const cliDir = join(here, 'dist', 'src', 'cli');
      expect(webOption(parseCommandLine([]).values, cliDir)).toEqual({ root: join(here, 'dist', 'web') });
      expect(webOption(parseCommandLine(['daemon']).values, cliDir)).toEqual({
        root: join(here, 'dist', 'web'),
      });
      expect(webOption(parseCommandLine(['daemon', '--no-web']).values, cliDir)).toBeUndefined();
      expect(webOption(parseCommandLine(['--web-root', '/srv/page']).values, cliDir)).toEqual({
        root: '/srv/page',
      });
      expect(() => parseCommandLine(['--no-web', '--web-root', '/srv/page'])).toThrow(/use one/);
      expect(() => parseCommandLine(['status', '--no-web'])).toThrow(/--no-web does not apply/);
      expect(helpText('daemon')).toMatch(/--no-web +do not serve the chat page/);
      expect(helpText('daemon')).toMatch(/--web-root DIR +serve the chat page from DIR/);
    } finally {
      rmSync(here, { recursive: true, force: true });
    }
  });

  it('the default root is the package dist/web, from a built CLI and from source', () => {
    const here = mkdtempSync(join(tmpdir(), 'konnect-cli-web-'));
    try {
      mkdirSync(join(here, 'dist', 'web'), { recursive: true });
      writeFileSync(join(here, 'dist', 'web', 'index.html'), '<!doctype html>');
      expect(defaultWebRoot(join(here, 'dist', 'src', 'cli'))).toBe(join(here, 'dist', 'web'));
      expect(defaultWebRoot(join(here, 'src', 'cli'))).toBe(join(here, 'dist', 'web'));
      // Not built: the built CLI's own place, where the node says the page is missing.
      rmSync(join(here, 'dist', 'web'), { recursive: true });
      expect(defaultWebRoot(join(here, 'dist', 'src', 'cli'))).toBe(join(here, 'dist', 'web'));
    } finally {
      rmSync(here, { recursive: true, force: true });
    }
  });
});
