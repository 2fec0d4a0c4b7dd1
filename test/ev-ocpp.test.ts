// Issue 16, EV charging: a charge point simulated with ocpp-rpc's RPCClient in strict mode (every message
// checked against the official OCPP 1.6 JSON schemas, as a real charger's would be by a conformant central
// system) against the central system and real PostgreSQL: a whole session priced at the exit, a dropped
// connection that loses nothing and duplicates nothing, refused credentials, a faulted connector.
import { readFileSync } from 'node:fs';
import { RPCClient } from 'ocpp-rpc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { countCapacity } from '../src/core/capacity.js';
import { DashboardSnapshotReader } from '../src/core/dashboard/snapshot.js';
import { CentralSystem } from '../src/core/ev/central-system.js';
import { addCharger } from '../src/core/ev/chargers.js';
import { idTagFor } from '../src/core/ev/id-tags.js';
import { connectorOfSpot } from '../src/core/ev/remote.js';
import { chargerStatus, evAlerts } from '../src/core/ev/status.js';
import { importLot } from '../src/core/lots/import-lot.js';
import { parseLotFile } from '../src/core/lots/lot-file.js';
import { loadLot, type Lot } from '../src/core/lots/lot.js';
import { silentLogger, type Clock } from '../src/core/ports.js';
import { selectOpenVisitRows } from '../src/core/sql/gate.js';
import { arrive, depart } from '../src/core/visits.js';
import { OcppCentralServer } from '../src/drivers/ocpp/server.js';
import { createTestDatabase, type TestDatabase } from './support/db.js';

let db: TestDatabase;
let lot: Lot;
let server: OcppCentralServer;
let system: CentralSystem;
/** the server side of each charge point's connection, to cut one */
const serverSide = new Map<string, { close(o: Record<string, unknown>): Promise<unknown> }>();
let endpoint: string;
const passwords = new Map<string, string>();
// 2031-06-03 is a Tuesday
const t0 = new Date('2031-06-03T09:00:00Z');
let now = t0;
const clock: Clock = { now: () => now };
const minutes = (m: number) => new Date(t0.getTime() + m * 60_000);
const clients: RPCClient[] = [];

/** ocpp-rpc's typings mark every option required; its documentation gives them defaults */
function newClient(options: { endpoint: string; identity: string; password?: string | undefined; strictMode: boolean }): RPCClient {
  const c = new RPCClient({ ...options, protocols: ['ocpp1.6'], reconnect: false } as unknown as ConstructorParameters<typeof RPCClient>[0]);
  clients.push(c);
  return c;
}

function chargePoint(identity: string, password = passwords.get(identity), path = '/ocpp'): RPCClient {
  return newClient({ endpoint: `${endpoint}${path}`, identity, password, strictMode: true });
}

async function sql<R extends Record<string, unknown>>(text: string, values: unknown[] = []): Promise<R[]> {
  return (await db.pool.query<R>(text, values)).rows;
}

beforeAll(async () => {
  db = await createTestDatabase();
  const file = parseYaml(readFileSync('fixtures/surface-lot.yaml', 'utf8')) as Record<string, unknown> & { pricing: Record<string, unknown> };
  // 0.40 a kWh; 6.00 an hour idle after 10 minutes' grace; charger CP-FILE on A-19 from the lot file
  file.pricing.ev = { energy_per_kwh_minor: 40, idle_per_hour_minor: 600, idle_grace_minutes: 10 };
  file.ev_chargers = [{ id: 'CP-FILE', spots: ['A-19'] }];
  await importLot(db.pool, parseLotFile({ ...file, code: 'EVLOT' }, 'test'), 'test');
  lot = await loadLot(db.pool, 'EVLOT');
  const deps = { pool: db.pool, clock, actor: 'test' };
  for (const [id, spot] of [['CP-1', 'A-20'], ['CP-FILE', 'A-19']] as const) {
    const added = await addCharger(deps, lot, { chargePointId: id, spotLabel: spot, connectorId: 1, newPassword: false });
    expect(added.password, `${id} gets credentials`).toMatch(/^[A-Za-z0-9_-]{32}$/);
    passwords.set(id, added.password!);
  }
  system = new CentralSystem({ ...deps, actor: 'ev:ocpp', logger: silentLogger }, { heartbeatIntervalS: 300 });
  server = new OcppCentralServer({ system, logger: silentLogger });
  endpoint = `ws://127.0.0.1:${await server.listen(0, '127.0.0.1')}`;
  server.rpc.on('client', (c: { identity: string; close(o: Record<string, unknown>): Promise<unknown> }) => serverSide.set(c.identity, c));
});

