import { describe, expect, test } from 'vitest';
import { COMMANDS, commandWords, findCommand, normaliseRoom, parseInput } from '../../src/tui/commands.js';

describe('parseInput', () => {
  test.each([
    ['', { kind: 'empty' }],
    ['   ', { kind: 'empty' }],
    ['hello', { kind: 'text', text: 'hello' }],
    ['  indented', { kind: 'text', text: '  indented' }],
    ['//slash at start', { kind: 'text', text: '/slash at start' }],
    ['//', { kind: 'text', text: '/' }],
    ['/help', { kind: 'command', command: { name: 'help', topic: null } }],
    ['/help /msg', { kind: 'command', command: { name: 'help', topic: 'msg' } }],
    ['/nick zoe', { kind: 'command', command: { name: 'nick', nick: 'zoe' } }],
    ['/NICK zoe', { kind: 'command', command: { name: 'nick', nick: 'zoe' } }],
    ['/join #Dev', { kind: 'command', command: { name: 'join', room: 'dev' } }],
    ['/j dev', { kind: 'command', command: { name: 'join', room: 'dev' } }],
    ['/leave', { kind: 'command', command: { name: 'leave', room: null } }],
    ['/part dev', { kind: 'command', command: { name: 'leave', room: 'dev' } }],
    ['/rooms', { kind: 'command', command: { name: 'rooms' } }],
    ['/msg bob  hi  there ', { kind: 'command', command: { name: 'msg', target: 'bob', text: 'hi  there' } }],
    ['/dm bob', { kind: 'command', command: { name: 'dm', target: 'bob' } }],
    ['/query bob', { kind: 'command', command: { name: 'dm', target: 'bob' } }],
    ['/back', { kind: 'command', command: { name: 'back' } }],
    ['/peers', { kind: 'command', command: { name: 'peers' } }],
    ['/whois k3x9-ab2q', { kind: 'command', command: { name: 'whois', target: 'k3x9-ab2q' } }],
    ['/me waves', { kind: 'command', command: { name: 'me', text: 'waves' } }],
    ['/clear', { kind: 'command', command: { name: 'clear' } }],
    ['/search two words', { kind: 'command', command: { name: 'search', text: 'two words' } }],
    ['/quit', { kind: 'command', command: { name: 'quit' } }],
    ['/exit', { kind: 'command', command: { name: 'quit' } }],
  ])('%j', (line, expected) => {
    expect(parseInput(line)).toEqual(expected);
  });

  test.each([
    ['/', /command name must follow/],
    ['/frobnicate', /unknown command \/frobnicate; \/help lists the commands/],
    ['/nick', /\/nick needs a nick \(usage: \/nick NAME\)/],
    ['/nick two words', /a nick is one word/],
    ['/join', /\/join needs a room name/],
    ['/leave a b', /a room name is one word/],
    ['/msg', /\/msg needs a nick and a message/],
    ['/msg bob', /\/msg needs a message after "bob"/],
    ['/dm', /\/dm needs a nick/],
    ['/whois', /\/whois needs a nick/],
    ['/me', /\/me needs an action/],
    ['/search', /\/search needs something to search for/],
    ['/quit now', /\/quit takes no arguments/],
    ['/rooms all', /\/rooms takes no arguments/],
    ['/help a b', /at most one command name/],
  ])('%j is explained in one line', (line, message) => {
    const parsed = parseInput(line);
    expect(parsed.kind).toBe('error');
    if (parsed.kind === 'error') {
      expect(parsed.message).toMatch(message);
      expect(parsed.message).not.toContain('\n');
    }
  });
});

describe('command table', () => {
  test('every command has a usage line starting with its name', () => {
    for (const spec of COMMANDS) expect(spec.usage.startsWith(`/${spec.name}`)).toBe(true);
  });

  test('names and aliases are unique', () => {
    const words = commandWords();
    expect(new Set(words).size).toBe(words.length);
  });

  test('findCommand knows aliases', () => {
    expect(findCommand('part')?.name).toBe('leave');
    expect(findCommand('nope')).toBeUndefined();
  });

  test('normaliseRoom drops # and lowers case', () => {
    expect(normaliseRoom('##Dev')).toBe('dev');
  });
});
