/** src/daemon/direct: direct messages, sealed to one peer, and their delivery receipts. */
export { DirectService } from './direct-service.js';
export { ReceiptService } from './receipt-service.js';
