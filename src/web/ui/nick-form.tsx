/** First visit: the browser's key pair is made; the person picks the nick others will see. */
import { useState } from 'react';

export function NickForm({
  fingerprint,
  onPick,
}: {
  fingerprint: string;
  onPick: (nick: string) => Promise<void>;
}) {
  const [nick, setNick] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  return (
    <main className="welcome">
      <form
        className="welcome-card"
        onSubmit={(e) => {
          e.preventDefault();
          const chosen = nick.trim();
          if (chosen === '') return;
          setBusy(true);
          onPick(chosen).catch((err: unknown) => {
            setError(err instanceof Error ? err.message : String(err));
            setBusy(false);
          });
        }}
      >
        <h1>konnect</h1>
        <p>Chat with everyone on this network. Pick the name others will see.</p>
        <label htmlFor="nick">Your nick</label>
        <input
          id="nick"
          name="nick"
          autoFocus
          autoComplete="nickname"
          maxLength={32}
          value={nick}
          onChange={(e) => setNick(e.target.value)}
        />
        {error && <p className="error">{error}</p>}
        <button type="submit" disabled={busy || nick.trim() === ''}>
          Start chatting
        </button>
        <p className="hint">
          Your key was made in this browser and stays here. Your fingerprint: <code>{fingerprint}</code>
        </p>
      </form>
    </main>
  );
}
