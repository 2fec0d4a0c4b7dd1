// The default payment provider on a fresh machine (DESIGN.md section 5): the attendant takes the
// money. No network, no card data. Also registered as `manual` (same rules, different name in the
// payments table), e.g. for invoices settled outside parkctl.
//
// Receipt token format, typed by the attendant into `parkctl ... complete`:
//
//   cash:<reservationId>:<amountMinor>[:<CURRENCY>]     e.g. cash:r-1042:1250:EUR
//   manual:<reservationId>:<amountMinor>[:<CURRENCY>]
//
// amountMinor is the integer amount taken in minor units (cents); CURRENCY is ISO 4217 and may be
// left out when the provider was built with a `currency` (single-currency sites). Verification only
// reads the token: the core compares amount, currency and reservation id with the reservation, so a
// receipt for the wrong reservation or a short payment is refused there. The token is trusted as an
// attendant's statement; it must never be accepted from customers directly.
import type {
  CheckoutRequest,
  CheckoutResult,
  PaymentProvider,
  PaymentVerification,
} from '../core/ports.js';
import { formatMinorAmount } from '../core/money-format.js';

export { formatMinorAmount };

export type AttendantProviderName = 'cash' | 'manual';

export interface CashProviderOptions {
  /** `cash` (default) or `manual` */
  name?: AttendantProviderName;
  /** ISO 4217 currency assumed when a receipt token does not name one */
  currency?: string;
}

const RECEIPT_TOKEN = /^(cash|manual):([^:\s]+):(\d{1,15})(?::([A-Za-z]{3}))?$/;

export interface CashReceipt {
  reservationId: string;
  amountMinor: number;
  /** upper-case, or null when the token carries none */
  currency: string | null;
}

/** Parse an attendant's receipt token; null when it is not one. */
export function parseCashReceiptToken(token: string): CashReceipt | null {
  const match = RECEIPT_TOKEN.exec(token.trim());
  if (!match) return null;
  const [, , reservationId, amount, currency] = match;
  return {
    reservationId: reservationId as string,
    amountMinor: Number(amount),
    currency: currency ? currency.toUpperCase() : null,
  };
}

/** Build the token an attendant's receipt carries (what `parseCashReceiptToken` reads). */
export function formatCashReceiptToken(receipt: CashReceipt, provider: AttendantProviderName = 'cash'): string {
  const tail = receipt.currency ? `:${receipt.currency.toUpperCase()}` : '';
  return `${provider}:${receipt.reservationId}:${receipt.amountMinor}${tail}`;
}

export class CashPaymentProvider implements PaymentProvider {
  readonly name: AttendantProviderName;
  private readonly defaultCurrency: string | null;

  constructor(options: CashProviderOptions = {}) {
    this.name = options.name ?? 'cash';
    this.defaultCurrency = options.currency ? options.currency.toUpperCase() : null;
  }

  /** Nothing to create: the "URL" is an instruction for the customer and the attendant. */
  async createCheckout(req: CheckoutRequest): Promise<CheckoutResult> {
    const amount = formatMinorAmount(req.amountMinor, req.currency);
    const token = formatCashReceiptToken(
      { reservationId: req.reservationId, amountMinor: req.amountMinor, currency: req.currency },
      this.name,
    );
    return {
      provider: this.name,
      paymentUrl:
        `pay the attendant ${amount} at lot ${req.lotCode} before ${req.expiresAt.toISOString()} ` +
        `(reservation ${req.reservationId}; receipt token ${token})`,
      providerRef: null,
    };
  }

  async verifyPayment(token: string): Promise<PaymentVerification> {
    const receipt = parseCashReceiptToken(token);
    if (!receipt) {
      return notPaid(token, 'not an attendant receipt token (expected cash:<reservationId>:<amountMinor>[:<CURRENCY>])');
    }
    const currency = receipt.currency ?? this.defaultCurrency;
    if (!currency) {
      return notPaid(token, 'the receipt token names no currency and none is configured: add :<CURRENCY>', receipt);
    }
    return {
      paid: true,
      amountMinor: receipt.amountMinor,
      currency,
      reservationId: receipt.reservationId,
      providerRef: token.trim(),
      paymentMethodRef: null,
      customerRefAtProvider: null,
    };
  }
}

function notPaid(token: string, reason: string, receipt?: CashReceipt): PaymentVerification {
  return {
    paid: false,
    amountMinor: receipt?.amountMinor ?? 0,
    currency: receipt?.currency ?? '',
    reservationId: receipt?.reservationId ?? null,
    providerRef: token.trim(),
    reason,
  };
}
