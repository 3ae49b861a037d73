/** src/daemon/services: the contract between the node and its services, and the one table of payload kinds. */
export { PayloadKinds } from './payload-kinds.js';
export {
  type NodeContext,
  type NodeSelf,
  type NodeService,
  type PayloadKind,
  type ServiceFactory,
  type Via,
} from './service.js';
