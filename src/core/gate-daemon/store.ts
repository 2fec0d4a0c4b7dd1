// Where the gate daemon meets PostgreSQL (as the parkctl_gate role): the allow-list snapshot it
// decides from, the journal push (exactly once by (lot_id, gate_id, seq), with the visits written in
// the same transaction, a batch in a few statements), heartbeats and remote commands. The daemon sees only the GateStore port,
// so tests and the bench can put an unreachable store in its place.
import type { AllowListSnapshot, AllowedReservation, GatePolicy } from '../gate/allow-list.js';
import type { GateDirection } from '../gate/decision.js';
import type { JournalEntry } from '../gate/ports.js';
import { withTransaction } from '../db.js';
import { NotFoundError } from '../errors.js';
import type { Clock, PoolLike } from '../ports.js';
import { earlyEntryPolicy } from '../lots/early-entry.js';
import { gatePermitPolicy, lotPermitPolicy } from '../permits/policy.js';
import { loadPricing } from '../sql/pricing.js';
import { setActorAndHoldClock } from '../sql/visits.js';
import {
  selectGateFloorFree, annotateGateEvents, closeGateVisits, insertPermitUnpaidAlerts, selectGatePermitRows, insertGateEvents, insertGateVisits, selectAllowListRows, selectGateLot, selectGateLotStatus, selectOpenVisitRows, type GateVisitEntry, type GateVisitExit,
} from '../sql/gate.js';
import { finishGateCommand, takeGateCommands, upsertGateHeartbeat, type GateCommandRow, type GateHeartbeat } from '../sql/gate-control.js';
import { nameGateTickets } from '../sql/tickets.js';
import { applyGateValidation, selectGateValidators } from '../sql/validations.js';
import { localDay } from '../validations/day.js';
import { ticketNumberOf } from '../tickets/ticket.js';
import { effectOf } from './local-allow-list.js';
import { wayToSpot } from '../gate/guidance.js';

export type HeartbeatFields = Omit<GateHeartbeat, 'lotId' | 'gateId' | 'direction'>;

export interface GateStore {
  loadSnapshot(now: Date, horizonHours: number): Promise<AllowListSnapshot>;
  /** Writes journal entries in one transaction; entries already there are skipped (exactly once). */
  pushEvents(entries: readonly JournalEntry[]): Promise<{ inserted: number; skipped: number }>;
  heartbeat(h: HeartbeatFields): Promise<void>;
  takeCommands(now: Date): Promise<GateCommandRow[]>;
  finishCommand(commandId: number, result: string): Promise<void>;
}

export interface PgGateStoreOptions {
  lotCode: string;
  gateId: string;
  direction: GateDirection;
  /** when a synced car takes its spot (migrations/0012); without it, the car's entry */
  clock?: Clock | undefined;
}

export class PgGateStore implements GateStore {
  private lotId: number | null = null;

  constructor(private readonly pool: PoolLike, private readonly opts: PgGateStoreOptions) {}

  /** The lot's id once the database told it (to tell its NOTIFYs from other lots'); null before. */
  get knownLotId(): number | null {
    return this.lotId;
  }

  private async lot(): Promise<number> {
    if (this.lotId !== null) return this.lotId;
    const row = await selectGateLot(this.pool, this.opts.lotCode);
    if (!row) throw new NotFoundError(`unknown lot "${this.opts.lotCode}"`, { hint: 'check lot: in the gate config', code: 'unknown_lot' });
    this.lotId = row.lot_id;
    return row.lot_id;
  }