afterAll(async () => {
  for (const c of clients) await c.close({ force: true }).catch(() => undefined);
  await server?.close();
  await db?.drop();
});

/** A booked EV inside the lot: its reservation id and visit id. */
async function bookedCarInside(plate: string, spot: string, from = 0, to = 240): Promise<{ reservationId: string; visitId: string }> {
  const [r] = await sql<{ reservation_id: string }>(
    `insert into reservations (lot_id, customer_ref, plate, vehicle_type, spot_id, period, status, price_minor, currency, created_at, updated_at)
     select $1, 'test', $2, 'ev', s.spot_id, tstzrange($4, $5, '[)'), 'CONFIRMED', 600, 'GBP', $4, $4 from spots s where s.lot_id = $1 and s.label = $3
     returning reservation_id::text`,
    [lot.lotId, plate, spot, minutes(from), minutes(to)],
  );
  const a = await arrive({ pool: db.pool, clock, actor: 'test' }, lot, { reservationId: r!.reservation_id, gate: 'G1' });
  return { reservationId: r!.reservation_id, visitId: a.visit.visit_id };
}

describe('an OCPP 1.6J charge point through a whole session', () => {
  it('boots, authorises with the booking\'s id tag, charges, idles, stops; the energy and idle fee are owed at the exit', async () => {
    now = minutes(0);
    const car = await bookedCarInside('EV01', 'A-20');
    const tag = idTagFor('booking', car.reservationId);
    const cp = chargePoint('CP-1');
    await cp.connect();
    const boot = await cp.call('BootNotification', { chargePointVendor: 'ACME', chargePointModel: 'Wallbox-22', firmwareVersion: '1.4.2' }) as { status: string; interval: number };
    expect(boot).toMatchObject({ status: 'Accepted', interval: 300 });
    await cp.call('StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Preparing', timestamp: minutes(1).toISOString() });
    expect(await cp.call('Authorize', { idTag: tag })).toMatchObject({ idTagInfo: { status: 'Accepted' } });
    expect(await cp.call('Authorize', { idTag: 'R-0000000000000000' })).toEqual({ idTagInfo: { status: 'Invalid' } });

    const start = await cp.call('StartTransaction', { connectorId: 1, idTag: tag, meterStart: 1000, timestamp: minutes(2).toISOString() }) as { transactionId: number; idTagInfo: { status: string } };
    expect(start.idTagInfo.status).toBe('Accepted');
    await cp.call('StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Charging', timestamp: minutes(2).toISOString() });
    await cp.call('MeterValues', {
      connectorId: 1, transactionId: start.transactionId,
      meterValue: [{ timestamp: minutes(30).toISOString(), sampledValue: [
        { value: '8.5', measurand: 'Energy.Active.Import.Register', unit: 'kWh', context: 'Sample.Periodic' },
        { value: '11000', measurand: 'Power.Active.Import', unit: 'W', context: 'Sample.Periodic' },
      ] }],
    });
    now = minutes(31);
    const charging = (await chargerStatus(db.pool, lot.lotId, now)).find((c) => c.spotLabel === 'A-20')!;
    expect(charging).toMatchObject({ status: 'Charging', vendor: 'ACME', model: 'Wallbox-22', firmwareVersion: '1.4.2' });
    expect(charging.session).toMatchObject({ transactionId: start.transactionId, plate: 'EV01', powerW: 11000, energyWh: 7500, chargeMinor: 300 });

    // full at +60: the car stops drawing, stays plugged in; the driver stops at +90 and unplugs at +100
    await cp.call('StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'SuspendedEV', timestamp: minutes(60).toISOString() });
    now = minutes(80);
    await cp.call('Heartbeat', {});
    const idle = evAlerts(await chargerStatus(db.pool, lot.lotId, now), now, { idleAlertMinutes: 15, heartbeatIntervalS: 300 });
    expect(idle.map((a) => a.kind)).toEqual(['idle']);
    expect(idle[0]!.text).toContain('EV01 done charging, idle 20 min');
    expect(await cp.call('StopTransaction', { transactionId: start.transactionId, idTag: tag, meterStop: 21_000, timestamp: minutes(90).toISOString(), reason: 'Local' }))
      .toEqual({ idTagInfo: { status: 'Accepted' } });
    await cp.call('StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Finishing', timestamp: minutes(90).toISOString() });
    await cp.call('StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Available', timestamp: minutes(100).toISOString() });

    // 20 kWh at 0.40 = 8.00; idle 60..100 = 40 min, 10 of grace, 30 min at 6.00/h = 3.00: the gate's balance shows it
    now = minutes(110);
    const gateView = (await selectOpenVisitRows(db.pool, lot.lotId)).find((v) => v.plate === 'EV01')!;
    expect(Number(gateView.balance_minor)).toBe(1100);
    const d = await depart({ pool: db.pool, clock, actor: 'test' }, lot, { plate: 'EV01', gate: 'attendant' });
    expect(d.chargingMinor).toBe(1100);
    expect(d.amountDueMinor).toBe(1100); // left inside its booking: only the charging is owed
    const [s] = await sql<{ energy_minor: number; idle_minor: number; billed_at: Date | null; visit_id: string }>(
      `select energy_minor, idle_minor, billed_at, visit_id::text from ev_sessions where transaction_id = $1`, [start.transactionId]);
    expect(s).toMatchObject({ energy_minor: 800, idle_minor: 300, visit_id: car.visitId });
    expect(s!.billed_at).not.toBeNull();
    await cp.close();
  });

  it('a connection dropped mid-session loses nothing: resent start, meter values and stop are matched by transaction id, once', async () => {
    now = minutes(200);
    const walkIn = await arrive({ pool: db.pool, clock, actor: 'test' }, lot, { plate: 'EV02', gate: 'G1', walkIn: true, vehicleType: 'ev' });
    const tag = idTagFor('visit', walkIn.visit.visit_id);
    const startReq = { connectorId: 1, idTag: tag, meterStart: 50_000, timestamp: minutes(201).toISOString() };
    const batch = (m: number, wh: number) => ({
      connectorId: 1, meterValue: [{ timestamp: minutes(m).toISOString(), sampledValue: [{ value: String(wh), measurand: 'Energy.Active.Import.Register', unit: 'Wh' }] }],
    });
    let cp = chargePoint('CP-FILE');
    await cp.connect();
    await cp.call('BootNotification', { chargePointVendor: 'ACME', chargePointModel: 'Pillar' });
    // the answer to StartTransaction is lost: the transaction is recorded, then the link drops before the
    // charge point hears its transactionId
    const start = system.startTransaction.bind(system);
    let recorded = 0;
    system.startTransaction = async (c, p) => {
      const r = await start(c, p);
      recorded = r.transactionId;
      system.startTransaction = start;
      await serverSide.get('CP-FILE')!.close({ code: 1001, force: true });
      return r;
    };
    await expect(cp.call('StartTransaction', startReq)).rejects.toThrow();
    expect(recorded).toBeGreaterThan(0);
    cp = chargePoint('CP-FILE');
    await cp.connect();
    const first = await cp.call('StartTransaction', startReq) as { transactionId: number };
    expect(first.transactionId).toBe(recorded);
    await cp.call('MeterValues', { ...batch(210, 52_000), transactionId: first.transactionId });
    await cp.close({ code: 1001, force: true }); // the link drops mid-session again

    // the charger reconnects and replays what it could not be sure was received (OCPP 1.6 4.8: transaction
    // messages are retried until answered), then goes on
    cp = chargePoint('CP-FILE');
    await cp.connect();
    await cp.call('BootNotification', { chargePointVendor: 'ACME', chargePointModel: 'Pillar' });
    const again = await cp.call('StartTransaction', startReq) as { transactionId: number };
    expect(again.transactionId).toBe(first.transactionId);
    await cp.call('MeterValues', { ...batch(210, 52_000), transactionId: first.transactionId });
    await cp.call('MeterValues', { ...batch(220, 54_000), transactionId: first.transactionId });
    const stop = { transactionId: first.transactionId, meterStop: 55_000, timestamp: minutes(225).toISOString(), reason: 'EVDisconnected',
      transactionData: [batch(220, 54_000).meterValue[0]!, batch(225, 55_000).meterValue[0]!] };
    await cp.call('StopTransaction', stop);
    await cp.call('StopTransaction', { ...stop, meterStop: 99_999 }); // resent (and garbled): the first stop stands

    const sessions = await sql<{ transaction_id: number; meter_stop_wh: number; stopped_at: Date }>(
      `select transaction_id, meter_stop_wh, stopped_at from ev_sessions where charge_point_id = 'CP-FILE'`);
    expect(sessions).toHaveLength(1);
    expect(sessions[0]).toMatchObject({ transaction_id: first.transactionId, meter_stop_wh: 55000 });
    const samples = await sql<{ sampled_at: Date; value: string }>(
      `select sampled_at, value from ev_meter_values where transaction_id = $1 order by sampled_at`, [first.transactionId]);
    expect(samples.map((x) => [x.sampled_at.toISOString(), x.value])).toEqual([
      [minutes(210).toISOString(), '52000'], [minutes(220).toISOString(), '54000'], [minutes(225).toISOString(), '55000'],
    ]);
    const events = await sql<{ kind: string; n: number }>(
      `select kind, count(*)::int as n from events where kind like 'ev.session%' and detail->>'transaction_id' = $1 group by kind order by kind`, [String(first.transactionId)]);
    expect(events).toEqual([{ kind: 'ev.session_started', n: 1 }, { kind: 'ev.session_stopped', n: 1 }]);
    await cp.call('StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Available', timestamp: minutes(226).toISOString() });
    now = minutes(230);
    // 5 kWh at 0.40 = 2.00; unplugged a minute after the stop, inside the grace: no idle fee; the walk-in pays its stay too
    const d = await depart({ pool: db.pool, clock, actor: 'test' }, lot, { plate: 'EV02', gate: 'attendant' });
    expect(d.chargingMinor).toBe(200);
    expect(d.amountDueMinor).toBeGreaterThan(200);
    await cp.close();
  });
});

