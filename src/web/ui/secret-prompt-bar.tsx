/**
 * The page's side of the TUI's secret prompt (src/tui/secret-prompt.ts): `/join #ops --key` and
 * `/rekey` typed in the composer ask for a passphrase, which the page takes in a password field above
 * the composer (Enter answers, Escape or Cancel gives up), so it is never shown nor sent as a message.
 */
import { useState } from 'react';
import type { ChatModel } from '../../tui/chat-model.js';

export function SecretPromptBar({ model }: { model: ChatModel }) {
  const [value, setValue] = useState('');
  const prompt = model.secretPrompt;
  if (!prompt) return null;
  const answer = (text: string | null) => {
    setValue('');
    prompt.answer(text);
  };
  return (
    <form
      className="join secret-prompt"
      onSubmit={(e) => {
        e.preventDefault();
        answer(value);
      }}
    >
      <input
        type="password"
        autoFocus
        autoComplete="off"
        aria-label={prompt.label}
        placeholder={prompt.label}
        value={value}
        onChange={(e) => setValue(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Escape') answer(null);
        }}
      />
      <button type="submit" disabled={value === ''}>
        OK
      </button>
      <button type="button" onClick={() => answer(null)}>
        Cancel
      </button>
    </form>
  );
}
