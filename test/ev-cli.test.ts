// Issue 16, EV charging from the command line: `ev charger add` shows credentials once, `ev status --json` has
// its documented shape, and the attendant's remote actions reach a connected charge point (simulated with
// ocpp-rpc's RPCClient in strict mode, answering as OCPP 1.6 defines) through `ev serve`'s control port.
import { readFileSync } from 'node:fs';
import { RPCClient } from 'ocpp-rpc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { CentralSystem } from '../src/core/ev/central-system.js';
import { jsonShapes } from '../src/core/json/schemas.js';
import { importLot } from '../src/core/lots/import-lot.js';
import { parseLotFile } from '../src/core/lots/lot-file.js';
import { loadLot } from '../src/core/lots/lot.js';
import { silentLogger, systemClock } from '../src/core/ports.js';
import { arrive } from '../src/core/visits.js';
import { listenControl } from '../src/drivers/ocpp/control.js';
import { OcppCentralServer } from '../src/drivers/ocpp/server.js';
import { runCli } from './support/cli.js';
import { createTestDatabase, type TestDatabase } from './support/db.js';
import { waitFor } from './support/gate-daemon-helpers.js';

let db: TestDatabase;
let env: Record<string, string>;
let server: OcppCentralServer;
let control: Awaited<ReturnType<typeof listenControl>>;
let endpoint: string;
let controlUrl: string;
const clients: RPCClient[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  env = { DATABASE_URL: db.url };
  const file = parseYaml(readFileSync('fixtures/surface-lot.yaml', 'utf8')) as Record<string, unknown> & { pricing: Record<string, unknown> };
  file.pricing.ev = { energy_per_kwh_minor: 35 };
  // row B's motorcycle bays become EV bays: a charge point with two connectors
  (file.zones as { spots: { type: string }[] }[])[1]!.spots[2]!.type = 'ev';
  await importLot(db.pool, parseLotFile({ ...file, code: 'EVCLI' }, 'test'), 'test');
  const system = new CentralSystem({ pool: db.pool, clock: systemClock, actor: 'ev:ocpp', logger: silentLogger }, { heartbeatIntervalS: 300 });
  server = new OcppCentralServer({ system, logger: silentLogger });
  endpoint = `ws://127.0.0.1:${await server.listen(0, '127.0.0.1')}/ocpp`;
  control = await listenControl(server, 0, '127.0.0.1');
  controlUrl = `http://127.0.0.1:${control.port}`;
});

afterAll(async () => {
  for (const c of clients) await c.close({ force: true }).catch(() => undefined);
  await new Promise((done) => control?.server.close(done));
  await server?.close();
  await db?.drop();
});

