// The payment capability interfaces live in src/core/ports.ts; re-exported for the driver's own files.
export type {
  OffSessionChargeRequest,
  OffSessionChargeResult,
  OffSessionPaymentProvider,
  RefundingPaymentProvider,
  RefundRequest,
  RefundResult,
} from '../../core/ports.js';
