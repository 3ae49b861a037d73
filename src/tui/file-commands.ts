/**
 * /send, /get and /files (PROTOCOL.md §21) against the ChatApi. The offer and the transfer show by
 * themselves (file-events.ts); these say what was started, or in one line why not.
 */
import type { FileInfo } from '../daemon/index.js';
import type { Command } from './commands.js';
import type { ControllerPort } from './controller-port.js';
import { describeError, errorCode } from './errors.js';
import { sanitizeFile } from './file-events.js';
import { fileLine, formatBytes } from './file-view.js';

type FileCommand = Extract<Command, { name: 'send' | 'get' | 'files' }>;

export async function runFileCommand(controller: ControllerPort, command: FileCommand): Promise<void> {
  const { api, model } = controller;
  const say = (text: string): void => model.system(text, 'info');
  const fail = (text: string): void => model.system(text, 'error');
  switch (command.name) {
    case 'send': {
      const active = model.active;
      if (!active) return fail('/send: no conversation to send to');
      if (!controller.localFiles) return fail('/send is not available here: this UI has no files to send');
      const path = controller.localFiles.resolve(command.path);
      try {
        const file = sanitizeFile(await api.sendFile(active.ref, path));
        model.files.set(file.id, file);
        say(
          `offered ${file.name} (${formatBytes(file.size)}) to ${model.label(active)}: id ${file.id.slice(0, 12)}`,
        );
      } catch (err) {
        fail(`could not send ${path}: ${describeError(err)}`);
      }
      return;
    }
    case 'get': {
      let file: FileInfo;
      model.askedFiles.add(command.id);
      try {
        file = sanitizeFile(await api.getFile(command.id));
      } catch (err) {
        model.askedFiles.delete(command.id);
        return fail(getError(command.id, err));
      }
      const what = `${file.name} (${formatBytes(file.size)})`;
      if (file.own || file.state === 'done') model.askedFiles.delete(command.id);
      if (file.own) return say(`${what} is your own file: ${file.path ?? ''}`);
      if (file.state === 'done') return say(`${what} is saved already: ${file.path ?? ''}`);
      const before = model.files.get(file.id);
      // The event of the same change may have come first: then it said nothing, and this says it.
      if (!before || before.state !== 'fetching') model.files.set(file.id, file);
      say(`fetching ${what} from whoever holds it; the bar above the status line shows how far`);
      return;
    }
    case 'files': {
      let all: FileInfo[];
      try {
        all = (await api.files()).map(sanitizeFile);
      } catch (err) {
        return fail(`could not list files: ${describeError(err)}`);
      }
      if (all.length === 0) return say('no files offered or held yet (/send PATH offers one)');
      say(`files: ${all.length}`);
      for (const file of all) say(`  ${fileLine(file)}`);
      return;
    }
  }
}

function getError(id: string, err: unknown): string {
  switch (errorCode(err)) {
    case 'UNKNOWN_FILE':
      return `/get ${id}: ${describeError(err)} (/files lists them)`;
    case 'FILE_TOO_LARGE':
      return `/get ${id}: too large for this node: ${describeError(err)} (--max-file-bytes)`;
    case 'NO_SPACE':
      return `/get ${id}: not enough disk space: ${describeError(err)}`;
    default:
      return `/get ${id}: ${describeError(err)}`;
  }
}
