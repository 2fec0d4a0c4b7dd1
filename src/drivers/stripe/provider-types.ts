// Payment capabilities beyond the PaymentProvider port: refunds (a payment that lands after its hold
// expired and finds no free spot is refunded, DESIGN.md section 4) and off-session charges (overstay
// charged to the card on file at the exit gate). These belong in src/core/ports.ts; they live here
// until the lead moves them, and nothing outside src/drivers should import this file.
import type { PaymentProvider } from '../../core/ports.js';

export interface RefundRequest {
  /** the provider's payment reference: for Stripe, the PaymentIntent id (`pi_...`) */
  paymentRef: string;
  /** integer minor units (cents); never more than what is left to refund */
  amountMinor: number;
  /** the same key never refunds twice, however often it is retried */
  idempotencyKey: string;
  /** free text for people, kept in the provider's metadata */
  reason?: string;
}

export interface RefundResult {
  /** provider-side refund id (`re_...`) */
  refundRef: string;
  /** provider status, e.g. succeeded | pending | failed */
  status: string;
}

export interface OffSessionChargeRequest {
  /** the customer at the provider (`cus_...`), from PaymentVerification.customerRefAtProvider */
  customerRef: string;
  /** the saved payment method (`pm_...`), from PaymentVerification.paymentMethodRef */
  paymentMethodRef: string;
  /** integer minor units (cents) */
  amountMinor: number;
  /** ISO 4217, upper-case */
  currency: string;
  /** the same key never charges twice */
  idempotencyKey: string;
  metadata: Record<string, string>;
}

export interface OffSessionChargeResult {
  /** true only when the money is taken; a decline is `paid: false` with a reason, never a throw */
  paid: boolean;
  /** the PaymentIntent id when the provider created one (also for declines), else null */
  providerRef: string | null;
  /** why not paid, for people (decline code and message) */
  reason?: string;
}

/** A provider that can give money back. */
export interface RefundingPaymentProvider extends PaymentProvider {
  refund(req: RefundRequest): Promise<RefundResult>;
}

/** A provider that can charge a saved card without the customer present. */
export interface OffSessionPaymentProvider extends PaymentProvider {
  chargeOffSession(req: OffSessionChargeRequest): Promise<OffSessionChargeResult>;
}
