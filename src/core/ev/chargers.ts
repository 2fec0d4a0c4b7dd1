// Charge points and their connectors, each bound to an ev spot: from the lot file (no credentials) or by
// `parkctl ev charger add` (credentials made and shown once).
import { withTransaction } from '../db.js';
import { NotFoundError, RefusedError, UsageError } from '../errors.js';
import type { Lot } from '../lots/lot.js';
import type { Clock, PoolLike, Queryable } from '../ports.js';
import { insertEvent } from '../sql/payments.js';
import { insertCharger, selectChargersById, selectConnectorForRebind, selectConnectorOnSpot, setChargerPassword, upsertConnector } from '../sql/ev.js';
import { selectSpotByLabel } from '../sql/lots.js';
import { hashChargerPassword, newChargerPassword } from './credentials.js';

export const chargePointIdPattern = /^[A-Za-z0-9._:-]{1,48}$/;

export interface ChargerAdded {
  chargePointId: string;
  connectorId: number;
  spotLabel: string;
  created: boolean;
  /** shown once; null when the charge point already had credentials (and `--new-password` was not asked) */
  password: string | null;
}

export async function addCharger(
  deps: { pool: PoolLike; clock: Clock; actor: string },
  lot: Lot,
  req: { chargePointId: string; spotLabel: string; connectorId: number; newPassword: boolean },
): Promise<ChargerAdded> {
  if (!chargePointIdPattern.test(req.chargePointId)) {
    throw new UsageError(`charge point id "${req.chargePointId.slice(0, 60)}" is not valid`, { hint: 'letters, digits, . _ : - (at most 48), as configured on the charger', code: 'bad_charge_point_id' });
  }
  if (!Number.isInteger(req.connectorId) || req.connectorId < 1 || req.connectorId > 99) {
    throw new UsageError(`--connector must be a whole number from 1 to 99`, { hint: 'connectors are numbered from 1 on the charger', code: 'bad_connector' });
  }
  const others = (await selectChargersById(deps.pool, req.chargePointId)).filter((c) => c.lot_id !== lot.lotId);
  if (others.length > 0) throw new RefusedError(`charge point ${req.chargePointId} belongs to another lot`, { hint: 'charge point ids are unique in the installation', code: 'charger_elsewhere' });
  const at = deps.clock.now();
  const password = newChargerPassword();
  const hash = await hashChargerPassword(password);
  return withTransaction(deps.pool, async (tx) => {
    const spot = await selectSpotByLabel(tx, lot.lotId, req.spotLabel);
    if (!spot) throw new NotFoundError(`${lot.code} has no spot ${req.spotLabel.slice(0, 40)}`, { hint: 'spot labels look like the lot file\'s, e.g. L0-C-031', code: 'unknown_spot' });
    if (spot.vehicle_type !== 'ev') throw new UsageError(`${spot.label} is a ${spot.vehicle_type} spot`, { hint: 'bind chargers to ev spots', code: 'not_ev_spot' });
    const onSpot = await selectConnectorOnSpot(tx, lot.lotId, spot.spot_id);
    if (onSpot && (onSpot.charge_point_id !== req.chargePointId || onSpot.connector_id !== req.connectorId)) {
      throw new RefusedError(`${spot.label} already has connector ${onSpot.connector_id} of ${onSpot.charge_point_id}`, { hint: 'one connector per spot', code: 'spot_has_charger' });
    }
    const bound = await selectConnectorForRebind(tx, lot.lotId, req.chargePointId, req.connectorId);
    if (bound && bound.spot_id !== spot.spot_id && bound.running_transaction_id !== null) {
      // the session belongs to the car on the old spot: moving the connector would move it silently
      throw new RefusedError(
        `connector ${req.connectorId} of ${req.chargePointId} is charging on ${bound.spot_label} (transaction ${bound.running_transaction_id})`,
        { hint: `stop the session first: parkctl ev remote-stop --lot ${lot.code} --spot ${bound.spot_label}`, code: 'connector_in_use' },
      );
    }
    const created = await insertCharger(tx, { lotId: lot.lotId, chargePointId: req.chargePointId, passwordHash: hash, at });
    const existing = created ? null : (await selectChargersById(tx, req.chargePointId, lot.lotId))[0]!;
    const setPassword = created || req.newPassword || existing?.password_hash === null;
    if (!created && setPassword) await setChargerPassword(tx, lot.lotId, req.chargePointId, hash);
    await upsertConnector(tx, { lotId: lot.lotId, chargePointId: req.chargePointId, connectorId: req.connectorId, spotId: spot.spot_id });
    await insertEvent(tx, {
      lotId: lot.lotId, kind: 'ev.charger_added', reservationId: null, actor: deps.actor, at,
      detail: { charge_point: req.chargePointId, connector: req.connectorId, spot: spot.label, credentials: setPassword },
    });
    return { chargePointId: req.chargePointId, connectorId: req.connectorId, spotLabel: spot.label, created, password: setPassword ? password : null };
  });
}

/** The lot file's chargers (inside the import's transaction): connector N on the N-th spot listed. */
export async function importEvChargers(tx: Queryable, lotId: number, chargers: readonly { id: string; spots: string[] }[], at: Date): Promise<void> {
  for (const c of chargers) {
    await insertCharger(tx, { lotId, chargePointId: c.id, passwordHash: null, at });
    for (const [i, label] of c.spots.entries()) {
      const spot = await selectSpotByLabel(tx, lotId, label);
      if (spot) await upsertConnector(tx, { lotId, chargePointId: c.id, connectorId: i + 1, spotId: spot.spot_id });
    }
  }
}
