/**
 * The web side as a node service (`webService(options)(context)`): it takes the mesh port's inbound
 * connections to sort them (web-server.ts), reports the page's address in the node's status, and
 * drops its HTTP connections when the node stops (the link manager closes the WebSocket links).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_MAX_FRAME_BYTES } from '../../wire/index.js';
import type { NodeService, ServiceFactory } from '../services/index.js';
import { webLimits, type WebOptions } from './web-options.js';
import { WebServer } from './web-server.js';
import { webUrl } from './web-address.js';

/** The web service of a node bound to `host` (the node's `init.host`). */
export function webService(options: WebOptions, host = '0.0.0.0'): ServiceFactory {
  return (context): NodeService & { server: WebServer } => {
    const limits = webLimits(options, DEFAULT_MAX_FRAME_BYTES);
    // A node of the mesh, by a listening address it gave (a leaf gives none): its page may move here.
    const knownNode = (hostPort: string) =>
      context.peerTable
        .all()
        .some((p) => !p.link?.leaf && p.addresses.some((a) => a.toLowerCase() === hostPort));
    const server = new WebServer(options.root, context.links, limits, context.logger, knownNode);
    // Set before the node listens: no connection reaches the link manager unsorted.
    context.links.sortInbound((socket) => server.sort(socket), limits.maxConnections + limits.maxWebSockets);
    let url: string | null = null;
    return {
      server,
      start() {
        url = webUrl(host, context.links.port);
        context.logger.info(`web page: ${url}`);
        // The node runs without its page (a source checkout not built yet): say so, once, plainly.
        if (!existsSync(join(options.root, 'index.html'))) {
          context.logger.warn(
            `web page not built: ${options.root} has no index.html, so ${url} answers 503; run npm run build or start with --web-root DIR`,
          );
        }
      },
      stop() {
        server.stop();
      },
      status: () => ({ web: url }),
    };
  };
}
