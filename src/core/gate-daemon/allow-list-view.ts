// The allow-list the lane decides from: the database snapshot's index (built once per reload) with
// this gate's own entries and exits laid over it. A decided car changes a few Map entries here
// instead of re-indexing every reservation of the lot, which used to run on the lane's path before
// each journal append and grew with the lot and with the cars decided during an outage.
import { buildAllowList, type AllowList, type AllowListSnapshot, type AllowedPermit, type AllowedReservation, type GatePolicy, type OpenVisit } from '../gate/allow-list.js';
import { normalisePlate } from '../gate/plate.js';

/** What an allowed entry or exit changed, as far as this gate knows. */
export type GateEffect =
  | {
    kind: 'enter'; visitId: string; plate: string; reservationId: string | null; enteredAt: string; reservationEnd: string | null;
    /** owed from the start (an early entry's fee); absent: 0 */
    amountDueMinor?: number;
    /** the permit that let it in */
    permitId?: string | null;
  }
  | { kind: 'exit'; visitId: string; reservationId: string | null };

/**
 * A live view: apply() changes it in place, so callers read `policy` and the lookups when they
 * decide rather than keep an old copy. Same answers as buildAllowList() over the snapshot with the
 * effects replayed into its visits and reservations.
 */
export class AllowListView implements AllowList {
  private readonly base: AllowList;
  private readonly visits: Map<string, OpenVisit>;
  private readonly visitByPlate = new Map<string, OpenVisit>();
  private readonly visitByReservation = new Map<string, OpenVisit>();
  private readonly visitByTicket = new Map<string, OpenVisit>();
  private permitVisits = new Map<string, number>();
  /** reservations whose visit ended here: spent, even before the database says COMPLETED */
  private readonly used = new Set<string>();
  private usedInBase = 0;
  private freeDelta = 0;
  private currentPolicy: GatePolicy;

  constructor(private readonly snapshot: AllowListSnapshot, effects: Iterable<GateEffect> = []) {
    this.base = buildAllowList({ ...snapshot, openVisits: [] });
    this.visits = new Map(snapshot.openVisits.map((v) => [v.visitId, v]));
    this.reindexVisits();
    this.currentPolicy = snapshot.policy;
    for (const effect of effects) this.apply(effect);
  }

  get policy(): GatePolicy {
    return this.currentPolicy;
  }

  get syncedAt(): Date {
    return this.snapshot.syncedAt;
  }

  get reservationCount(): number {
    return this.base.reservationCount - this.usedInBase;
  }

  get openVisitCount(): number {
    return this.visits.size;
  }

  reservationsForPlate(plate: string): readonly AllowedReservation[] {
    const list = this.base.reservationsForPlate(plate);
    if (this.used.size === 0 || !list.some((r) => this.used.has(r.reservationId))) return list;
    return list.filter((r) => !this.used.has(r.reservationId));
  }

  reservationById(reservationId: string): AllowedReservation | undefined {
    return this.used.has(reservationId) ? undefined : this.base.reservationById(reservationId);
  }

  openVisitForPlate(plate: string): OpenVisit | undefined {
    return this.visitByPlate.get(plate);
  }

  openVisitForReservation(reservationId: string): OpenVisit | undefined {
    return this.visitByReservation.get(reservationId);
  }

  openVisitForTicket(numberOrVisitId: string): OpenVisit | undefined {
    return this.visitByTicket.get(numberOrVisitId);
  }

  permitsForPlate(plate: string): readonly AllowedPermit[] {
    return this.base.permitsForPlate(plate);
  }

  permitById(permitId: string): AllowedPermit | undefined {
    return this.base.permitById(permitId);
  }

  openVisitsForPermit(permitId: string): number {
    return this.permitVisits.get(permitId) ?? 0;
  }

  apply(effect: GateEffect): void {
    if (effect.kind === 'enter') {
      const visit: OpenVisit = {
        visitId: effect.visitId, plate: effect.plate, reservationId: effect.reservationId, enteredAt: new Date(effect.enteredAt),
        reservationEnd: effect.reservationEnd ? new Date(effect.reservationEnd) : null, amountDueMinor: effect.amountDueMinor ?? 0,
        ...(effect.permitId ? { permitId: effect.permitId } : {}),
      };
      const known = this.visits.has(visit.visitId);
      this.visits.set(visit.visitId, visit);
      // A known id keeps its place in the map's order, which decides who wins a shared plate.
      if (known) this.reindexVisits();
      else this.indexVisit(visit);
      this.setFreeDelta(this.freeDelta - 1);
      return;
    }
    const visit = this.visits.get(effect.visitId);
    if (visit) {
      this.visits.delete(effect.visitId);
      if (visit.permitId) this.permitVisits.set(visit.permitId, Math.max(0, (this.permitVisits.get(visit.permitId) ?? 1) - 1));
      const plate = normalisePlate(visit.plate);
      const indexed = (plate !== null && this.visitByPlate.get(plate) === visit)
        || (visit.reservationId !== null && this.visitByReservation.get(visit.reservationId) === visit)
        || visit.ticket !== undefined;
      // Another open visit with the same plate or reservation (bad data) takes its place, as a fresh index would.
      if (indexed) this.reindexVisits();
      this.setFreeDelta(this.freeDelta + 1);
    }
    if (effect.reservationId && !this.used.has(effect.reservationId)) {
      this.used.add(effect.reservationId);
      if (this.base.reservationById(effect.reservationId)) this.usedInBase++;
    }
  }

  private setFreeDelta(delta: number): void {
    this.freeDelta = delta;
    this.currentPolicy = { ...this.snapshot.policy, freeSpots: this.snapshot.policy.freeSpots + delta };
  }

  private indexVisit(v: OpenVisit): void {
    if (v.permitId) this.permitVisits.set(v.permitId, (this.permitVisits.get(v.permitId) ?? 0) + 1);
    const plate = normalisePlate(v.plate);
    if (plate) this.visitByPlate.set(plate, v);
    if (v.reservationId) this.visitByReservation.set(v.reservationId, v);
    if (v.ticket) {
      this.visitByTicket.set(v.ticket.number, v);
      this.visitByTicket.set(v.visitId, v);
    }
  }

  private reindexVisits(): void {
    this.visitByPlate.clear();
    this.visitByReservation.clear();
    this.visitByTicket.clear();
    this.permitVisits = new Map();
    for (const v of this.visits.values()) this.indexVisit(v);
  }
}
