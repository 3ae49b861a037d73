/**
 * The web page's entry (bundled by scripts/build-web.mjs): opens the browser's own peer on the node
 * that served the page (ws://HOST:PORT/ws, PROTOCOL.md §18) and draws the chat on it.
 */
import './styles.css';
import { openWebPeer } from '../peer/index.js';
import { boot } from './boot.js';

const container = document.getElementById('root');
if (!container) throw new Error('the page has no #root element');
const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
openWebPeer({ url }).then(
  (peer) => {
    // The page's own peer, for the console and for `npm run bench` (bench/scenarios/web.ts); it is
    // the page's code that holds it anyway.
    (window as { konnect?: unknown }).konnect = peer;
    // Closing the tab (or leaving the page) says `leave`, as a terminal that quits does: the others
    // see "ana left" at once rather than ana online for 75 s more. A page kept in the back-forward
    // cache (persisted) has not left. A tab replaced by another says nothing (close() knows).
    addEventListener('pagehide', (event) => {
      if (!event.persisted) void peer.close();
    });
    boot(container, peer);
  },
  (err: unknown) => {
    container.textContent = `konnect could not start in this browser: ${err instanceof Error ? err.message : String(err)}`;
  },
);
