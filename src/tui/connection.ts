/**
 * What the UI does when the node it is attached to goes away and comes back (AttachedClient's
 * `connection` events). Before, an attached UI kept drawing peers and links of a node that had
 * stopped, and a line typed then was lost. Now the loss shows at once (a line, and the bars say
 * "detached"), peers are shown as unknown, a line that could not be sent goes back into the input, and
 * on reattaching everything shown is read again from the node. The browser page runs the same
 * controller: its loss is said in a page's words (pageLostLine), and while it is detached (lost, or
 * replaced by another tab) its peer list, which still answers from before, shows nobody online.
 */
import type { ChatEvent, PeerInfo } from '../daemon/index.js';
import type { ChatModel } from './chat-model.js';
import type { ControllerPort } from './controller-port.js';
import { describeError } from './errors.js';
import { loadTopics } from './topics.js';
import { sanitizeLabel } from '../wire/index.js';

/** The terminal's line when the node it was attached to stops: the terminal waits for another one. */
export function terminalLostLine(reason: string): string {
  return (
    `${reason}: detached. Nothing can be sent until a node runs for this data directory again; ` +
    'this window attaches by itself when one does.'
  );
}

/**
 * The page's line when its link drops: a line sent meanwhile is stored in the browser and shown, and
 * history sync (and the resend of undelivered direct messages) takes it to the mesh on relinking.
 */
export function pageLostLine(reason: string): string {
  return (
    `Disconnected: ${reason}. What you write meanwhile is kept in this browser and sent when the ` +
    'link is back; this page reconnects by itself.'
  );
}

/** A peer as the model takes it: while detached, nobody is linked or online, whatever the API says. */
export function peerWhileDetached(model: ChatModel, peer: PeerInfo): PeerInfo {
  return model.detached === null ? peer : { ...peer, linked: false, online: false, rttMs: null };
}

export function connectionChanged(
  controller: ControllerPort,
  event: Extract<ChatEvent, { type: 'connection' }>,
  lostLine: (reason: string) => string = terminalLostLine,
): void {
  const { model } = controller;
  if (event.state === 'replaced') {
    // A page whose identity linked from another tab or window: it waits to be asked back.
    model.detached = sanitizeLabel(event.reason) || 'opened elsewhere';
    model.replaced = true;
    for (const peer of [...model.peers.values()])
      model.upsertPeer({ ...peer, linked: false, online: false, rttMs: null });
    if (model.status) model.status = { ...model.status, links: 0, peers: 0 };
    model.system(`${model.detached}: this one is paused. "Use here" brings the chat back to it.`, 'error');
    return;
  }
  if (event.state === 'lost') {
    model.detached = sanitizeLabel(event.reason) || 'the node stopped';
    // Nothing about the mesh is known while detached: no peer is shown as linked or online.
    for (const peer of [...model.peers.values()])
      model.upsertPeer({ ...peer, linked: false, online: false, rttMs: null });
    if (model.status) model.status = { ...model.status, links: 0, peers: 0 };
    model.system(lostLine(model.detached), 'error');
    return;
  }
  model.detached = null;
  model.replaced = false;
  model.system('attached again to the node', 'link');
  void reread(controller);
}

/** After reattaching: who we are, peers, topics and the newest history of every loaded conversation. */
async function reread(controller: ControllerPort): Promise<void> {
  const { api, model } = controller;
  try {
    const status = await api.status();
    model.status = status;
    model.setSelf({ id: status.id, nick: status.nick, fingerprint: status.fingerprint });
    for (const room of status.rooms) model.open({ kind: 'room', room });
    for (const peer of await api.peers()) model.upsertPeer(peer);
    await loadTopics(api, model);
  } catch (err) {
    model.system(`could not read the node again: ${describeError(err)}`, 'error');
  }
  for (const conversation of model.conversations) {
    if (conversation.historyRequested) await controller.refresh(conversation);
  }
  controller.openDirects.forget();
  controller.syncOpenDirects();
  model.changed('now');
}

/**
 * A line that failed because no node was attached goes back to the input when it is empty, else it is
 * one Up away (it is in the input history already). Nothing typed is lost.
 */
export function keepLostLine(controller: ControllerPort, line: string): void {
  const { model } = controller;
  if (model.input.text === '') {
    model.input = { text: line, cursor: line.length };
    model.system('your line is back in the input: press Enter to send it once attached again', 'info');
  } else {
    model.system('your line was kept: press Up to recall it', 'info');
  }
  model.changed('now');
}