  async loadSnapshot(now: Date, horizonHours: number): Promise<AllowListSnapshot> {
    const lot = await selectGateLot(this.pool, this.opts.lotCode);
    if (!lot) throw new NotFoundError(`unknown lot "${this.opts.lotCode}"`, { hint: 'check lot: in the gate config', code: 'unknown_lot' });
    this.lotId = lot.lot_id;
    const from = new Date(now.getTime() - 24 * 3_600_000);
    const to = new Date(now.getTime() + horizonHours * 3_600_000);
    const [reservations, visits, status, pricing, permits, floorFree, validators] = await Promise.all([
      selectAllowListRows(this.pool, lot.lot_id, from, to),
      selectOpenVisitRows(this.pool, lot.lot_id),
      selectGateLotStatus(this.pool, lot.lot_id, now),
      loadPricing(this.pool, lot.lot_id),
      selectGatePermitRows(this.pool, lot.lot_id, now),
      selectGateFloorFree(this.pool, lot.lot_id, now),
      selectGateValidators(this.pool, lot.lot_id, localDay(now, lot.time_zone)),
    ]);
    // places kept for permit cars not inside yet are not for walk-ins
    const inside = new Map<string, number>();
    for (const v of visits) if (v.permit_id) inside.set(v.vehicle_type, (inside.get(v.vehicle_type) ?? 0) + 1);
    const keptForPermits = Object.entries(lotPermitPolicy(lot.policy).reservedSpots)
      .reduce((sum, [type, n]) => sum + Math.max(0, (n ?? 0) - (inside.get(type) ?? 0)), 0);
    const policy: GatePolicy = {
      lotCode: lot.code,
      earlyEntryGraceMinutes: lot.early_entry_grace_minutes,
      walkInsAllowed: lot.policy.walk_ins !== false && lot.state !== 'closed',
      freeSpots: lot.state === 'open' ? Math.max(0, status.active_spots - status.open_visits - status.held_spots - keptForPermits) : 0,
      overstaySlotMinutes: lot.overstay_slot_minutes,
      ratePerHourMinor: status.max_rate_per_hour_minor,
      walkInPrices: { timeZone: lot.time_zone, pricing },
      earlyEntry: earlyEntryPolicy(lot.policy),
      lotState: lot.state,
      permits: gatePermitPolicy(lot.policy, lot.time_zone),
      freeByFloor: floorFree.map((f) => ({ floor: f.floor, vehicleType: f.vehicle_type, free: f.free })),
      currency: lot.currency,
      ...(validators.length ? {
        validators: Object.fromEntries(validators.map((v) => [v.code, {
          kind: v.kind, value: Number(v.value), dailyLimit: v.daily_limit, usesToday: v.uses_today, balanceMinor: v.balance_minor === null ? null : Number(v.balance_minor),
        }])),
      } : {}),
    };
    return {
      policy,
      syncedAt: now,
      reservations: reservations.map((r): AllowedReservation => ({
        reservationId: r.reservation_id, plate: r.plate, start: r.starts_at, end: r.ends_at, status: r.status,
        vehicleType: r.vehicle_type, spotLabel: r.spot_label, extensionMinor: Number(r.extension_minor),
        way: wayToSpot({ label: r.spot_label, floor: r.spot_floor, zoneName: r.zone_name, route: r.zone_route }),
      })),
      openVisits: visits.map((v) => ({
        visitId: v.visit_id, plate: v.plate, reservationId: v.reservation_id, enteredAt: v.entered_at,
        reservationEnd: v.reservation_end, amountDueMinor: v.balance_minor, vehicleType: v.vehicle_type, ...(v.permit_id ? { permitId: v.permit_id } : {}),
        ...(Number(v.validated_minor) > 0 ? { validatedMinor: Number(v.validated_minor) } : {}),
        ...(v.ticket_number ? {
          ticket: {
            number: v.ticket_number, feeMinor: v.ticket_fee_minor, paidAt: v.ticket_paid_at, exitBy: v.ticket_exit_by,
            lostFeeMinor: v.ticket_lost_fee_minor, creditsMinor: Number(v.ticket_credits_minor ?? 0),
          },
        } : {}),
      })),
      permits: permits.map((p) => ({
        permitId: p.permit_id, holder: p.holder, plates: p.plates, status: p.status, validFrom: p.valid_from, validUntil: p.valid_until,
        days: p.days, fromMinute: p.from_minute, toMinute: p.to_minute, parks: p.parks, paidUntil: p.paid_until, priced: p.priced,
      })),
    };
  }

  /**
   * A batch in a few statements, not a few per record: the events in one (new seqs come back),
   * then the visits of the new ones in runs (see visitRuns), then the notes on those that conflicted.
   */
  async pushEvents(entries: readonly JournalEntry[]): Promise<{ inserted: number; skipped: number }> {
    const lotId = await this.lot();
    const { gateId } = this.opts;
    return withTransaction(this.pool, async (tx) => {
      // A car let in offline takes a spot free from its entry, else from now on: it is inside. Without a
      // clock, each car's entry is its "now".
      await setActorAndHoldClock(tx, `gate:${gateId}`, this.opts.clock?.now() ?? null);
      const fresh = await insertGateEvents(tx, lotId, gateId, entries.map(({ seq, record }) => ({
        seq, kind: record.kind, plate: record.plate, credential: record.credential, decision: record.decision,
        detail: { ...record.detail, allow: record.allow, reservationId: record.reservationId, visitId: record.visitId, amountDueMinor: record.amountDueMinor },
        occurredAt: new Date(record.occurredAt),
      })));
      const notes: Array<{ seq: number; extra: Record<string, unknown> }> = [];
      for (const run of visitRuns(entries.filter((e) => fresh.has(e.seq)))) {
        if (run.kind === 'enter') {
          const ok = await insertGateVisits(tx, lotId, gateId, run.visits);
          for (const v of run.visits) if (!ok.has(v.seq)) notes.push({ seq: v.seq, extra: { sync: 'visit_conflict: the plate or reservation was already inside' } });
          // tickets this lane printed get the number on the paper (the walk-in trigger numbered them W<n>)
          const printed = run.visits.filter((v) => ok.has(v.seq) && v.ticket).map((v) => ({ visitId: v.visitId, number: v.ticket!.number, plateRead: v.ticket!.plateRead }));
          const named = await nameGateTickets(tx, lotId, printed);
          for (const v of run.visits) if (v.ticket && ok.has(v.seq) && !named.has(v.visitId)) notes.push({ seq: v.seq, extra: { sync: `ticket_number_taken: ${v.ticket.number}` } });
        } else {
          const ok = await closeGateVisits(tx, lotId, gateId, run.visits);
          for (const v of run.visits) if (!ok.has(v.seq)) notes.push({ seq: v.seq, extra: { sync: 'visit_not_open: closed elsewhere or never synced' } });
          // validations the lane took off: applied now by the desk's rules, or owed on the visit
          for (const v of run.visits) {
            if (!v.validation || !ok.has(v.seq)) continue;
            const r = await applyGateValidation(tx, { lotId, code: v.validation.code, visitId: v.visitId, amountMinor: v.validation.amountMinor, at: v.exitedAt, actor: `gate:${gateId}` });
            if (r !== 'applied') notes.push({ seq: v.seq, extra: { sync: `validation_refused: ${r}, ${v.validation.amountMinor} owed on the visit` } });
          }
        }
      }
      await annotateGateEvents(tx, lotId, gateId, notes);
      // a permit car refused as unpaid past its grace: the desk is told (once an hour per permit)
      await insertPermitUnpaidAlerts(tx, lotId, gateId, entries.filter((e) => fresh.has(e.seq) && e.record.decision === 'PERMIT_UNPAID' && typeof e.record.detail?.permitId === 'string')
        .map((e) => ({ permitId: e.record.detail!.permitId as string, plate: e.record.plate, at: new Date(e.record.occurredAt) })));
      return { inserted: fresh.size, skipped: entries.length - fresh.size };
    });
  }

