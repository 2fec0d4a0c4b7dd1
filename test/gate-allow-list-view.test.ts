// The lane's allow-list view changes in place as cars are decided; it must answer exactly as a
// fresh index over the snapshot with this gate's entries and exits folded in (what LocalAllowList
// rebuilt on every car before), whatever the order of entries, exits and odd data.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AllowListView, type GateEffect } from '../src/core/gate-daemon/allow-list-view.js';
import { LocalAllowList } from '../src/core/gate-daemon/local-allow-list.js';
import { buildAllowList, type AllowList, type AllowListSnapshot, type AllowedReservation, type OpenVisit } from '../src/core/gate/allow-list.js';

const policy = { lotCode: 'T', earlyEntryGraceMinutes: 15, walkInsAllowed: true, freeSpots: 10, overstaySlotMinutes: 15, ratePerHourMinor: 200 };
const at = (h: number) => new Date(Date.UTC(2025, 5, 2, h));

/** The specification: fold the effects into the snapshot, then index it from scratch. */
function reference(snapshot: AllowListSnapshot, effects: readonly GateEffect[]): AllowList {
  const visits = new Map<string, OpenVisit>(snapshot.openVisits.map((v) => [v.visitId, v]));
  const used = new Set<string>();
  let freeDelta = 0;
  for (const e of effects) {
    if (e.kind === 'enter') {
      visits.set(e.visitId, {
        visitId: e.visitId, plate: e.plate, reservationId: e.reservationId, enteredAt: new Date(e.enteredAt),
        reservationEnd: e.reservationEnd ? new Date(e.reservationEnd) : null, amountDueMinor: 0,
      });
      freeDelta -= 1;
    } else {
      if (visits.delete(e.visitId)) freeDelta += 1;
      if (e.reservationId) used.add(e.reservationId);
    }
  }
  return buildAllowList({
    policy: { ...snapshot.policy, freeSpots: snapshot.policy.freeSpots + freeDelta },
    syncedAt: snapshot.syncedAt,
    reservations: snapshot.reservations.filter((r) => !used.has(r.reservationId)),
    openVisits: [...visits.values()],
  });
}

/** Every question the lane can ask, over the plates and ids in play. */
function answers(list: AllowList, plates: readonly string[], ids: readonly string[]) {
  return {
    policy: list.policy,
    counts: [list.reservationCount, list.openVisitCount],
    byPlate: plates.map((p) => [list.reservationsForPlate(p).map((r) => r.reservationId), list.openVisitForPlate(p)?.visitId ?? null]),
    byId: ids.map((id) => [list.reservationById(id)?.reservationId ?? null, list.openVisitForReservation(id)?.visitId ?? null]),
  };
}

// Few plates, ids and visits, so that collisions (two visits for one plate, an exit of an unknown visit) are common.
const plateArb = fc.constantFrom('AA1', 'BB2', 'cc-3', 'DD4');
const idArb = fc.constantFrom('r1', 'r2', 'r3', 'r4', 'r5');
const visitIdArb = fc.constantFrom('v1', 'v2', 'v3', 'v4', 'v5', 'v6');
const reservationArb = fc.record({ reservationId: idArb, plate: plateArb, startHour: fc.integer({ min: 0, max: 20 }) }).map(
  ({ reservationId, plate, startHour }): AllowedReservation => ({
    reservationId, plate, start: at(startHour), end: at(startHour + 2), status: 'CONFIRMED', vehicleType: 'regular', spotLabel: `S-${reservationId}`,
  }));
const visitArb = fc.record({ visitId: visitIdArb, plate: plateArb, reservationId: fc.option(idArb, { nil: null }) }).map(
  ({ visitId, plate, reservationId }): OpenVisit => ({ visitId, plate, reservationId, enteredAt: at(1), reservationEnd: null, amountDueMinor: 0 }));
const effectArb: fc.Arbitrary<GateEffect> = fc.oneof(
  fc.record({ visitId: visitIdArb, plate: fc.constantFrom('AA1', 'BB2', 'CC3', 'DD4'), reservationId: fc.option(idArb, { nil: null }) }).map(
    (e): GateEffect => ({ kind: 'enter', ...e, enteredAt: at(2).toISOString(), reservationEnd: e.reservationId ? at(4).toISOString() : null })),
  fc.record({ visitId: visitIdArb, reservationId: fc.option(idArb, { nil: null }) }).map((e): GateEffect => ({ kind: 'exit', ...e })),
);

describe('AllowListView', () => {
  it('answers as a fresh index of the snapshot with the effects folded in, after every effect', () => {
    fc.assert(fc.property(fc.array(reservationArb, { maxLength: 6 }), fc.array(visitArb, { maxLength: 4 }), fc.array(effectArb, { maxLength: 12 }),
      (reservations, openVisits, effects) => {
        const snapshot: AllowListSnapshot = { policy, syncedAt: at(0), reservations, openVisits };
        const plates = ['AA1', 'BB2', 'CC3', 'DD4'];
        const ids = ['r1', 'r2', 'r3', 'r4', 'r5'];
        const view = new AllowListView(snapshot);
        expect(answers(view, plates, ids)).toEqual(answers(reference(snapshot, []), plates, ids));
        effects.forEach((effect, i) => {
          view.apply(effect);
          expect(answers(view, plates, ids)).toEqual(answers(reference(snapshot, effects.slice(0, i + 1)), plates, ids));
        });
        // Built with the effects at once (a reload, a revert, a restart's replay): the same again.
        expect(answers(new AllowListView(snapshot, effects), plates, ids)).toEqual(answers(view, plates, ids));
      }), { numRuns: 300 });
  });

  it('a car inside cannot enter again, its exit frees the spot and spends the reservation; a revert undoes an entry', () => {
    const reservation: AllowedReservation = { reservationId: 'r1', plate: 'AB12CD', start: at(8), end: at(12), status: 'CONFIRMED', vehicleType: 'regular', spotLabel: 'A-1' };
    const local = new LocalAllowList({ policy, syncedAt: at(0), reservations: [reservation], openVisits: [] }, 0);
    const held = local.apply({ kind: 'enter', visitId: 'v1', plate: 'AB12CD', reservationId: 'r1', enteredAt: at(9).toISOString(), reservationEnd: at(12).toISOString() });
    expect(local.current.openVisitForPlate('AB12CD')?.visitId).toBe('v1');
    expect(local.current.policy.freeSpots).toBe(9);
    local.revert(held);
    expect(local.current.openVisitForPlate('AB12CD')).toBeUndefined();
    expect(local.current.policy.freeSpots).toBe(10);

    local.settle(local.apply({ kind: 'enter', visitId: 'v2', plate: 'AB12CD', reservationId: 'r1', enteredAt: at(9).toISOString(), reservationEnd: null }), 1);
    local.settle(local.apply({ kind: 'exit', visitId: 'v2', reservationId: 'r1' }), 2);
    expect(local.current.openVisitForPlate('AB12CD')).toBeUndefined();
    expect(local.current.reservationById('r1')).toBeUndefined();
    expect(local.current.reservationsForPlate('AB12CD')).toEqual([]);
    expect(local.current.reservationCount).toBe(0);
    expect(local.current.policy.freeSpots).toBe(10);
    // Both effects outlive a restart through the persisted form until a snapshot covers them.
    const again = LocalAllowList.fromPersisted(JSON.parse(JSON.stringify(local.toPersisted())));
    expect(answers(again.current, ['AB12CD'], ['r1'])).toEqual(answers(local.current, ['AB12CD'], ['r1']));
  });
});
