/**
 * The rows around the history: title bar, peers pane, status bar (with the hotlist) and input line, as
 * styled segments cut to their width. Pure, so the layout is tested without a terminal.
 */
import type { PeerInfo } from '../daemon/index.js';
import type { ChatModel } from './chat-model.js';
import type { Row, Segment } from './history-view.js';
import { linkDescription } from './command-runner.js';
import { formatRtt, plural } from './format.js';
import { viewInput } from './input-line.js';
import { secretPromptRow } from './secret-prompt.js';
import { nickColor } from './nick-color.js';
import { cellWidth, padToWidth, truncateToWidth } from './text-width.js';
import { countChars, fitsOneMessage, MAX_TEXT_CHARS } from '../wire/index.js';
import { newKeyWarning } from './trust-marks.js';
import { wrapText } from './wrap.js';

/** Below this many columns the peers pane hides and the history takes the whole width. */
export const PEERS_PANE_MIN_COLUMNS = 70;
/** Width of the peers pane, its left border included. */
export const PEERS_PANE_WIDTH = 30;

/** Cuts a row of segments to `width` cells (the last segment that does not fit is cut with `…`). */
export function fitRow(row: Row, width: number): Row {
  const out: Row = [];
  let left = width;
  for (const segment of row) {
    if (left <= 0) break;
    const w = cellWidth(segment.text);
    if (w <= left) {
      out.push(segment);
      left -= w;
    } else {
      out.push({ ...segment, text: truncateToWidth(segment.text, left) });
      left = 0;
    }
  }
  return out;
}

function color(model: ChatModel, name: string): string | undefined {
  return model.noColor ? undefined : name;
}

/** Peers in the order the pane lists them: linked, then reachable through the mesh, then offline. */
export function sortPeers(peers: Iterable<PeerInfo>): PeerInfo[] {
  const rank = (p: PeerInfo): number => (p.linked ? 0 : p.online ? 1 : 2);
  return [...peers].sort(
    (a, b) => rank(a) - rank(b) || a.nick.localeCompare(b.nick) || a.id.localeCompare(b.id),
  );
}

/** The peers pane's rows (`width` excludes the border). */
export function peersRows(model: ChatModel, width: number, height: number): Row[] {
  const peers = sortPeers(model.peers.values());
  const online = peers.filter((p) => p.online).length;
  const rows: Row[] = [[{ text: truncateToWidth(`peers ${online}/${peers.length}`, width), bold: true }]];
  const rttWidth = 5;
  const fpWidth = 9;
  const nickWidth = Math.max(3, width - 2 - 1 - fpWidth - 1 - rttWidth);
  const legend: Row = [
    { text: '●', color: color(model, 'green') },
    { text: ' direct ' },
    { text: '○', color: color(model, 'yellow') },
    { text: ' mesh' },
  ];
  const room = height - rows.length - (height >= 6 ? 1 : 0);
  // A NEW KEY (§20) takes its warning's rows too: those peers come first, so no screen hides them.
  const warned = (p: PeerInfo): boolean => p.trust === 'new-key';
  const ordered = [...peers.filter(warned), ...peers.filter((p) => !warned(p))];
  const warningRows = (p: PeerInfo): Row[] =>
    wrapText(newKeyWarning(p.nick), width - 2, width - 2).map((line) => [
      { text: `  ${line}`, bold: true, color: color(model, 'red') },
    ]);
  const shown: PeerInfo[] = [];
  const peerRows: Row[] = [];
  for (const peer of ordered) {
    const extra = warned(peer) ? warningRows(peer) : [];
    const more = shown.length + 1 < ordered.length ? 1 : 0;
    if (peerRows.length + 1 + extra.length + more > room) break;
    shown.push(peer);
    peerRows.push(peerRow(model, peer, width, nickWidth, fpWidth, rttWidth), ...extra);
  }
  rows.push(...peerRows);
  if (shown.length < peers.length) rows.push([{ text: `+${peers.length - shown.length} more`, dim: true }]);
  if (peers.length === 0) rows.push([{ text: 'none yet', dim: true }]);
  while (rows.length < height - (height >= 6 ? 1 : 0)) rows.push([]);
  if (height >= 6) rows.push(fitRow(legend, width));
  return rows.slice(0, height);
}

/** One peer's row: link glyph, nick with its trust mark, fingerprint, RTT. */
function peerRow(
  model: ChatModel,
  peer: PeerInfo,
  width: number,
  nickWidth: number,
  fpWidth: number,
  rttWidth: number,
): Row {
  const mark = peer.trust === 'new-key' ? ' !' : peer.trust === 'verified' ? ' ✓' : '';
  const nick = `${truncateToWidth(peer.nick, nickWidth - cellWidth(mark))}${mark}`;
  const nickColorName =
    peer.trust === 'new-key' ? 'red' : peer.trust === 'verified' ? 'green' : nickColor(peer.id);
  const glyph: Segment = peer.linked
    ? { text: '●', color: color(model, 'green') }
    : peer.online
      ? { text: '○', color: color(model, 'yellow') }
      : { text: '·', dim: true };
  return fitRow(
    [
      glyph,
      { text: ' ' },
      {
        text: padToWidth(nick, nickWidth),
        color: color(model, nickColorName),
        bold: peer.trust === 'new-key',
        dim: !peer.online,
      },
      { text: ' ' },
      { text: padToWidth(peer.fingerprint, fpWidth), dim: true },
      { text: ' ' },
      { text: formatRtt(peer.linked ? peer.rttMs : null).padStart(rttWidth), dim: true },
    ],
    width,
  );
}

