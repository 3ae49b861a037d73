/**
 * What each key does. Input arrives as the raw pieces Ink's parser splits stdin into; a bracketed paste
 * is gathered whole, a paste of several lines waits for "send N lines? (y/n)".
 */
import type { ChatController } from './chat-controller.js';
import { applyCompletion, nextCompletion, startCompletion, type CompletionSources } from './completion.js';
import * as edit from './input-line.js';
import { parseInputChunk, splitLines, type KeyEvent } from './keys.js';
import { longLineOf, submitLongLine } from './long-line.js';
import { secretKey } from './secret-prompt.js';
import { fitsOneMessage, sanitizeText, splitMessageText } from '../wire/index.js';

const PASTE_END = '\u001B[201~';

/** Nicks for completion: recent speakers of the shown conversation first, then online peers, then the rest. */
export function completionSources(controller: ChatController): CompletionSources {
  const { model } = controller;
  const nicks: string[] = [];
  const active = model.active;
  if (active) {
    const entries = active.entries;
    for (let i = entries.length - 1, seen = 0; i >= 0 && seen < 300; i--, seen++) {
      const entry = entries[i];
      // A speaker who changed nick since is offered by the nick they have now, not the one they wrote under.
      if (entry.kind === 'message' && entry.message.from !== model.self?.id)
        nicks.push(model.peers.get(entry.message.from)?.nick ?? entry.message.nick);
    }
  }
  const peers = [...model.peers.values()].sort(
    (a, b) => Number(b.online) - Number(a.online) || a.nick.localeCompare(b.nick),
  );
  nicks.push(...peers.map((p) => p.nick));
  if (model.self) nicks.push(model.self.nick);
  const rooms = new Set<string>(model.status?.rooms ?? []);
  for (const peer of model.peers.values()) for (const room of peer.rooms) rooms.add(room);
  const files = controller.localFiles;
  return { nicks, rooms: [...rooms].sort(), paths: files ? (typed) => files.complete(typed) : undefined };
}

/** A paste: one line goes into the input line; several lines ask first. */
export function handlePaste(controller: ChatController, text: string): void {
  const { model } = controller;
  const lines = splitLines(sanitizeText(text, { keepNewlines: true })).filter((line) => line.trim() !== '');
  if (lines.length === 0) return;
  if (lines.length === 1) {
    model.input = edit.insertText(model.input, lines[0]);
  } else {
    // A pasted line too long for one message goes as several, so none of it is refused.
    model.pendingPaste = lines.flatMap((line) => (fitsOneMessage(line) ? [line] : splitMessageText(line)));
    model.pendingPasteRef = model.active?.ref ?? null;
  }
  model.changed('now');
}

async function confirmPaste(controller: ChatController, send: boolean): Promise<void> {
  const { model } = controller;
  const lines = model.pendingPaste ?? [];
  const ref = model.pendingPasteRef ?? undefined;
  model.pendingPaste = null;
  model.pendingPasteRef = null;
  model.changed('now');
  if (!send) {
    model.system(`paste of ${lines.length} lines not sent`, 'info');
    model.changed('now');
    return;
  }
  // Pasted lines are text, even one that starts with "/": a paste must not run commands. They go to
  // the conversation pasted into, in the typing queue, so a switch pressed meanwhile waits for them.
  await controller.enqueue(async () => {
    for (const [k, line] of lines.entries()) {
      if ((await controller.sendText(line, { ref })) === null) {
        if (k + 1 < lines.length) {
          model.system(`${lines.length - k - 1} more pasted lines not sent`, 'error');
          model.changed('now');
        }
        break;
      }
    }
  });
}

/** Feeds one piece of terminal input (as Ink's `internal_eventEmitter` delivers it). */
export function handleInputChunk(controller: ChatController, chunk: string): void {
  const { model } = controller;
  if (model.bracketedPaste !== null) {
    if (chunk === PASTE_END) {
      const text = model.bracketedPaste;
      model.bracketedPaste = null;
      if (secretKey(model, { type: 'paste', text })) return model.changed('now');
      handlePaste(controller, text);
    } else {
      model.bracketedPaste += chunk;
    }
    return;
  }
  for (const event of parseInputChunk(chunk)) handleKey(controller, event);
}

