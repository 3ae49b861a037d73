/** Delivery receipts (`receipt` payloads): a direct message we sent is marked delivered, on disk and in the UI. */
import { messageIdToString, PAYLOAD_SCHEMAS, type ReceiptPayload, toHex } from '../../wire/index.js';
import type { NodeContext, NodeService, PayloadKind } from '../services/index.js';

export class ReceiptService implements NodeService {
  readonly payloadKinds: readonly PayloadKind<ReceiptPayload>[];

  /** `passing`: told of the receipts addressed to another node (the direct service's mailbox). */
  constructor(
    private readonly ctx: NodeContext,
    private readonly passing: (payload: ReceiptPayload) => void = () => undefined,
  ) {
    this.payloadKinds = [
      {
        kind: 'receipt',
        schema: PAYLOAD_SCHEMAS.receipt,
        deliver: (payload) => {
          const { identity, writer } = this.ctx;
          if (toHex(payload.to) !== identity.idHex) {
            this.passing(payload);
            return false;
          }
          const id = messageIdToString(payload.of);
          const peer = toHex(payload.from);
          writer.flush();
          if (writer.store.markDelivered(id, peer)) {
            void writer.flushToDisk(); // a receipt shown must not turn back into 'sent' after a power cut
            this.ctx.emit({ type: 'receipt', id, peer });
          }
          return true;
        },
      },
    ];
  }
}
