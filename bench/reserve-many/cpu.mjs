#!/usr/bin/env node
/* global process, console */
// PostgreSQL backend CPU per booking inside one group-commit batch (issue 14): runs each SQL file
// (one statement booking 64 spots) CALLS times on a fresh connection, reads that backend's CPU from
// /proc (needs the server on this machine), resets the bookings between files, ROUNDS times
// interleaved. Arguments: rounds calls db:file [db:file ...]. Files here: batch.sql (parkctl_reserve_many
// as the API sends it, spread windows), batch-one-day.sql (windows inside one day), baseline.sql (the
// raw-SQL bitmap design, b.r_bitmap x 64, on a database set up as /work/shared/baseline says; set
// RESET="select b.reset(400, 30)"). PER: bookings per statement (64). VACUUM=1: vacuum analyze after each reset
// (for the baseline: VACUUM="vacuum analyze b.resv_p, b.spot_day").
import { readFileSync } from 'node:fs';
import pg from 'pg';

const [rounds, calls, ...targets] = process.argv.slice(2);
if (!rounds || !calls || targets.length === 0) {
  console.error('usage: cpu.mjs ROUNDS CALLS db:file.sql [db:file.sql ...]');
  process.exitCode = 2;
} else {
  const per = Number(process.env.PER ?? 64);
  const reset = process.env.RESET ?? 'delete from events where lot_id = 1; delete from reservations where lot_id = 1; update spot_days set mask = 0::bit(96) where lot_id = 1 and mask <> 0::bit(96)';
  const total = new Map(targets.map((t) => [t, { cpuMs: 0, bookings: 0, wallMs: 0 }]));
  for (let r = 0; r < Number(rounds); r++) {
    for (const target of targets) {
      const [db, file] = target.split(':');
      const url = `postgres://postgres@127.0.0.1:5432/${db}`;
      const admin = new pg.Client({ connectionString: url });
      await admin.connect();
      await admin.query(reset);
      // VACUUM=1: the reset's dead rows vacuumed away, so every file starts from the same tables and indexes
      if (process.env.VACUUM) await admin.query(process.env.VACUUM === '1' ? 'vacuum analyze reservations, events, spot_days' : process.env.VACUUM);
      await admin.end();
      const sql = readFileSync(file, 'utf8');
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      const pid = (await c.query('select pg_backend_pid() as p')).rows[0].p;
      const ticks = () => {
        const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
        return Number(f[11]) + Number(f[12]);
      };
      await c.query(sql); // warm: plans cached, relations open
      const t0 = ticks();
      const w0 = Date.now();
      for (let i = 0; i < Number(calls); i++) await c.query(sql);
      const t = total.get(target);
      t.cpuMs += (ticks() - t0) * 10; // USER_HZ 100
      t.bookings += Number(calls) * per;
      t.wallMs += Date.now() - w0;
      await c.end();
    }
  }
  for (const [target, t] of total) console.log(`${target.padEnd(40)} ${(t.cpuMs / t.bookings).toFixed(3)} ms CPU per booking (wall ${(t.wallMs / t.bookings).toFixed(3)} ms)`);
}