describe('parkctl ev', () => {
  let password = '';

  it('charger add binds a connector to an EV spot and prints its password once; bad input exits 2', async () => {
    const added = await runCli(['--json', 'ev', 'charger', 'add', 'CP-7', '--lot', 'EVCLI', '--spot', 'A-19'], env);
    expect(added.code, added.stderr).toBe(0);
    const j = added.json as { password: string | null; created: boolean; spotLabel: string };
    expect(j).toMatchObject({ created: true, spotLabel: 'A-19' });
    password = j.password!;
    expect(password).toMatch(/^[A-Za-z0-9_-]{32}$/);
    const [row] = (await db.pool.query<{ password_hash: string }>(`select password_hash from ev_chargers where charge_point_id = 'CP-7'`)).rows;
    expect(row!.password_hash).toMatch(/^scrypt\$/);
    expect(row!.password_hash).not.toContain(password);
    const again = await runCli(['--json', 'ev', 'charger', 'add', 'CP-7', '--lot', 'EVCLI', '--spot', 'A-19'], env);
    expect((again.json as { password: string | null }).password).toBeNull(); // shown once

    const regular = await runCli(['ev', 'charger', 'add', 'CP-8', '--lot', 'EVCLI', '--spot', 'A-01'], env);
    expect(regular.code).toBe(2);
    expect(regular.stderr).toContain('A-01 is a regular spot');
    const badConnector = await runCli(['ev', 'charger', 'add', 'CP-8', '--lot', 'EVCLI', '--spot', 'A-20', '--connector', 'x'], env);
    expect(badConnector.code).toBe(2);
  });

  it('remote-start, status, availability, unlock and remote-stop go through ev serve to the charge point', async () => {
    const lot = await loadLot(db.pool, 'EVCLI');
    const inside = await arrive({ pool: db.pool, clock: systemClock, actor: 'test' }, lot, { plate: 'EV77', gate: 'G1', walkIn: true, vehicleType: 'ev' });
    const cp = new RPCClient({ endpoint, identity: 'CP-7', password, protocols: ['ocpp1.6'], strictMode: true, reconnect: false } as unknown as ConstructorParameters<typeof RPCClient>[0]);
    clients.push(cp);
    const received: [string, unknown][] = [];
    let transactionId = 0;
    let stopCall: Promise<unknown> | null = null;
    // a charge point as OCPP 1.6 describes it: accept a remote start, then start the transaction with that id tag
    cp.handle('RemoteStartTransaction', async ({ params: p }) => {
      const params = p as { connectorId: number; idTag: string };
      received.push(['RemoteStartTransaction', params]);
      setImmediate(() => void cp.call('StartTransaction', { connectorId: params.connectorId, idTag: params.idTag, meterStart: 0, timestamp: new Date().toISOString() })
        .then((r) => { transactionId = (r as { transactionId: number }).transactionId; }));
      return { status: 'Accepted' };
    });
    cp.handle('RemoteStopTransaction', async ({ params: p }) => {
      const params = p as { transactionId: number };
      received.push(['RemoteStopTransaction', params]);
      // kept, so the test waits for its answer before closing (a call still pending at close is rejected)
      setImmediate(() => { stopCall = cp.call('StopTransaction', { transactionId: params.transactionId, meterStop: 4200, timestamp: new Date().toISOString(), reason: 'Remote' }); });
      return { status: 'Accepted' };
    });
    cp.handle('ChangeAvailability', async ({ params }) => { received.push(['ChangeAvailability', params]); return { status: 'Scheduled' }; });
    cp.handle('UnlockConnector', async ({ params }) => { received.push(['UnlockConnector', params]); return { status: 'Unlocked' }; });
    await cp.connect();
    await cp.call('BootNotification', { chargePointVendor: 'ACME', chargePointModel: 'Pillar' });
    await cp.call('StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Preparing' });

    const start = await runCli(['ev', 'remote-start', '--lot', 'EVCLI', '--spot', 'A-19', '--plate', 'EV77', '--server', controlUrl], env);
    expect(start.code, start.stderr).toBe(0);
    expect(start.stdout).toContain('remote start Accepted for EV77');
    const tag = `V-${inside.visit.visit_id.replace(/-/g, '').slice(0, 16).toUpperCase()}`;
    expect(received[0]).toEqual(['RemoteStartTransaction', { connectorId: 1, idTag: tag }]);
    await waitFor(() => transactionId > 0, 'the charge point started the transaction');

    const status = await runCli(['--json', 'ev', 'status', '--lot', 'EVCLI'], env);
    expect(status.code, status.stderr).toBe(0);
    const rows = jsonShapes.EvConnector.array().parse(status.json);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.session).toMatchObject({ transactionId, idTag: tag, plate: 'EV77' });
    const table = await runCli(['ev', 'status', '--lot', 'EVCLI'], env);
    expect(table.stdout).toMatch(/A-19\s+CP-7\/1\s+Preparing\s+EV77/);

    // moving the connector to another spot while it charges would move the car's session with it: refused
    const move = await runCli(['ev', 'charger', 'add', 'CP-7', '--lot', 'EVCLI', '--spot', 'A-20', '--connector', '1'], env);
    expect(move.code, move.stderr).toBe(3);
    expect(move.stderr).toContain(`connector 1 of CP-7 is charging on A-19 (transaction ${transactionId})`);
    expect(move.stderr).toContain('stop the session first: parkctl ev remote-stop --lot EVCLI --spot A-19');
    const [bound] = (await db.pool.query<{ label: string }>(
      `select s.label from ev_connectors c join spots s using (lot_id, spot_id) where c.charge_point_id = 'CP-7'`)).rows;
    expect(bound!.label).toBe('A-19');

    const avail = await runCli(['ev', 'availability', '--lot', 'EVCLI', '--spot', 'A-19', '--state', 'inoperative', '--server', controlUrl], env);
    expect(avail.code, avail.stderr).toBe(0);
    expect(avail.stdout).toContain('inoperative Scheduled');
    expect(received[1]).toEqual(['ChangeAvailability', { connectorId: 1, type: 'Inoperative' }]);
    const unlock = await runCli(['ev', 'unlock', '--lot', 'EVCLI', '--spot', 'A-19', '--server', controlUrl], env);
    expect(unlock.code, unlock.stderr).toBe(0);
    expect(received[2]).toEqual(['UnlockConnector', { connectorId: 1 }]);

    const stop = await runCli(['ev', 'remote-stop', '--lot', 'EVCLI', '--spot', 'A-19', '--server', controlUrl], env);
    expect(stop.code, stop.stderr).toBe(0);
    expect(received[3]).toEqual(['RemoteStopTransaction', { transactionId }]);
    await waitFor(async () => (await db.pool.query(`select 1 from ev_sessions where transaction_id = $1 and stopped_at is not null`, [transactionId])).rowCount === 1, 'the transaction stopped');
    const [s] = (await db.pool.query<{ energy_minor: number; visit_id: string }>(`select energy_minor, visit_id::text from ev_sessions where transaction_id = $1`, [transactionId])).rows;
    expect(s).toEqual({ energy_minor: 147, visit_id: inside.visit.visit_id }); // 4.2 kWh at 0.35

    await waitFor(() => stopCall !== null, 'the charge point sent StopTransaction');
    expect(await stopCall).toEqual({}); // OCPP 1.6: idTagInfo only answers a stop that sent an idTag
    await cp.close();
    await waitFor(() => !server.connected().includes('CP-7'), 'the central system saw the charge point go');
    const offline = await runCli(['ev', 'unlock', '--lot', 'EVCLI', '--spot', 'A-19', '--server', controlUrl], env);
    expect(offline.code).toBe(3);
    expect(offline.stderr).toContain('CP-7 is not connected');
  });

  it('ev status fits 80 columns by dropping the least useful columns, never cutting spot, charger or status; -q names each charge point once', async () => {
    for (const [spot, connector] of [['B-17', '1'], ['B-18', '2']] as const) {
      const r = await runCli(['ev', 'charger', 'add', 'CP-0031', '--lot', 'EVCLI', '--spot', spot, '--connector', connector], env);
      expect(r.code, r.stderr).toBe(0);
    }
    const wide = await runCli(['ev', 'status', '--lot', 'EVCLI'], env);
    expect(Math.max(...wide.stdout.split('\n').map((l) => l.length))).toBeGreaterThan(80); // piped: whole, wider than 80
    const fitted = await runCli(['ev', 'status', '--lot', 'EVCLI'], { ...env, COLUMNS: '80' });
    expect(fitted.code, fitted.stderr).toBe(0);
    const lines = fitted.stdout.trimEnd().split('\n');
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThanOrEqual(80);
    expect(fitted.stdout).not.toContain('…');
    expect(lines[0]).toMatch(/^SPOT\s+CHARGER\s+STATUS\s+CAR\s+/);
    expect(lines[0]).not.toContain('HEARTBEAT');
    expect(fitted.stdout).toMatch(/A-19\s+CP-7\/1\s+Preparing\s+EV77/);
    expect(fitted.stdout).toMatch(/B-17\s+CP-0031\/1\s+Unknown/);
    expect(fitted.stdout).toMatch(/B-18\s+CP-0031\/2\s+Unknown/);

    const quiet = await runCli(['ev', 'status', '--lot', 'EVCLI', '-q'], env);
    expect(quiet.code, quiet.stderr).toBe(0);
    expect(quiet.stdout).toBe('CP-0031\nCP-7\n');
  });

  it('ev serve refuses a control port off this machine (it has no credentials of its own)', async () => {
    const r = await runCli(['ev', 'serve', '--listen', '127.0.0.1:0', '--control', '0.0.0.0:9221'], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('is not a loopback address');
  });

  it('install --print writes a Type=notify unit running ev serve', async () => {
    const r = await runCli(['ev', 'install', '--print'], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/ExecStart=\S+ ev serve --listen 0\.0\.0\.0:9220 --control 127\.0\.0\.1:9221/);
    expect(r.stdout).toContain('Type=notify');
    expect(r.stdout).not.toContain(db.url);
  });
});
