// The default provider (no Stripe): the attendant takes the money and types the receipt token.
import { describe, expect, it } from 'vitest';
import {
  CashPaymentProvider,
  formatCashReceiptToken,
  formatMinorAmount,
  parseCashReceiptToken,
} from '../src/drivers/cash-payments.js';

const request = {
  reservationId: 'r-1042', lotId: 7, lotCode: 'CENTRAL', amountMinor: 1250, currency: 'EUR',
  expiresAt: new Date('2030-05-01T10:15:00Z'), customerRef: 'c-9', idempotencyKey: 'checkout:r-1042',
};

describe('CashPaymentProvider', () => {
  it('createCheckout tells people whom to pay, how much and which receipt token to use', async () => {
    const result = await new CashPaymentProvider().createCheckout(request);
    expect(result.provider).toBe('cash');
    expect(result.providerRef).toBeNull();
    expect(result.paymentUrl).toContain('pay the attendant 12.50 EUR at lot CENTRAL');
    expect(result.paymentUrl).toContain('cash:r-1042:1250:EUR');
  });

  it('a receipt token is paid with the amount, currency and reservation it states', async () => {
    const cash = new CashPaymentProvider();
    expect(await cash.verifyPayment('cash:r-1042:1250:EUR')).toEqual({
      paid: true, amountMinor: 1250, currency: 'EUR', reservationId: 'r-1042',
      providerRef: 'cash:r-1042:1250:EUR', paymentMethodRef: null, customerRefAtProvider: null,
    });
  });

  it('a token without currency uses the configured one, or is refused with a reason', async () => {
    expect(await new CashPaymentProvider({ currency: 'chf' }).verifyPayment('cash:r-1:500'))
      .toMatchObject({ paid: true, amountMinor: 500, currency: 'CHF', reservationId: 'r-1' });
    expect(await new CashPaymentProvider().verifyPayment('cash:r-1:500'))
      .toMatchObject({ paid: false, reason: expect.stringContaining('no currency') });
  });

  it('anything that is not a receipt token is not paid, with the expected format in the reason', async () => {
    const cash = new CashPaymentProvider({ currency: 'EUR' });
    for (const token of ['cs_test_123', 'cash:r-1:12.50', 'cash::100', 'cash:r-1:-5', 'cash:r-1', '']) {
      const result = await cash.verifyPayment(token);
      expect(result.paid, token).toBe(false);
      expect(result.reason, token).toContain('cash:<reservationId>:<amountMinor>');
    }
  });

  it('is also available as `manual`', async () => {
    const manual = new CashPaymentProvider({ name: 'manual', currency: 'EUR' });
    expect(manual.name).toBe('manual');
    expect((await manual.createCheckout(request)).paymentUrl).toContain('manual:r-1042:1250:EUR');
    expect((await manual.verifyPayment('manual:r-9:100')).paid).toBe(true);
  });
});

describe('receipt tokens and amounts', () => {
  it('format and parse round-trip', () => {
    const receipt = { reservationId: '01HZX3', amountMinor: 0, currency: 'JPY' };
    expect(parseCashReceiptToken(formatCashReceiptToken(receipt))).toEqual(receipt);
  });

  it('formats minor units by the currency\'s own digits, without floats', () => {
    expect(formatMinorAmount(1250, 'eur')).toBe('12.50 EUR');
    expect(formatMinorAmount(5, 'USD')).toBe('0.05 USD');
    expect(formatMinorAmount(1500, 'JPY')).toBe('1500 JPY');
    expect(formatMinorAmount(12345, 'KWD')).toBe('12.345 KWD');
    expect(formatMinorAmount(-250, 'EUR')).toBe('-2.50 EUR');
  });
});
