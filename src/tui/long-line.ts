/**
 * A line too long for one message is never thrown away: the first Enter keeps it in the input line
 * and says so; a second Enter on the same line sends it in parts, in order, cut at line breaks and
 * spaces. A part that fails to go out puts what was not sent back in the input line.
 */
import type { ChatController } from './chat-controller.js';
import { parseInput } from './commands.js';
import { EMPTY_INPUT } from './input-line.js';
import { fitsOneMessage, splitMessageText, tooLongSentence } from '../wire/index.js';

export interface LongLine {
  /** The text that does not fit one message. */
  text: string;
  /** An action (/me): each part goes as an action. */
  action: boolean;
  /** The parts it would go out as; null when the line cannot be split (a /msg). */
  parts: string[] | null;
}

/** The line's message text when it is too long for one message; null when it fits (or is no message). */
export function longLineOf(line: string): LongLine | null {
  if (fitsOneMessage(line)) return null;
  const parsed = parseInput(line);
  let text: string;
  let action = false;
  let splittable = true;
  if (parsed.kind === 'text') text = parsed.text;
  else if (parsed.kind === 'command' && parsed.command.name === 'me') {
    text = parsed.command.text;
    action = true;
  } else if (parsed.kind === 'command' && parsed.command.name === 'msg') {
    text = parsed.command.text;
    splittable = false;
  } else return null;
  if (fitsOneMessage(text)) return null;
  return { text, action, parts: splittable ? splitMessageText(text) : null };
}

/** Enter on a line that is too long: the first time, a notice; the second time, the parts go out. */
export function submitLongLine(controller: ChatController, line: string, long: LongLine): void {
  const { model } = controller;
  if (long.parts === null) {
    model.system(`${tooLongSentence(long.text)}: shorten it (it stays in the input line)`, 'error');
    model.changed('now');
    return;
  }
  if (model.pendingSplit !== line) {
    model.pendingSplit = line;
    model.system(
      `${tooLongSentence(long.text)}: Enter again sends it as ${long.parts.length} messages ` +
        '(cut at line breaks and spaces), or edit it',
      'error',
    );
    model.changed('now');
    return;
  }
  model.pendingSplit = null;
  model.inputHistory.add(line);
  model.input = EMPTY_INPUT;
  model.changed('now');
  const parts = long.parts;
  const ref = model.active?.ref;
  void controller.enqueue(async () => {
    for (const [k, part] of parts.entries()) {
      if ((await controller.sendText(part, { ref, action: long.action })) !== null) continue;
      const rest = parts.slice(k).join('\n');
      if (model.input.text === '') {
        model.input = { text: rest, cursor: rest.length };
        model.system(
          `${parts.length - k} of ${parts.length} parts not sent: they are back in the input line`,
          'error',
        );
      } else {
        model.system(
          `${parts.length - k} of ${parts.length} parts not sent; Up recalls the whole line`,
          'error',
        );
      }
      model.changed('now');
      return;
    }
  });
}
