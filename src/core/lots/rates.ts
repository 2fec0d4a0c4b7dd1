// `parkctl lot rates --set`: new pricing for a lot, in one transaction with its audit row.
import { withTransaction } from '../db.js';
import type { PoolLike } from '../ports.js';
import type { PricingPolicy } from '../pricing/index.js';
import { forgetLotFileDigest, insertLotEvent, lockLotCode } from '../sql/lots.js';
import { replacePricing } from '../sql/pricing.js';
import type { Lot } from './lot.js';

export async function replaceLotRates(
  pool: PoolLike,
  lot: Lot,
  policy: PricingPolicy,
  change: { actor: string; now: Date; detail: Record<string, unknown> },
): Promise<void> {
  await withTransaction(pool, async (tx) => {
    await lockLotCode(tx, lot.code);
    await replacePricing(tx, lot.lotId, policy);
    await forgetLotFileDigest(tx, lot.lotId);
    await insertLotEvent(tx, { lotId: lot.lotId, kind: 'lot.rates_changed', actor: change.actor, detail: change.detail, occurredAt: change.now });
  });
}
