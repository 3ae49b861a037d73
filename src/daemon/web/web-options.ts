/** What the web side of a node is given (`createNode({ web })`), each bound with its default. */

export interface WebOptions {
  /** The page's directory (dist/web: index.html and hashed assets). */
  root: string;
  /** HTTP connections, and connections not yet sorted, in all. @default 64 */
  maxConnections?: number;
  /** The same, from one remote address. @default 16 */
  maxConnectionsPerAddress?: number;
  /** WebSocket connections (browser links) in all. @default 32 */
  maxWebSockets?: number;
  /** The same, from one remote address. @default 8 */
  maxWebSocketsPerAddress?: number;
  /** A connection that sends no first byte, or no complete request head, in this time is closed. @default 5000 */
  headTimeoutMs?: number;
  /** An HTTP connection idle this long is closed. @default 30_000 */
  idleTimeoutMs?: number;
}

export interface WebLimits {
  maxConnections: number;
  maxConnectionsPerAddress: number;
  maxWebSockets: number;
  maxWebSocketsPerAddress: number;
  headTimeoutMs: number;
  idleTimeoutMs: number;
  /** Request head (request line and headers) in bytes. */
  maxHeaderBytes: number;
  /** One WebSocket message: the link's frame limit. */
  maxFrameBytes: number;
}

export const MAX_HEADER_BYTES = 8 * 1024;

export function webLimits(options: WebOptions, maxFrameBytes: number): WebLimits {
  return {
    maxConnections: options.maxConnections ?? 64,
    maxConnectionsPerAddress: options.maxConnectionsPerAddress ?? 16,
    maxWebSockets: options.maxWebSockets ?? 32,
    maxWebSocketsPerAddress: options.maxWebSocketsPerAddress ?? 8,
    headTimeoutMs: options.headTimeoutMs ?? 5000,
    idleTimeoutMs: options.idleTimeoutMs ?? 30_000,
    maxHeaderBytes: MAX_HEADER_BYTES,
    maxFrameBytes,
  };
}
