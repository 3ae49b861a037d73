/**
 * The input: a textarea that grows with its lines (up to a bound, then it scrolls). Enter sends,
 * Shift+Enter starts a new line; a line starting with / is a command of the TUI's parser (/join,
 * /nick, /msg …), run by the same controller.
 */
import { type ReactNode, useLayoutEffect, useRef, useState } from 'react';

export function Composer({
  placeholder,
  onSubmit,
  before,
}: {
  placeholder: string;
  onSubmit: (text: string) => void;
  /** Drawn before the text (the file buttons). */
  before?: ReactNode;
}) {
  const [text, setText] = useState('');
  const area = useRef<HTMLTextAreaElement>(null);

  useLayoutEffect(() => {
    const el = area.current;
    if (!el) return;
    // Set through the CSSOM (allowed by the page's CSP, unlike a style attribute).
    el.style.height = 'auto';
    el.style.height = `${Math.min(el.scrollHeight, 200)}px`;
  }, [text]);

  const send = () => {
    if (text.trim() === '') return;
    onSubmit(text);
    setText('');
  };

  return (
    <form
      className="composer"
      onSubmit={(e) => {
        e.preventDefault();
        send();
      }}
    >
      {before}
      <textarea
        ref={area}
        rows={1}
        value={text}
        placeholder={placeholder}
        aria-label="message"
        enterKeyHint="send"
        onChange={(e) => setText(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
            e.preventDefault();
            send();
          }
        }}
      />
      <button type="submit" className="send" aria-label="send" disabled={text.trim() === ''}>
        Send
      </button>
    </form>
  );
}
