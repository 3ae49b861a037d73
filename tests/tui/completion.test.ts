import { describe, expect, test } from 'vitest';
import { applyCompletion, nextCompletion, startCompletion } from '../../src/tui/completion.js';

const sources = { nicks: ['bob', 'Alice', 'alan', 'alice'], rooms: ['general', 'dev', 'design'] };
const at = (text: string, cursor = text.length) => ({ text, cursor });

describe('completion', () => {
  test('a nick at the start of the line gets ": "', () => {
    const session = startCompletion(at('bo'), sources);
    expect(session && applyCompletion(session)).toEqual({ text: 'bob: ', cursor: 5 });
  });

  test('a nick in the middle of the line gets a space and keeps the rest', () => {
    const session = startCompletion(at('hi al and more', 5), sources);
    expect(session?.candidates).toEqual(['Alice ', 'alan ']);
    expect(session && applyCompletion(session)).toEqual({ text: 'hi Alice and more', cursor: 9 });
  });

  test('repeated Tab cycles and wraps', () => {
    let session = startCompletion(at('x al'), sources)!;
    const seen = [applyCompletion(session).text];
    session = nextCompletion(session);
    seen.push(applyCompletion(session).text);
    session = nextCompletion(session);
    seen.push(applyCompletion(session).text);
    expect(seen).toEqual(['x Alice ', 'x alan ', 'x Alice ']);
    expect(applyCompletion(nextCompletion(session, -1)).text).toBe('x alan ');
  });

  test('duplicate nicks (case-insensitive) are offered once', () => {
    expect(startCompletion(at('ali'), sources)?.candidates).toEqual(['Alice: ']);
  });

  test('commands complete at the start of the line', () => {
    expect(startCompletion(at('/wh'), sources)?.candidates).toEqual(['/whois ']);
    expect(startCompletion(at('/m'), sources)?.candidates).toEqual(['/msg ', '/me ']);
  });

  test('a slash word later in the line is not a command', () => {
    expect(startCompletion(at('see /wh'), sources)).toBeNull();
  });

  test('nicks complete as command arguments', () => {
    const session = startCompletion(at('/msg b'), sources)!;
    expect(applyCompletion(session).text).toBe('/msg bob ');
  });

  test('rooms complete after /join and /leave', () => {
    expect(startCompletion(at('/join de'), sources)?.candidates).toEqual(['dev ', 'design ']);
    expect(startCompletion(at('/leave #ge'), sources)?.candidates).toEqual(['general ']);
  });

  test('@nick completes too', () => {
    expect(applyCompletion(startCompletion(at('hey @bo'), sources)!).text).toBe('hey bob ');
  });

  test('nothing matching is null', () => {
    expect(startCompletion(at('zz'), sources)).toBeNull();
  });
});
