// `parkctl demo`: a short busy morning in a lot, played through the same core functions the commands use,
// on a simulated clock that starts at the next quarter hour and moves forward as the morning goes.
import { randomBytes } from 'node:crypto';
import type { ChangeDeps } from '../changes.js';
import { RefusedError } from '../errors.js';
import { formatMinorAmount } from '../money-format.js';
import type { Lot } from '../lots/lot.js';
import { lotOccupancy, type LotOccupancy } from '../occupancy.js';
import type { Clock, PaymentProvider, PoolLike } from '../ports.js';
import type { VehicleType } from '../pricing/vehicle-types.js';
import { completeReservation } from '../reservations/lifecycle.js';
import { reserve, type ReserveResult } from '../reservations/reserve.js';
import { arrive, depart } from '../visits.js';

export interface DemoStep {
  at: Date;
  text: string;
}

export interface DemoResult {
  lotCode: string;
  startedAt: Date;
  endedAt: Date;
  booked: number;
  paid: number;
  arrived: number;
  departed: number;
  overstays: number;
  /** money due at the exit (overstays), minor units */
  dueMinor: number;
  steps: DemoStep[];
  occupancy: LotOccupancy;
}

const quarter = 900_000;
const minute = 60_000;
const types: VehicleType[] = ['regular', 'regular', 'regular', 'compact', 'ev', 'large', 'motorcycle', 'accessible'];

/**
 * The morning's clock. Frozen between steps when played at full speed (`parkctl demo` piped); when
 * `runsWithWall` it also moves on with the wall clock, so countdowns on a live screen tick between steps.
 */
export class SimulatedClock implements Clock {
  private wallAtSetMs = Date.now();
  constructor(private ms: number, private readonly runsWithWall = false) {}

  now(): Date {
    return new Date(this.ms + (this.runsWithWall ? Date.now() - this.wallAtSetMs : 0));
  }

  /** Moves to `ms` if that is later than now; never back. */
  advanceTo(ms: number): void {
    const current = this.now().getTime();
    this.ms = Math.max(current, ms);
    this.wallAtSetMs = Date.now();
  }
}

/** A gate move the morning made (the live demo journals it as a gate event). */
export interface DemoMove {
  kind: 'arrive' | 'depart';
  plate: string;
  gate: string;
  at: Date;
  overstayMinutes: number;
}

export interface DemoDeps extends ChangeDeps {
  pool: PoolLike;
  payments: PaymentProvider;
  /** where the morning starts (the next quarter hour after it) */
  clock: Clock;
  /** bookings to make; default 40 */
  bookings?: number;
  onStep?: (step: DemoStep) => void;
  /** the morning's clock (the live demo shares it with the screen); default: a frozen one from `clock` */
  simulated?: SimulatedClock;
  /** awaited before every write: the live demo waits a second or two here, and throws to stop */
  pace?: () => Promise<void>;
  onMove?: (move: DemoMove) => Promise<void>;
}

export async function playBusyMorning(deps: DemoDeps, lot: Lot): Promise<DemoResult> {
  const startedAt = new Date(Math.ceil(deps.clock.now().getTime() / quarter) * quarter);
  const clock = deps.simulated ?? new SimulatedClock(startedAt.getTime());
  clock.advanceTo(startedAt.getTime());
  const later = (ms: number) => clock.advanceTo(clock.now().getTime() + ms);
  const pace = deps.pace ?? (() => Promise.resolve());
  const base = { ...deps, db: deps.pool, clock, actor: 'demo' };
  const steps: DemoStep[] = [];
  const step = (text: string) => {
    const s = { at: clock.now(), text };
    steps.push(s);
    deps.onStep?.(s);
  };
  const tag = randomBytes(2).toString('hex').toUpperCase();
  const n = deps.bookings ?? 40;

  // 07:00-ish: bookings arrive from the app for the next hours; most pay at once, some never do.
  const booked: ReserveResult[] = [];
  for (let i = 0; i < n; i++) {
    const start = new Date(startedAt.getTime() + (1 + (i % 6)) * quarter);
    const end = new Date(start.getTime() + (2 + (i % 5)) * 30 * minute);
    await pace();
    try {
      const r = await reserve(base, lot, { vehicleType: types[i % types.length]!, start, end, plate: `D${tag}${String(i).padStart(3, '0')}`, customerRef: `demo-${i}` });
      booked.push(r);
    } catch (err) {
      if (!(err instanceof RefusedError)) throw err;
      step(`booking ${i} refused: ${err.message}`);
    }
  }
  step(`${booked.length} bookings held, ${lot.holdMinutes}-minute payment holds running`);

  later(5 * minute);
  const paid: ReserveResult[] = [];
  for (const [i, r] of booked.entries()) {
    if (i % 8 === 7) continue; // these never pay: their holds will expire
    await pace();
    await completeReservation(base, r.reservationId, `cash:${r.reservationId}:${r.priceMinor}:${r.currency}`);
    paid.push(r);
  }
  step(`${paid.length} paid at the kiosk (cash); ${booked.length - paid.length} still unpaid`);

  // The morning's timeline: cars arrive as their windows open (a little early: the entry grace), one in
  // ten paid bookings never shows, a third leave early (the rest of their window goes back on sale) and one
  // overstays past its end.
  type Move = { at: number; kind: 'arrive' | 'depart'; r: ReserveResult; overstay: boolean };
  const moves: Move[] = [];
  const shows = paid.filter((_, i) => i % 10 !== 9);
  for (const [i, r] of shows.entries()) {
    moves.push({ at: r.start.getTime() - 5 * minute, kind: 'arrive', r, overstay: false });
    if (i % 3 === 0) {
      const overstay = i === 0;
      moves.push({ at: overstay ? r.end.getTime() + 22 * minute : r.end.getTime() - 20 * minute, kind: 'depart', r, overstay });
    }
  }
  moves.sort((a, b) => a.at - b.at || (a.kind === 'arrive' ? -1 : 1));
  let arrived = 0;
  let departed = 0;
  let overstays = 0;
  let dueMinor = 0;
  for (const m of moves) {
    await pace();
    clock.advanceTo(m.at);
    if (m.kind === 'arrive') {
      await arrive(base, lot, { plate: m.r.plate, gate: 'entry-1' });
      arrived++;
      await deps.onMove?.({ kind: 'arrive', plate: m.r.plate, gate: 'entry-1', at: clock.now(), overstayMinutes: 0 });
      continue;
    }
    const d = await depart(base, lot, { plate: m.r.plate, gate: 'exit-1' });
    departed++;
    await deps.onMove?.({ kind: 'depart', plate: m.r.plate, gate: 'exit-1', at: clock.now(), overstayMinutes: d.overstayMinutes });
    if (d.overstayMinutes > 0) {
      overstays++;
      dueMinor += d.amountDueMinor;
      step(`${m.r.plate} left ${d.overstayMinutes} min after its booking ended: ${formatMinorAmount(d.amountDueMinor, lot.currency)} due at exit-1`);
    }
  }
  step(`${arrived} cars came in through entry-1, ${shows.length < paid.length ? paid.length - shows.length : 0} no-shows; ${departed} left through exit-1 (${departed - overstays} early: their spots are back on sale)`);

  const endedAt = clock.now();
  const occupancy = await lotOccupancy(deps.pool, lot.lotId, endedAt);
  return {
    lotCode: lot.code, startedAt, endedAt, booked: booked.length, paid: paid.length,
    arrived, departed, overstays, dueMinor, steps, occupancy,
  };
}