  async heartbeat(h: HeartbeatFields): Promise<void> {
    await upsertGateHeartbeat(this.pool, { ...h, lotId: await this.lot(), gateId: this.opts.gateId, direction: this.opts.direction });
  }

  async takeCommands(now: Date): Promise<GateCommandRow[]> {
    return takeGateCommands(this.pool, await this.lot(), this.opts.gateId, now);
  }

  async finishCommand(commandId: number, result: string): Promise<void> {
    await finishGateCommand(this.pool, await this.lot(), this.opts.gateId, commandId, result);
  }
}

/** The ticket a lane printed for this entry: `<prefix>-<seq of the decision>` (the seq it printed with). */
function printedTicket(seq: number, record: JournalEntry['record']): { ticket: { number: string; plateRead: boolean } } | null {
  const t = record.detail?.ticket as { prefix?: unknown; plateRead?: unknown } | undefined;
  if (!t || typeof t.prefix !== 'string') return null;
  const decisionSeq = typeof record.detail?.decisionSeq === 'number' ? record.detail.decisionSeq : seq;
  return { ticket: { number: ticketNumberOf(t.prefix, decisionSeq), plateRead: t.plateRead === true } };
}

type VisitRun = { kind: 'enter'; visits: GateVisitEntry[] } | { kind: 'exit'; visits: GateVisitExit[] };

/**
 * The visits of new records (in seq order) as runs that one statement each can apply with the
 * same outcome as one by one: a run holds consecutive entries, or consecutive exits, and ends where
 * the kind changes (an exit then an entry of the same plate must see the first visit closed) or a
 * visit id repeats (one statement cannot tell which of two rows for a visit did what).
 */
export function visitRuns(entries: readonly JournalEntry[]): VisitRun[] {
  const runs: VisitRun[] = [];
  let current: VisitRun | null = null;
  let ids = new Set<string>();
  for (const { seq, record } of entries) {
    const effect = effectOf(record);
    if (!effect) continue;
    if (!current || current.kind !== effect.kind || ids.has(effect.visitId)) {
      current = effect.kind === 'enter' ? { kind: 'enter', visits: [] } : { kind: 'exit', visits: [] };
      runs.push(current);
      ids = new Set();
    }
    ids.add(effect.visitId);
    if (effect.kind === 'enter' && current.kind === 'enter') {
      current.visits.push({
        seq, visitId: effect.visitId, reservationId: effect.reservationId, plate: effect.plate, enteredAt: new Date(effect.enteredAt),
        amountDueMinor: effect.amountDueMinor ?? 0, permitId: effect.permitId ?? null,
        ...(printedTicket(seq, record) ?? {}),
      });
    } else if (current.kind === 'exit') {
      const overstay = Number(record.detail?.overstayMinutes ?? 0);
      const validation = record.detail?.validation as { code?: unknown; amountMinor?: unknown } | undefined;
      current.visits.push({
        seq, visitId: effect.visitId, exitedAt: new Date(record.occurredAt),
        overstayMinutes: Number.isFinite(overstay) ? overstay : 0, amountDueMinor: record.amountDueMinor ?? 0,
        ...(validation && typeof validation.code === 'string' && typeof validation.amountMinor === 'number' && validation.amountMinor > 0
          ? { validation: { code: validation.code, amountMinor: validation.amountMinor } } : {}),
      });
    }
  }
  return runs;
}
