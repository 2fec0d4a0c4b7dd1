// The writing commands of parkctl as fault-injection scenarios (issue 21): each run gets its own
// subject (a plate, a lot code) and its own clock, so runs never touch each other's rows, and a
// snapshot of the subject's rows that leaves out ids and times, so "before" and "after" compare.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type pg from 'pg';
import { stringify } from 'yaml';
import { runCli } from './cli.js';
import { testLotFile } from './lots.js';

export interface Subject {
  /** the command under test, without --json (added by the runner) */
  args: string[];
  /** the run's instant */
  now: string;
  /** the subject's rows, ids and times left out */
  snapshot: () => Promise<string>;
  /** what to undo after the check so later runs find the lot as before (a car left inside holds a spot) */
  cleanup?: () => Promise<void>;
}

export interface Scenario {
  name: string;
  /** exit codes a run (or a re-run after a lost answer) may end with besides 0 and 69: documented refusals */
  refusals: number[];
  /**
   * Makes run i's subject (through the CLI, straight to the database) in `lot`. Runs in one lot go one
   * after another with clocks that only move forward: a run at a later instant expires holds it meets,
   * so two lots never share a scenario run at the same time.
   */
  prepare: (i: number, lot: string) => Promise<Subject>;
}

const day = 86_400_000;
const base = Date.parse('2030-01-07T09:00:00Z');
const at = (i: number, plusMinutes = 0) => new Date(base + i * day + plusMinutes * 60_000).toISOString();

