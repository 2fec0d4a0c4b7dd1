// Sending a refund right after deciding it is a courtesy: if the provider is down the row stays
// pending and `parkctl payments settle-refunds` (cron) sends it later under the same key.
import { ExternalError } from '../errors.js';
import type { PaymentRow } from '../sql/payments.js';
import type { PaymentDeps } from './deps.js';
import { sendRefund } from './refunds.js';

export async function sendRefundQuietly(deps: Pick<PaymentDeps, 'pool' | 'logger'> & { payments?: PaymentDeps['payments'] | undefined }, row: PaymentRow): Promise<PaymentRow> {
  try {
    return await sendRefund(deps, row);
  } catch (err) {
    if (!(err instanceof ExternalError)) throw err;
    deps.logger?.warn('refund provider unavailable; the refund stays pending for payments settle-refunds', { paymentId: row.payment_id, error: err.message });
    return row;
  }
}
