/**
 * A question whose answer is not shown: the passphrase of a private room (/join #ops --key, /rekey).
 * While it is open the input line shows the question and nothing of what is typed (not even its
 * length), Enter answers, Escape or Ctrl+C cancels, and the answer never enters the input history.
 */
import type { KeyEvent } from './keys.js';
import type { Row } from './history-view.js';
import { sanitizeText } from '../wire/index.js';

/** The part of the chat model a prompt lives in (an interface, so chat-model.ts need not be imported). */
export interface SecretHost {
  secretPrompt: SecretPrompt | null;
  changed(when: 'now'): void;
}

export interface SecretPrompt {
  /** The question, e.g. "passphrase for #ops". */
  label: string;
  /** What was typed so far (never drawn). */
  text: string;
  answer: (value: string | null) => void;
}

/** Opens the prompt; resolves with what was typed, or null when it was cancelled. */
export function askSecret(model: SecretHost, label: string): Promise<string | null> {
  model.secretPrompt?.answer(null);
  return new Promise((resolve) => {
    model.secretPrompt = {
      label,
      text: '',
      answer: (value) => {
        model.secretPrompt = null;
        model.changed('now');
        resolve(value);
      },
    };
    model.changed('now');
  });
}

/** Takes a key while a prompt is open; false when none is (the key is the input line's). */
export function secretKey(model: SecretHost, event: KeyEvent): boolean {
  const prompt = model.secretPrompt;
  if (!prompt) return false;
  if (event.type === 'text' || event.type === 'paste') {
    prompt.text += sanitizeText(event.text).replace(/[\r\n]/g, '');
  } else if (event.type === 'ctrl' && event.letter === 'c') {
    prompt.answer(null);
  } else if (event.type === 'ctrl' && event.letter === 'u') {
    prompt.text = '';
  } else if (event.type === 'key' && event.name === 'escape') {
    prompt.answer(null);
  } else if (event.type === 'key' && event.name === 'backspace') {
    prompt.text = [...prompt.text].slice(0, -1).join('');
  } else if (event.type === 'key' && event.name === 'enter') {
    prompt.answer(prompt.text);
  }
  return true;
}

/** The input line while a prompt is open: the question only. */
export function secretPromptRow(model: SecretHost): Row | null {
  const prompt = model.secretPrompt;
  if (!prompt) return null;
  return [{ text: `${prompt.label} (not shown, Esc cancels): `, bold: true }];
}