describe('a car unplugged before the charger reports the stop', () => {
  it('keeps the idle time it spent plugged in after it stopped drawing', async () => {
    now = minutes(240);
    const car = await bookedCarInside('EV03', 'A-20', 240, 480);
    const tag = idTagFor('booking', car.reservationId);
    const cp = chargePoint('CP-1');
    await cp.connect();
    const { transactionId } = await cp.call('StartTransaction', { connectorId: 1, idTag: tag, meterStart: 0, timestamp: minutes(241).toISOString() }) as { transactionId: number };
    await cp.call('StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'SuspendedEV', timestamp: minutes(270).toISOString() });
    // the driver pulls the cable at +300: the charger reports Available, then the stop (reason EVDisconnected)
    await cp.call('StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Available', timestamp: minutes(300).toISOString() });
    await cp.call('StopTransaction', { transactionId, meterStop: 10_000, timestamp: minutes(300).toISOString(), reason: 'EVDisconnected' });
    now = minutes(305);
    const d = await depart({ pool: db.pool, clock, actor: 'test' }, lot, { plate: 'EV03', gate: 'attendant' });
    // 10 kWh at 0.40 = 4.00; idle 270..300 = 30 min, 10 of grace: 20 min at 6.00/h = 2.00
    expect(d.chargingMinor).toBe(600);
    await cp.close();
  });
});

