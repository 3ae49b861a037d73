/** src/daemon/web: the chat page and browser links on the mesh's own port (PROTOCOL.md §18). */
export { AddressSlots } from './address-slots.js';
export { CONTENT_SECURITY_POLICY, SECURITY_HEADERS, safeSegments, serveStatic } from './static-files.js';
export { lanAddress, webUrl } from './web-address.js';
export { MAX_HEADER_BYTES, webLimits, type WebLimits, type WebOptions } from './web-options.js';
export { originAllowed, WebServer, WS_PATH } from './web-server.js';
export { webService } from './web-service.js';
export { WS_CLOSE, WsLinkSocket } from './ws-link-socket.js';