/** The title bar: what is shown and who is there. */
export function titleRow(model: ChatModel, width: number): Row {
  const active = model.active;
  const row: Row = [];
  if (model.detached !== null) {
    row.push({ text: ' DETACHED (waiting for the node) ', bold: true, inverse: true });
  }
  if (!active) {
    row.push({ text: ' konnect — no conversation open (/join ROOM)' });
  } else if (active.ref.kind === 'room') {
    const room = active.ref.room;
    const here = [...model.peers.values()].filter((p) => p.online && p.rooms.includes(room)).length;
    row.push({ text: ` #${room}`, bold: true }, { text: ` — ${plural(here, 'peer')} here` });
  } else {
    const peer = model.peers.get(active.ref.peer);
    row.push(
      { text: ` @${model.nickOf(active.ref.peer)}`, bold: true },
      { text: ` ${model.fingerprintOf(active.ref.peer)} — direct, end-to-end encrypted` },
    );
    if (peer) row.push({ text: ` · ${linkDescription(peer)}` });
    if (peer?.trust === 'new-key') row.push({ text: ' · NEW KEY', bold: true, color: color(model, 'red') });
    if (peer?.trust === 'verified') row.push({ text: ' · verified ✓', color: color(model, 'green') });
  }
  if (model.self) row.push({ text: ` · you are ${model.self.nick}` });
  // Last, so a long topic is what the width cuts.
  const topic = active?.ref.kind === 'room' ? model.topics.get(active.ref.room)?.topic : undefined;
  if (topic) row.push({ text: ` · topic: ${topic.replace(/\s+/g, ' ')}` });
  return fitRow(padRow(row, width), width);
}

function padRow(row: Row, width: number): Row {
  const used = row.reduce((sum, s) => sum + cellWidth(s.text), 0);
  return used < width ? [...row, { text: ' '.repeat(width - used) }] : row;
}

/** The hotlist: conversations not shown that have unread lines, `N:label(unread[,mentions!])`. */
export function hotlist(model: ChatModel): Row {
  const row: Row = [];
  for (const conversation of model.conversations) {
    if (conversation.key === model.activeKey || conversation.unread === 0) continue;
    const counts =
      conversation.mentions > 0
        ? `${conversation.unread},${conversation.mentions}!`
        : `${conversation.unread}`;
    const important = conversation.mentions > 0 || conversation.ref.kind === 'direct';
    row.push({
      text: `${row.length === 0 ? '' : ' '}${model.numberOf(conversation)}:${model.label(conversation)}(${counts})`,
      bold: important,
      color: important ? color(model, 'magenta') : undefined,
    });
  }
  return row;
}

/** The status bar: where we are, who we are, peers and links, the hotlist, "more" when scrolled back. */
export function statusRow(model: ChatModel, width: number, view: { scrolled: boolean; below: number }): Row {
  const row: Row = [];
  if (view.scrolled) row.push({ text: ` -- more (${view.below}) --`, bold: true });
  const active = model.active;
  if (active) row.push({ text: ` [${model.numberOf(active)}:${model.label(active)}]`, bold: true });
  if (model.self) row.push({ text: ` [${model.self.nick}]` });
  if (model.detached !== null) row.push({ text: ' [detached]', bold: true, color: color(model, 'red') });
  const peers = [...model.peers.values()];
  const online = peers.filter((p) => p.online).length;
  const links = peers.filter((p) => p.linked).length;
  row.push({ text: ` [${plural(online, 'peer')}, ${plural(links, 'link')}]` });
  const hot = hotlist(model);
  if (hot.length > 0) row.push({ text: ' [act: ' }, ...hot, { text: ']' });
  // Last, so a narrow terminal cuts it first: the page's address for phones, as typed (/web shows more).
  const web = model.status?.web;
  if (web) row.push({ text: ` [web ${web.replace(/^http:\/\//, '').replace(/\/$/, '')}]`, dim: true });
  return fitRow(padRow(row, width), width);
}

/** The input line: a prompt, the text around the cursor; or the question a multi-line paste asks. */
export function inputRow(model: ChatModel, width: number): Row {
  const secret = secretPromptRow(model);
  if (secret) return fitRow(secret, width);
  if (model.pendingPaste) {
    const n = model.pendingPaste.length;
    return fitRow(
      [
        { text: `send ${n} lines? (y/n) `, bold: true, color: color(model, 'yellow') },
        { text: model.pendingPaste[0], dim: true },
      ],
      width,
    );
  }
  const active = model.active;
  const label = active ? model.label(active) : 'konnect';
  const prompt = `[${truncateToWidth(label, Math.max(4, Math.floor(width / 3) - 3))}] `;
  // Over the limit, a count says by how much (the text stays; Enter explains and offers to split it).
  const over = fitsOneMessage(model.input.text) ? null : `${countChars(model.input.text)}/${MAX_TEXT_CHARS} `;
  const room = Math.max(1, width - cellWidth(prompt) - (over ? cellWidth(over) : 0));
  // A line break (Alt+Enter) shows as ↵: one cell, one UTF-16 unit, so the cursor offsets still hold.
  const view = viewInput({ ...model.input, text: model.input.text.replace(/\n/g, '↵') }, room);
  return fitRow(
    [
      ...(over ? [{ text: over, bold: true, color: color(model, 'red') }] : []),
      { text: prompt, color: color(model, 'cyan') },
      { text: view.before },
      { text: view.atCursor, inverse: true },
      { text: view.after },
    ],
    width,
  );
}