describe('id tags', () => {
  it('a permit\'s tag is accepted while the permit is active and valid, Blocked while suspended; a garbled tag is Invalid', async () => {
    const [p] = await sql<{ permit_id: string }>(
      `insert into permits (lot_id, holder, vehicle_type, valid_from, valid_until, currency, created_at, updated_at)
       values ($1, 'Acme', 'ev', $2, $3, 'GBP', $2, $2) returning permit_id::text`, [lot.lotId, minutes(-60 * 24), minutes(60 * 24 * 30)]);
    const tag = idTagFor('permit', p!.permit_id);
    expect(tag).toMatch(/^P-[0-9A-F]{16}$/);
    now = minutes(120);
    const cp = chargePoint('CP-1');
    await cp.connect();
    expect(await cp.call('Authorize', { idTag: tag })).toEqual({ idTagInfo: { status: 'Accepted', expiryDate: minutes(60 * 24 * 30).toISOString() } });
    await sql(`update permits set status = 'suspended' where permit_id = $1`, [p!.permit_id]);
    expect(await cp.call('Authorize', { idTag: tag })).toEqual({ idTagInfo: { status: 'Blocked' } });
    expect(await cp.call('Authorize', { idTag: 'AB12CDE' })).toEqual({ idTagInfo: { status: 'Invalid' } });
    await cp.close();
  });

  it('the lot file binds chargers to ev spots only, one connector a spot', () => {
    const file = parseYaml(readFileSync('fixtures/surface-lot.yaml', 'utf8')) as Record<string, unknown>;
    expect(() => parseLotFile({ ...file, ev_chargers: [{ id: 'CP-X', spots: ['A-01'] }] }, 'lot.yaml')).toThrow('charger CP-X: spot "A-01" is a regular spot');
    expect(() => parseLotFile({ ...file, ev_chargers: [{ id: 'CP-X', spots: ['A-19'] }, { id: 'CP-Y', spots: ['A-19'] }] }, 'lot.yaml')).toThrow('spot "A-19" has two connectors');
    expect(() => parseLotFile({ ...file, ev_chargers: [{ id: 'CP X', spots: ['A-19'] }] }, 'lot.yaml')).toThrow(/ev_chargers\.0\.id/);
    // a file without chargers keeps its digest
    expect(parseLotFile({ ...file, ev_chargers: [] }, 'lot.yaml').digest).toBe(parseLotFile(file, 'lot.yaml').digest);
  });
});

