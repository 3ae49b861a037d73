/**
 * src/daemon/control: the control socket. Any ChatApi is served through one method table (CHAT_METHODS)
 * from which the client is derived, so a UI works the same on its own node or on a daemon's.
 */
export { NodeChatApi } from './node-chat-api.js';
export { ControlServer, socketAnswers } from './control-server.js';
export { ControlClient, remoteApi } from './control-client.js';
export { ControlConnection } from './control-connection.js';
export { CONTROL_MAX_FRAME_BYTES, HISTORY_PAGE } from './control-protocol.js';
export { CHAT_METHODS } from './chat-methods.js';
export {
  MethodSession,
  call,
  arg,
  fields,
  events,
  remoteCalls,
  forwardCalls,
  type ArgSpec,
  type CallSpec,
  type EventsSpec,
  type MethodTable,
  type RemoteCalls,
} from './method-table.js';
export { AttachedClient, type AttachedClientOptions } from './attached-client.js';
