/**
 * The page's own settings, at the foot of the side list. One so far: whether the page tells people
 * when it has shown their direct messages (read markers, PROTOCOL.md §20), as a node's
 * `--no-read-receipts` does; kept in the browser.
 */
import { createContext, useContext, useState } from 'react';

export interface PageSettingsApi {
  readonly readReceipts: boolean;
  setReadReceipts(on: boolean): Promise<void>;
}

/** The page's peer where it has these settings (WebPeer), else null. */
export const SettingsContext = createContext<PageSettingsApi | null>(null);

export function Settings() {
  const api = useContext(SettingsContext);
  const [on, setOn] = useState(api?.readReceipts ?? true);
  if (!api) return null;
  return (
    <section className="settings">
      <h2>Settings</h2>
      <label className="setting">
        <input
          type="checkbox"
          name="read-receipts"
          checked={on}
          onChange={(e) => {
            const next = e.target.checked;
            setOn(next);
            api.setReadReceipts(next).catch(() => setOn(!next));
          }}
        />
        Tell people when I have read their direct messages
      </label>
    </section>
  );
}