describe('what the central system refuses', () => {
  it('a wrong password, an unknown charge point, no password and another path are refused at the handshake', async () => {
    await expect(chargePoint('CP-1', 'not-the-password-0123456789abcdef').connect()).rejects.toMatchObject({ code: 401 });
    await expect(chargePoint('CP-NOBODY', passwords.get('CP-1')).connect()).rejects.toMatchObject({ code: 401 });
    const noPassword = newClient({ endpoint: `${endpoint}/ocpp`, identity: 'CP-1', strictMode: true });
    await expect(noPassword.connect()).rejects.toMatchObject({ code: 401 });
    await expect(chargePoint('CP-1', passwords.get('CP-1'), '/elsewhere').connect()).rejects.toMatchObject({ code: 404 });
  });

  it('strict mode: a message outside the OCPP 1.6 schema is answered with an error and changes nothing', async () => {
    // the client validates too: a non-strict sender stands for a charger with a firmware bug
    const sloppy = newClient({ endpoint: `${endpoint}/ocpp`, identity: 'CP-1', password: passwords.get('CP-1'), strictMode: false });
    await sloppy.connect();
    await expect(sloppy.call('StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'OnFire' })).rejects.toThrow();
    const [c] = await sql<{ status: string }>(`select status from ev_connectors where charge_point_id = 'CP-1'`);
    expect(c!.status).toBe('Available');
    await sloppy.close();
  });
});

describe('a Faulted or Unavailable connector', () => {
  it('takes its spot out of what is sold for EVs, and puts it back when it works again', async () => {
    now = minutes(300);
    const free = async () => (await countCapacity({ db: db.pool, clock }, await loadLot(db.pool, 'EVLOT'), 'ev', minutes(400), minutes(460))).free;
    const before = await free();
    const cp = chargePoint('CP-1');
    await cp.connect();
    await cp.call('StatusNotification', { connectorId: 1, errorCode: 'GroundFailure', status: 'Faulted', timestamp: minutes(301).toISOString() });
    expect(await free()).toBe(before - 1);
    const [spot] = await sql<{ status: string }>(`select status::text from spots where lot_id = $1 and label = 'A-20'`, [lot.lotId]);
    expect(spot!.status).toBe('maintenance');
    const alerts = evAlerts(await chargerStatus(db.pool, lot.lotId, now), now, { idleAlertMinutes: 15, heartbeatIntervalS: 300 });
    expect(alerts.filter((a) => a.kind === 'fault').map((a) => a.text)).toEqual(['A-20: charger CP-1/1 Faulted (GroundFailure)']);
    // the attendant's dashboard shows it among its alerts
    const screen = await new DashboardSnapshotReader(db.pool, await loadLot(db.pool, 'EVLOT')).read(now);
    expect(screen.alerts.filter((a) => a.kind === 'ev_fault').map((a) => a.text)).toEqual(['A-20: charger CP-1/1 Faulted (GroundFailure)']);
    // a stale report (older than the fault) changes nothing
    await cp.call('StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Available', timestamp: minutes(299).toISOString() });
    expect(await free()).toBe(before - 1);
    await cp.call('StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Available', timestamp: minutes(302).toISOString() });
    expect(await free()).toBe(before);
    await cp.close();
  });

  it('an attendant\'s maintenance stays when the connector recovers', async () => {
    await sql(`update spots set status = 'maintenance' where lot_id = $1 and label = 'A-20'`, [lot.lotId]);
    const cp = chargePoint('CP-1');
    await cp.connect();
    await cp.call('StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Unavailable', timestamp: minutes(310).toISOString() });
    await cp.call('StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Available', timestamp: minutes(311).toISOString() });
    const [spot] = await sql<{ status: string }>(`select status::text from spots where lot_id = $1 and label = 'A-20'`, [lot.lotId]);
    expect(spot!.status).toBe('maintenance');
    await sql(`update spots set status = 'active' where lot_id = $1 and label = 'A-20'`, [lot.lotId]);
    await cp.close();
  });
});

