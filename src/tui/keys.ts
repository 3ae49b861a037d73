/**
 * Turns what the terminal sends into key events. Ink's input parser already splits stdin at escape
 * sequences; we read those raw pieces (instead of useInput's `Key`) because useInput cannot tell
 * Backspace (DEL, 0x7F) from Delete (`ESC [3~`), and a paste must be seen whole.
 */

export type KeyName =
  | 'enter'
  | 'tab'
  | 'backtab'
  | 'backspace'
  | 'delete'
  | 'escape'
  | 'up'
  | 'down'
  | 'left'
  | 'right'
  | 'home'
  | 'end'
  | 'pageup'
  | 'pagedown'
  | 'insert';

export type KeyEvent =
  /** Printable text typed (or a one-line paste without bracketed paste). */
  | { type: 'text'; text: string }
  /** A block of several lines arriving at once (a paste the terminal did not bracket). */
  | { type: 'paste'; text: string }
  /** Bracketed paste (`ESC [200~` ... `ESC [201~`) markers. */
  | { type: 'paste-start' }
  | { type: 'paste-end' }
  | { type: 'key'; name: KeyName; ctrl: boolean; alt: boolean; shift: boolean }
  /** Ctrl+letter (lower case), except the letters that are keys of their own (Tab, Enter, Backspace). */
  | { type: 'ctrl'; letter: string }
  /** The terminal window gained or lost focus (focus reports, `ESC [ I` / `ESC [ O`). */
  | { type: 'focus'; focused: boolean }
  /** Alt+character (ESC followed by it). */
  | { type: 'alt'; char: string }
  | { type: 'unknown'; sequence: string };

const ESC = '\u001B';

const key = (
  name: KeyName,
  modifiers: { ctrl?: boolean; alt?: boolean; shift?: boolean } = {},
): KeyEvent => ({
  type: 'key',
  name,
  ctrl: modifiers.ctrl ?? false,
  alt: modifiers.alt ?? false,
  shift: modifiers.shift ?? false,
});

const LETTER_KEYS: Record<string, KeyName> = {
  A: 'up',
  B: 'down',
  C: 'right',
  D: 'left',
  H: 'home',
  F: 'end',
};
const TILDE_KEYS: Record<string, KeyName> = {
  '1': 'home',
  '2': 'insert',
  '3': 'delete',
  '4': 'end',
  '5': 'pageup',
  '6': 'pagedown',
  '7': 'home',
  '8': 'end',
};

/** One escape sequence (as Ink's parser delivers it) to a key event. */
function parseEscape(sequence: string): KeyEvent {
  if (sequence === ESC) return key('escape');
  if (sequence === `${ESC}[200~`) return { type: 'paste-start' };
  if (sequence === `${ESC}[201~`) return { type: 'paste-end' };
  if (sequence === `${ESC}[Z`) return key('backtab', { shift: true });
  if (sequence === `${ESC}[I` || sequence === `${ESC}[O`)
    return { type: 'focus', focused: sequence.endsWith('I') };

  // ESC ESC [ ... : the older way some terminals send Alt with a function key.
  if (sequence.startsWith(ESC + ESC) && sequence.length > 2) {
    const inner = parseEscape(sequence.slice(1));
    return inner.type === 'key' ? { ...inner, alt: true } : inner;
  }

  const csi = /^\u001B\[(\d*)(?:;(\d+))?([A-Za-z~])$/.exec(sequence);
  if (csi) {
    const [, number, modifier, final] = csi;
    const bits = modifier ? Number(modifier) - 1 : 0;
    const modifiers = { shift: (bits & 1) !== 0, alt: (bits & 2) !== 0, ctrl: (bits & 4) !== 0 };
    const name = final === '~' ? TILDE_KEYS[number] : LETTER_KEYS[final];
    return name ? key(name, modifiers) : { type: 'unknown', sequence };
  }

  const ss3 = /^\u001BO([A-Za-z])$/.exec(sequence);
  if (ss3) {
    const final = ss3[1];
    // rxvt sends Ctrl+arrow as ESC O a..d.
    const lower = /[abcd]/.test(final);
    const name = LETTER_KEYS[final.toUpperCase()];
    return name ? key(name, { ctrl: lower }) : { type: 'unknown', sequence };
  }

  const rest = sequence.slice(1);
  if (rest === '\u007F' || rest === '\b') return key('backspace', { alt: true });
  if (rest === '\r' || rest === '\n') return key('enter', { alt: true });
  if ([...rest].length === 1) return { type: 'alt', char: rest };
  return { type: 'unknown', sequence };
}

/** A control character (or CR/LF/TAB/DEL) to a key event. */
function parseControl(ch: string): KeyEvent | null {
  switch (ch) {
    case '\r':
    case '\n':
      return key('enter');
    case '\t':
      return key('tab');
    case '\u007F':
    case '\b':
      return key('backspace');
  }
  const code = ch.charCodeAt(0);
  if (code >= 1 && code <= 26) return { type: 'ctrl', letter: String.fromCharCode(code + 96) };
  return null;
}

const CONTROL_CHAR = /[\u0000-\u001F\u007F]/;

/** Lines of a block, ignoring one trailing line break: `"a\nb\n"` is two lines. */
export function splitLines(text: string): string[] {
  const lines = text.split(/\r\n|\r|\n/);
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/**
 * One piece of input to key events. Without bracketed paste, a piece that holds more than one non-blank
 * line is a paste; otherwise each control character is a key and each run of printable text is typed
 * text (so `hello\r`, as a fast typist or `tmux send-keys` produces, is "hello" then Enter).
 */
export function parseInputChunk(chunk: string): KeyEvent[] {
  if (chunk === '') return [];
  if (chunk.startsWith(ESC)) return [parseEscape(chunk)];
  if (chunk.length > 1 && /[\r\n]/.test(chunk)) {
    const contentLines = splitLines(chunk).filter((line) => line.trim() !== '');
    if (contentLines.length > 1) return [{ type: 'paste', text: chunk }];
  }
  const events: KeyEvent[] = [];
  let run = '';
  for (const ch of chunk) {
    if (CONTROL_CHAR.test(ch)) {
      if (run !== '') events.push({ type: 'text', text: run });
      run = '';
      const event = parseControl(ch);
      if (event) events.push(event);
    } else {
      run += ch;
    }
  }
  if (run !== '') events.push({ type: 'text', text: run });
  return events;
}