export function buildScenarios(h: { pool: pg.Pool; directEnv: Record<string, string>; dir: string }): Scenario[] {
  const cli = async (args: string[], now: string) => {
    const r = await runCli(['--json', ...args], { ...h.directEnv, PARKCTL_NOW: now });
    if (r.code !== 0) throw new Error(`prepare ${args.join(' ')}: exit ${r.code} ${r.stdout} ${r.stderr}`);
    return r.json as Record<string, unknown>;
  };
  const plate = (tag: string, i: number) => `${tag}${String(i).padStart(4, '0')}`;
  /** the queries' rows as of one instant (a commit landing between two of them would look half-written) */
  const atOnce = async (queries: [string, unknown[]][]): Promise<string> => {
    const c = await h.pool.connect();
    try {
      await c.query('begin isolation level repeatable read');
      const out: string[] = [];
      for (const [sql, values] of queries) out.push(JSON.stringify((await c.query(sql, values)).rows));
      await c.query('commit');
      return out.join('\n');
    } finally {
      c.release();
    }
  };
  /** a plate's reservations, visits, payments and audit events */
  const byPlates = (plates: string[]) => () => atOnce([
    // amounts differ from day to day (time bands): their relations are what must hold
    [`select status, payment_status, (hold_expires_at is null) as no_hold from reservations where plate = any($1::text[]) order by plate, status`, [plates]],
    [`select exited_at is null as inside, amount_due_minor > 0 as owes, amount_paid_minor = amount_due_minor as settled from visits where plate = any($1::text[]) order by plate, entered_at`, [plates]],
    [`select p.purpose, p.provider, p.status, p.amount_minor > 0 as some from payments p
      where p.reservation_id in (select reservation_id from reservations where plate = any($1::text[]))
         or p.visit_id in (select visit_id from visits where plate = any($1::text[])) order by 1, 2, 3, 4`, [plates]],
    [`select kind, count(*)::int as n from events where reservation_id in (select reservation_id from reservations where plate = any($1::text[])) group by kind order by kind`, [plates]],
  ]);
  const reserveArgs = (lot: string, p: string, i: number, fromMin: number, toMin: number, key?: string) => [
    'booking', 'reserve', '--lot', lot, '--type', 'regular', '--from', at(i, fromMin), '--to', at(i, toMin), '--plate', p, ...(key ? ['--external-ref', key] : []),
  ];
  const reserved = async (lot: string, p: string, i: number, fromMin: number, toMin: number) =>
    (await cli(reserveArgs(lot, p, i, fromMin, toMin, `prep-${p}`), at(i))) as { reservationId: string; priceMinor: number; currency: string };
  const paid = async (lot: string, p: string, i: number, fromMin: number, toMin: number) => {
    const r = await reserved(lot, p, i, fromMin, toMin);
    await cli(['booking', 'complete', r.reservationId, '--payment-token', `cash:${r.reservationId}:${r.priceMinor}:${r.currency}`], at(i));
    return r;
  };

  return [
    {
      name: 'lot import', refusals: [],
      prepare: async (i) => {
        const code = `FLT${i}`;
        const file = join(h.dir, `${code}.yaml`);
        writeFileSync(file, stringify(testLotFile({ code, spots: 6 })));
        return {
          args: ['lot', 'import', file], now: at(i),
          snapshot: () => atOnce([
            [`select count(*)::int as lots from lots where code = $1`, [code]],
            [`select count(*)::int as spots from spots s join lots l using (lot_id) where l.code = $1`, [code]],
            [`select count(*)::int as zones from zones z join lots l using (lot_id) where l.code = $1`, [code]],
            [`select count(*)::int as rules from pricing_rules r join lots l using (lot_id) where l.code = $1`, [code]],
          ]),
        };
      },
    },
    {
      name: 'booking reserve', refusals: [],
      prepare: async (i, lot) => {
        const p = plate('RS', i);
        // every other run gives no key: parkctl makes one and prints it when the outcome is unknown
        return { args: reserveArgs(lot, p, i, 60, 180, i % 2 === 0 ? `key-${p}` : undefined), now: at(i), snapshot: byPlates([p]) };
      },
    },
    {
      name: 'booking complete', refusals: [],
      prepare: async (i, lot) => {
        const p = plate('CP', i);
        const r = await reserved(lot, p, i, 60, 180);
        return { args: ['booking', 'complete', r.reservationId, '--payment-token', `cash:${r.reservationId}:${r.priceMinor}:${r.currency}`], now: at(i), snapshot: byPlates([p]) };
      },
    },
    {
      name: 'booking cancel', refusals: [3],
      prepare: async (i, lot) => {
        const p = plate('CN', i);
        const r = await paid(lot, p, i, 24 * 60 + 60, 24 * 60 + 180);
        return { args: ['booking', 'cancel', r.reservationId, '--reason', 'fault test'], now: at(i), snapshot: byPlates([p]) };
      },
    },
    {
      name: 'visit arrive', refusals: [3],
      prepare: async (i, lot) => {
        const p = plate('AR', i);
        await paid(lot, p, i, 0, 120);
        return {
          args: ['visit', 'arrive', '--lot', lot, '--plate', p], now: at(i, 5), snapshot: byPlates([p]),
          cleanup: async () => { await cli(['visit', 'depart', '--lot', lot, '--plate', p], at(i, 60)); },
        };
      },
    },
    {
      name: 'visit depart', refusals: [3],
      prepare: async (i, lot) => {
        const p = plate('DP', i);
        await paid(lot, p, i, 0, 60);
        await cli(['visit', 'arrive', '--lot', lot, '--plate', p], at(i, 5));
        // an overstay: something is due at the exit
        return { args: ['visit', 'depart', '--lot', lot, '--plate', p], now: at(i, 100), snapshot: byPlates([p]) };
      },
    },
    {
      name: 'payments collect', refusals: [3],
      prepare: async (i, lot) => {
        const p = plate('PC', i);
        await cli(['visit', 'arrive', '--lot', lot, '--plate', p, '--walk-in'], at(i));
        await cli(['visit', 'depart', '--lot', lot, '--plate', p], at(i, 90));
        return { args: ['payments', 'collect', '--lot', lot, '--plate', p, '--method', 'cash'], now: at(i, 95), snapshot: byPlates([p]) };
      },
    },
    {
      name: 'sweeper holds', refusals: [],
      prepare: async (i, lot) => {
        const p = plate('SH', i);
        await reserved(lot, p, i, 60, 120);
        return { args: ['sweeper', 'run', '--holds', '--once', '--lot', lot], now: at(i, 20), snapshot: byPlates([p]) };
      },
    },
    {
      name: 'sweeper no-shows', refusals: [],
      prepare: async (i, lot) => {
        const p = plate('SN', i);
        await paid(lot, p, i, 0, 240);
        return { args: ['sweeper', 'run', '--no-shows', '--once', '--lot', lot], now: at(i, 90), snapshot: byPlates([p]) };
      },
    },
    {
      name: 'booking import', refusals: [],
      prepare: async (i, lot) => {
        const [a, b] = [plate('IA', i), plate('IB', i)];
        const file = join(h.dir, `import-${i}.csv`);
        const quote = await cli(['price', 'quote', '--lot', lot, '--type', 'regular', '--from', at(i, 120), '--to', at(i, 240)], at(i)) as { totalMinor: number };
        writeFileSync(file, [
          'lot,vehicle_type,start,end,plate,customer_ref,external_ref,payment',
          `${lot},regular,${at(i, 120)},${at(i, 240)},${a},c-${i},imp-${a},unpaid`,
          `${lot},regular,${at(i, 120)},${at(i, 240)},${b},c-${i},imp-${b},paid:cash:${quote.totalMinor}:GBP`,
        ].join('\n') + '\n');
        return { args: ['booking', 'import', file, '--all-or-nothing'], now: at(i), snapshot: byPlates([a, b]) };
      },
    },
  ];
}