describe('a StartTransaction the central system does not accept (OCPP 1.6 4.8)', () => {
  it('is recorded as ended, never live, billed or blocking the connector; its MeterValues and StopTransaction are still accepted', async () => {
    now = minutes(400);
    // a car whose booking is over by the time it plugs in: its tag is Expired, yet it is linked to the visit
    const car = await bookedCarInside('EV04', 'A-20', 400, 420);
    now = minutes(430);
    const cp = chargePoint('CP-1');
    await cp.connect();
    for (const idTag of ['BOGUS', idTagFor('booking', car.reservationId)]) {
      const m = idTag === 'BOGUS' ? 431 : 433;
      const start = await cp.call('StartTransaction', { connectorId: 1, idTag, meterStart: 7000, timestamp: minutes(m).toISOString() }) as { transactionId: number; idTagInfo: { status: string } };
      expect(start.idTagInfo.status).toBe(idTag === 'BOGUS' ? 'Invalid' : 'Expired');
      const after = (await chargerStatus(db.pool, lot.lotId, now)).find((c) => c.spotLabel === 'A-20')!;
      expect(after.session, `${idTag}: no live session on A-20`).toBeNull();
      // the charge point may still report meter values and the stop it made (reason DeAuthorized)
      expect(await cp.call('MeterValues', { connectorId: 1, transactionId: start.transactionId, meterValue: [{ timestamp: minutes(m + 1).toISOString(), sampledValue: [{ value: '12000', unit: 'Wh' }] }] })).toEqual({});
      expect(await cp.call('StopTransaction', { transactionId: start.transactionId, meterStop: 12_000, timestamp: minutes(m + 1).toISOString(), reason: 'DeAuthorized' })).toEqual({});
      const [s] = await sql<{ stopped_at: Date | null; stop_reason: string; energy_minor: number; id_tag_status: string }>(
        `select stopped_at, stop_reason, energy_minor::int, id_tag_status from ev_sessions where transaction_id = $1`, [start.transactionId]);
      expect(s).toMatchObject({ stopped_at: minutes(m), stop_reason: 'DeAuthorized', energy_minor: 0, id_tag_status: start.idTagInfo.status });
      const events = await sql<{ kind: string }>(`select kind from events where kind like 'ev.session%' and detail->>'transaction_id' = $1`, [String(start.transactionId)]);
      expect(events.map((e) => e.kind)).toEqual(['ev.session_refused']);
    }
    // the connector is free for the attendant's remote start, and nothing is owed for the refused sessions
    expect((await connectorOfSpot(db.pool, lot, 'A-20')).running).toBe(false);
    const gateView = (await selectOpenVisitRows(db.pool, lot.lotId)).find((v) => v.plate === 'EV04')!;
    expect(gateView).toBeDefined();
    const d = await depart({ pool: db.pool, clock, actor: 'test' }, lot, { plate: 'EV04', gate: 'attendant' });
    expect(d.chargingMinor).toBe(0);
    await cp.close();
  });
});
