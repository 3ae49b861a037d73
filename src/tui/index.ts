/** src/tui: the Ink terminal UI. It knows the node only through the ChatApi interface. */
export { runTui, type RunTuiOptions } from './run-tui.js';
export { App, type AppProps } from './components/App.js';
export { Tui, type TuiProps } from './components/Tui.js';
export { ChatApiContext } from './components/ChatApiContext.js';
export { useChatApi } from './hooks/use-chat-api.js';
export { ChatModel, type ChatModelOptions, type SelfInfo } from './chat-model.js';
export { ChatController, type ChatControllerOptions } from './chat-controller.js';
export { parseInput, COMMANDS, type Command, type ParsedInput } from './commands.js';
export { sanitizeText, sanitizeLabel } from '../wire/index.js';
export { wrapText, wrapParagraph } from './wrap.js';
export { cellWidth, truncateToWidth } from './text-width.js';
export { nickColor } from './nick-color.js';
export { resolveNoColor } from './format.js';
