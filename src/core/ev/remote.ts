// What the attendant's remote actions send, worked out from the lot: the connector on a spot, the id tag of
// the car inside (a visit's tag: the session belongs to that visit), the transaction running there.
import { NotFoundError, RefusedError } from '../errors.js';
import type { Lot } from '../lots/lot.js';
import type { Queryable } from '../ports.js';
import { selectConnectorBySpotLabel } from '../sql/ev.js';
import { selectOpenVisit } from '../sql/visits.js';
import { idTagFor } from './id-tags.js';

export interface ConnectorTarget {
  chargePointId: string;
  connectorId: number;
  spotLabel: string;
  status: string;
  transactionId: number | null;
  running: boolean;
}

export async function connectorOfSpot(db: Queryable, lot: Lot, spotLabel: string): Promise<ConnectorTarget> {
  const c = await selectConnectorBySpotLabel(db, lot.lotId, spotLabel.trim());
  if (!c) throw new NotFoundError(`${lot.code} has no charger on spot ${spotLabel.slice(0, 40)}`, { hint: `see parkctl ev status --lot ${lot.code}`, code: 'no_charger' });
  return { chargePointId: c.charge_point_id, connectorId: c.connector_id, spotLabel: c.spot_label, status: c.status, transactionId: c.transaction_id, running: c.running };
}

/** RemoteStartTransaction for the car `plate` (inside) on `spot`: the visit's id tag. */
export async function remoteStartTarget(db: Queryable, lot: Lot, req: { spotLabel: string; plate: string }): Promise<ConnectorTarget & { idTag: string; visitId: string }> {
  const target = await connectorOfSpot(db, lot, req.spotLabel);
  if (target.running) throw new RefusedError(`${target.spotLabel} is already charging (transaction ${target.transactionId})`, { hint: 'stop it first: parkctl ev remote-stop', code: 'already_charging' });
  const visit = await selectOpenVisit(db, lot.lotId, req.plate);
  if (!visit) throw new RefusedError(`${req.plate} is not inside ${lot.code}`, { hint: 'charging belongs to a visit: check the plate', code: 'not_inside' });
  return { ...target, idTag: idTagFor('visit', visit.visit_id), visitId: visit.visit_id };
}
