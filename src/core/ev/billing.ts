// A visit's charging at the exit (issue 16): its sessions' energy and idle fees are final and owed with the
// parking fee. Runs inside `visit depart`'s transaction; the gate's balance adds the same sessions' running
// charge (src/core/sql/gate.ts selectOpenVisitRows).
import type { Lot } from '../lots/lot.js';
import type { Queryable } from '../ports.js';
import { linkSessionToVisit, selectUnbilledSessionsOfVisit, updateSessionCharge } from '../sql/ev-sessions.js';
import { sessionCharge } from './charge.js';

export interface EvBill {
  sessions: { transactionId: number; energyWh: number; energyMinor: number; idleMinutes: number; idleMinor: number }[];
  totalMinor: number;
}

export async function billChargingAtExit(
  tx: Queryable,
  lot: Lot,
  visit: { visit_id: string; reservation_id: string | null; permit_id: string | null; entered_at: Date },
  at: Date,
): Promise<EvBill> {
  const rows = await selectUnbilledSessionsOfVisit(tx, {
    lotId: lot.lotId, visitId: visit.visit_id, reservationId: visit.reservation_id, permitId: visit.permit_id, enteredAt: visit.entered_at,
  });
  const sessions: EvBill['sessions'] = [];
  for (const s of rows) {
    const c = sessionCharge(lot.pricing.ev, {
      meterStartWh: s.meter_start_wh, meterStopWh: s.meter_stop_wh, meterLastWh: s.meter_last_wh, idleSince: s.idle_since, unpluggedAt: s.unplugged_at,
    }, at);
    if (!s.visit_id) await linkSessionToVisit(tx, lot.lotId, s.transaction_id, visit.visit_id);
    await updateSessionCharge(tx, lot.lotId, s.transaction_id, { ...c, billedAt: at });
    sessions.push({ transactionId: s.transaction_id, ...c });
  }
  return { sessions, totalMinor: sessions.reduce((sum, s) => sum + s.energyMinor + s.idleMinor, 0) };
}
