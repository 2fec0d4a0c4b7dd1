// Where the gate daemon meets PostgreSQL (as the parkctl_gate role): the allow-list snapshot it
// decides from, the journal push (exactly once by (lot_id, gate_id, seq), with the visit written in
// the same transaction), heartbeats and remote commands. The daemon sees only the GateStore port,
// so tests and the bench can put an unreachable store in its place.
import type { AllowListSnapshot, AllowedReservation, GatePolicy } from '../gate/allow-list.js';
import type { GateDirection } from '../gate/decision.js';
import type { JournalEntry } from '../gate/ports.js';
import { setActor, withTransaction } from '../db.js';
import { NotFoundError } from '../errors.js';
import type { PoolLike } from '../ports.js';
import {
  annotateGateEvent, closeGateVisit, finishGateCommand, insertGateEvent, insertGateVisit, selectAllowListRows, selectGateLot,
  selectGateLotStatus, selectOpenVisitRows, takeGateCommands, upsertGateHeartbeat, type GateCommandRow, type GateHeartbeat,
} from '../sql/gate.js';
import { effectOf } from './local-allow-list.js';

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
    const [reservations, visits, status] = await Promise.all([
      selectAllowListRows(this.pool, lot.lot_id, from, to),
      selectOpenVisitRows(this.pool, lot.lot_id),
      selectGateLotStatus(this.pool, lot.lot_id, now),
    ]);
    const policy: GatePolicy = {
      lotCode: lot.code,
      earlyEntryGraceMinutes: lot.early_entry_grace_minutes,
      walkInsAllowed: lot.policy.walk_ins !== false && lot.state !== 'closed',
      freeSpots: lot.state === 'open' ? Math.max(0, status.active_spots - status.open_visits - status.held_spots) : 0,
      overstaySlotMinutes: lot.overstay_slot_minutes,
      ratePerHourMinor: status.max_rate_per_hour_minor,
    };
    return {
      policy,
      syncedAt: now,
      reservations: reservations.map((r): AllowedReservation => ({
        reservationId: r.reservation_id, plate: r.plate, start: r.starts_at, end: r.ends_at, status: r.status,
        vehicleType: r.vehicle_type, spotLabel: r.spot_label,
      })),
      openVisits: visits.map((v) => ({
        visitId: v.visit_id, plate: v.plate, reservationId: v.reservation_id, enteredAt: v.entered_at,
        reservationEnd: v.reservation_end, amountDueMinor: v.balance_minor,
      })),
    };
  }

  async pushEvents(entries: readonly JournalEntry[]): Promise<{ inserted: number; skipped: number }> {
    const lotId = await this.lot();
    const { gateId } = this.opts;
    return withTransaction(this.pool, async (tx) => {
      await setActor(tx, `gate:${gateId}`);
      let inserted = 0;
      for (const { seq, record } of entries) {
        const fresh = await insertGateEvent(tx, {
          lotId, gateId, seq, kind: record.kind, plate: record.plate, credential: record.credential, decision: record.decision,
          detail: { ...record.detail, allow: record.allow, reservationId: record.reservationId, visitId: record.visitId, amountDueMinor: record.amountDueMinor },
          occurredAt: new Date(record.occurredAt),
        });
        if (!fresh) continue;
        inserted++;
        const effect = effectOf(record);
        if (effect?.kind === 'enter') {
          const ok = await insertGateVisit(tx, { lotId, visitId: effect.visitId, reservationId: effect.reservationId, plate: effect.plate, gateId, enteredAt: new Date(effect.enteredAt) });
          if (!ok) await annotateGateEvent(tx, lotId, gateId, seq, { sync: 'visit_conflict: the plate or reservation was already inside' });
        } else if (effect?.kind === 'exit') {
          const overstay = Number(record.detail?.overstayMinutes ?? 0);
          const ok = await closeGateVisit(tx, {
            lotId, visitId: effect.visitId, gateId, exitedAt: new Date(record.occurredAt),
            overstayMinutes: Number.isFinite(overstay) ? overstay : 0, amountDueMinor: record.amountDueMinor ?? 0,
          });
          if (!ok) await annotateGateEvent(tx, lotId, gateId, seq, { sync: 'visit_not_open: closed elsewhere or never synced' });
        }
      }
      return { inserted, skipped: entries.length - inserted };
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
