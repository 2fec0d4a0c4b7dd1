// What the dashboard shows comes from the database and from people (plates, lot and zone names,
// reasons, gate ids, result lines): every string is escaped once here, before any panel sees it, so
// a control character stored by an older version or another tool can never drive the terminal.
import { escapeControlCharacters, escapeStringsDeep } from '../core/control-characters.js';
import type { DashboardActions, DashboardSnapshot } from './dashboard-model.js';

const shownSnapshots = new WeakMap<DashboardSnapshot, DashboardSnapshot>();

/** The snapshot with its strings escaped; the same object for the same snapshot (renders stay cheap). */
export function shownSnapshot(snapshot: DashboardSnapshot): DashboardSnapshot {
  let shown = shownSnapshots.get(snapshot);
  if (!shown) {
    shown = escapeStringsDeep(snapshot);
    shownSnapshots.set(snapshot, shown);
  }
  return shown;
}

/** The actions with their answers escaped (rejections are escaped by describeError). */
export function shownActions(actions: DashboardActions): DashboardActions {
  const line = (answer: Promise<string>) => answer.then(escapeControlCharacters);
  return {
    find: async (query) => escapeStringsDeep(await actions.find(query)),
    zoneSpots: async (zoneCode) => escapeStringsDeep(await actions.zoneSpots(zoneCode)),
    checkIn: (id, early) => line(early ? actions.checkIn(id, early) : actions.checkIn(id)),
    checkOut: (plateOrReservation) => line(actions.checkOut(plateOrReservation)),
    openBarrier: (gateId, reason) => line(actions.openBarrier(gateId, reason)),
    cancel: (id) => line(actions.cancel(id)),
    extend: (id, minutes) => line(actions.extend(id, minutes)),
    setSpotOutOfService: (label, outOfService, reason) => line(actions.setSpotOutOfService(label, outOfService, reason)),
    handBack: (id) => line(actions.handBack(id)),
    ...(actions.reports ? { reports: async () => escapeStringsDeep(await actions.reports!()) } : {}),
  };
}