/** One key event. */
export function handleKey(controller: ChatController, event: KeyEvent): void {
  const { model } = controller;

  if (event.type === 'paste-start') {
    model.bracketedPaste = '';
    return;
  }
  if (event.type === 'focus') {
    // Away: everything shown so far was seen; what comes meanwhile is drawn below the read marker.
    if (event.focused) model.active?.resumeReading();
    else model.active?.markRead();
    // Away, nothing is on screen for the person: no read markers meanwhile (PROTOCOL.md §20).
    controller.trust.focused = event.focused;
    controller.trust.syncShown(controller.api, model);
    return model.changed('now');
  }
  if (secretKey(model, event)) return model.changed('now'); // a passphrase: nothing of it is drawn
  if (event.type === 'ctrl' && event.letter === 'c') {
    controller.quit();
    return;
  }
  if (model.pendingPaste !== null) {
    if (event.type === 'text' && /^[yY]$/.test(event.text)) void confirmPaste(controller, true);
    else if (
      (event.type === 'text' && /^[nN]$/.test(event.text)) ||
      (event.type === 'key' && event.name === 'escape')
    ) {
      void confirmPaste(controller, false);
    }
    return;
  }

  const isTab = event.type === 'key' && (event.name === 'tab' || event.name === 'backtab');
  if (!isTab) model.completion = null;

  const set = (next: edit.InputState): void => {
    model.input = next;
    model.changed('now');
  };

  switch (event.type) {
    case 'text':
      return set(edit.insertText(model.input, sanitizeText(event.text)));
    case 'paste':
      return handlePaste(controller, event.text);
    case 'paste-end':
    case 'unknown':
      return;
    case 'alt':
      // Switches wait in the typing queue: a line typed before the switch goes where it was typed.
      if (/^[1-9]$/.test(event.char))
        return void controller.enqueue(() => controller.switchToNumber(Number(event.char)));
      if (event.char === '0') return void controller.enqueue(() => controller.switchToNumber(10));
      if (event.char === 'b') return set(edit.moveWordLeft(model.input));
      if (event.char === 'f') return set(edit.moveWordRight(model.input));
      return;
    case 'ctrl':
      switch (event.letter) {
        case 'a':
          return set(edit.moveHome(model.input));
        case 'e':
          return set(edit.moveEnd(model.input));
        case 'b':
          return set(edit.moveLeft(model.input));
        case 'f':
          return set(edit.moveRight(model.input));
        case 'u':
          return set(edit.killToStart(model.input));
        case 'k':
          return set(edit.killToEnd(model.input));
        case 'w':
          return set(edit.deleteWordBackward(model.input));
        case 'd':
          if (model.input.text === '') return controller.quit();
          return set(edit.deleteForward(model.input));
        case 'n':
          return void controller.enqueue(() => controller.switchBy(1));
        case 'p':
          return void controller.enqueue(() => controller.switchBy(-1));
      }
      return;
    case 'key':
      break;
  }

  switch (event.name) {
    case 'enter': {
      if (event.alt) return set(edit.insertText(model.input, '\n'));
      const line = model.input.text;
      const long = longLineOf(line);
      if (long) return submitLongLine(controller, line, long);
      model.input = edit.EMPTY_INPUT;
      model.changed('now');
      void controller.submit(line);
      return;
    }
    case 'tab':
    case 'backtab': {
      const step = event.name === 'tab' ? 1 : -1;
      if (model.completion) {
        model.completion = nextCompletion(model.completion, step);
      } else {
        model.completion = startCompletion(model.input, completionSources(controller));
        if (model.completion && step < 0) model.completion = nextCompletion(model.completion, step);
      }
      if (model.completion) set(applyCompletion(model.completion));
      return;
    }
    case 'backspace':
      return set(event.alt ? edit.deleteWordBackward(model.input) : edit.deleteBackward(model.input));
    case 'delete':
      return set(edit.deleteForward(model.input));
    case 'left':
      return set(event.ctrl || event.alt ? edit.moveWordLeft(model.input) : edit.moveLeft(model.input));
    case 'right':
      return set(event.ctrl || event.alt ? edit.moveWordRight(model.input) : edit.moveRight(model.input));
    case 'home':
      return set(edit.moveHome(model.input));
    case 'end':
      return set(edit.moveEnd(model.input));
    case 'up': {
      const text = model.inputHistory.previous(model.input.text);
      if (text !== null) set({ text, cursor: text.length });
      return;
    }
    case 'down': {
      const text = model.inputHistory.next();
      if (text !== null) set({ text, cursor: text.length });
      return;
    }
    case 'pageup':
      return controller.scrollPage('up');
    case 'pagedown':
      return controller.scrollPage('down');
    case 'escape':
      return model.changed('now');
    case 'insert':
      return;
  }
}
