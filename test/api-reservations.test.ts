// The HTTP API against a real server on a free port and real PostgreSQL: lots (nearest first),
// availability, the seeds' booking flow (reserve -> pay -> get -> extend -> cancel), a customer's
// bookings, and every error status with the CLI's error object.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importLot } from '../src/core/lots/import-lot.js';
import { parseLotFile } from '../src/core/lots/lot-file.js';
import { call, startApiHarness, type ApiHarness } from './support/api.js';
import { testLotFile } from './support/lots.js';

let h: ApiHarness;
let operator: string;
let customerKey: string;
const at = (hoursFromT0: number) => new Date(Date.UTC(2031, 2, 3, 8) + hoursFromT0 * 3_600_000).toISOString();

beforeAll(async () => {
  h = await startApiHarness({ lot: { code: 'APIR', spots: 2 } });
  // two more lots with places: London (near) and Paris (far); APIR has none
  await importLot(h.db.pool, parseLotFile({ ...testLotFile({ code: 'LONDON' }), location: { latitude: 51.5074, longitude: -0.1278, address: '1 Strand, London' } }, 't'), 't');
  await importLot(h.db.pool, parseLotFile({ ...testLotFile({ code: 'PARIS' }), location: { latitude: 48.8566, longitude: 2.3522 } }, 't'), 't');
  operator = await h.key('operator');
  customerKey = await h.key('customer');
});
afterAll(() => h.close());

const customer = (ref: string) => ({ key: customerKey, headers: { 'parkctl-customer': ref } });

describe('lots and availability', () => {
  it('lists lots nearest first with ?near=lat,lon, with free counts now; lots without a place last', async () => {
    const res = await call(h, 'GET', '/v1/lots?near=48.9,2.3', { key: operator });
    expect(res.status).toBe(200);
    expect(res.body.data.map((l: { code: string }) => l.code)).toEqual(['PARIS', 'LONDON', 'APIR']);
    expect(res.body.data[1]).toMatchObject({ location: { address: '1 Strand, London' }, total: 11, free: 11 });
    expect(res.body.data[0].distanceMeters).toBeLessThan(10_000);
    expect(res.body.data[2].distanceMeters).toBeNull();
  });

  it('a lot file\'s location is optional and checked; a file without one keeps its digest', () => {
    const plain = parseLotFile(testLotFile({ code: 'DIGEST' }), 't');
    expect(plain.location).toBeUndefined();
    expect(JSON.stringify(plain)).not.toContain('location');
    expect(() => parseLotFile({ ...testLotFile(), location: { latitude: 100, longitude: 0 } }, 'f.yaml')).toThrow(/location.latitude/);
    expect(() => parseLotFile({ ...testLotFile(), location: { latitude: 1, longitude: 2, floor: 3 } }, 'f.yaml')).toThrow(/location/);
  });

  it('availability gives a free count and a price, never spots', async () => {
    const res = await call(h, 'GET', `/v1/lots/APIR/availability?type=regular&from=${at(2)}&to=${at(4)}`, customer('c1'));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ lotCode: 'APIR', vehicleType: 'regular', free: 2, total: 2, priceMinor: 400, currency: 'GBP' });
    expect(JSON.stringify(res.body)).not.toMatch(/A-00/);
  });

  it('bad input: 400 for a malformed query, 422 for a window the lot does not take, 404 for an unknown lot', async () => {
    const bad = await call(h, 'GET', `/v1/lots/APIR/availability?type=spaceship&from=${at(2)}&to=${at(4)}`, { key: operator });
    expect(bad).toMatchObject({ status: 400, body: { error: { code: 'bad_request' } } });
    const backwards = await call(h, 'GET', `/v1/lots/APIR/availability?type=regular&from=${at(4)}&to=${at(2)}`, { key: operator });
    expect(backwards.status).toBe(422);
    expect(backwards.body.error).toMatchObject({ code: expect.any(String), message: expect.any(String) });
    const notADate = await call(h, 'GET', `/v1/lots/APIR/availability?type=regular&from=tomorrow-ish&to=${at(2)}`, { key: operator });
    expect(notADate.status).toBe(422);
    const unknown = await call(h, 'GET', `/v1/lots/NOPE/availability?type=regular&from=${at(2)}&to=${at(4)}`, { key: operator });
    expect(unknown).toMatchObject({ status: 404, body: { error: { code: 'unknown_lot' } } });
    const near = await call(h, 'GET', '/v1/lots?near=north', { key: operator });
    expect(near).toMatchObject({ status: 400, body: { error: { code: 'bad_near' } } });
  });
});

describe('reservations', () => {
  it('the seeds\' flow: reserve (id, spot, price, hold expiry, payment URL) -> pay -> get -> extend (priced) -> cancel', async () => {
    const created = await call(h, 'POST', '/v1/reservations', { ...customer('cust-1'), body: { lot: 'APIR', type: 'regular', from: at(2), to: at(4), plate: 'ab12 cde' } });
    expect(created.status).toBe(201);
    const r = created.body;
    expect(r).toMatchObject({ lotCode: 'APIR', plate: 'AB12CDE', customerRef: 'cust-1', status: 'TENTATIVE', priceMinor: 400, currency: 'GBP', created: true });
    expect(r.spotLabel).toMatch(/^A-00[12]$/);
    expect(new Date(r.holdExpiresAt).getTime()).toBe(Date.parse(at(0)) + 15 * 60_000);
    expect(r.paymentUrl).toEqual(expect.any(String));

    // a cash receipt is the attendant's word: a customer key cannot confirm with it
    const byCustomer = await call(h, 'POST', `/v1/reservations/${r.reservationId}/complete`, { ...customer('cust-1'), body: { paymentToken: `cash:${r.reservationId}:400:GBP` } });
    expect(byCustomer).toMatchObject({ status: 403, body: { error: { code: 'forbidden' } } });
    const paid = await call(h, 'POST', `/v1/reservations/${r.reservationId}/complete`, { key: operator, body: { paymentToken: `cash:${r.reservationId}:400:GBP` } });
    expect(paid).toMatchObject({ status: 200, body: { reservationId: r.reservationId, status: 'CONFIRMED', paymentStatus: 'paid', rebookedFrom: null } });

    const got = await call(h, 'GET', `/v1/reservations/${r.reservationId}`, customer('cust-1'));
    expect(got).toMatchObject({ status: 200, body: { reservationId: r.reservationId, status: 'CONFIRMED', spotLabel: r.spotLabel } });

    const extended = await call(h, 'POST', `/v1/reservations/${r.reservationId}/extend`, { ...customer('cust-1'), body: { minutes: 30 } });
    expect(extended).toMatchObject({ status: 200, body: { end: new Date(Date.parse(at(4)) + 30 * 60_000).toISOString(), extensionMinor: 100 } });

    const cancelled = await call(h, 'POST', `/v1/reservations/${r.reservationId}/cancel`, { ...customer('cust-1'), body: { reason: 'plans changed' } });
    expect(cancelled).toMatchObject({ status: 200, body: { status: 'CANCELLED' } });
    const again = await call(h, 'POST', `/v1/reservations/${r.reservationId}/cancel`, customer('cust-1'));
    expect(again).toMatchObject({ status: 409, body: { error: { code: 'not_cancellable' } } });
  });

  it('a customer key sees only its customer\'s bookings; the list pages with a cursor', async () => {
    for (const [i, plate] of ['LIST1', 'LIST2', 'LIST3'].entries()) {
      const res = await call(h, 'POST', '/v1/reservations', { ...customer('cust-list'), body: { lot: 'LONDON', type: 'regular', from: at(10 + i * 3), to: at(11 + i * 3), plate } });
      expect(res.status).toBe(201);
    }
    const other = await call(h, 'POST', '/v1/reservations', { ...customer('cust-other'), body: { lot: 'LONDON', type: 'regular', from: at(10), to: at(11), plate: 'OTHER1' } });
    expect(other.status).toBe(201);

    const first = await call(h, 'GET', '/v1/reservations?limit=2', customer('cust-list'));
    expect(first.status).toBe(200);
    expect(first.body.data).toHaveLength(2);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await call(h, 'GET', `/v1/reservations?limit=2&cursor=${first.body.nextCursor}`, customer('cust-list'));
    expect(second.body.data).toHaveLength(1);
    expect(second.body.nextCursor).toBeNull();
    expect([...first.body.data, ...second.body.data].map((r: { plate: string }) => r.plate).sort()).toEqual(['LIST1', 'LIST2', 'LIST3']);

    expect(await call(h, 'GET', '/v1/reservations?customer=cust-other', customer('cust-list'))).toMatchObject({ status: 403 });
    expect(await call(h, 'GET', `/v1/reservations/${other.body.reservationId}`, customer('cust-list'))).toMatchObject({ status: 403, body: { error: { code: 'forbidden' } } });
    expect(await call(h, 'POST', `/v1/reservations/${other.body.reservationId}/cancel`, customer('cust-list'))).toMatchObject({ status: 403 });
    expect((await call(h, 'GET', `/v1/reservations/${other.body.reservationId}`, customer('cust-other'))).status).toBe(200);
    // an operator names the customer
    const byOperator = await call(h, 'GET', '/v1/reservations?customer=cust-other', { key: operator });
    expect(byOperator.body.data.map((r: { plate: string }) => r.plate)).toEqual(['OTHER1']);
    // a customer key must say which customer it acts for
    expect(await call(h, 'GET', '/v1/reservations', { key: customerKey })).toMatchObject({ status: 400, body: { error: { code: 'customer_required' } } });
  });

  it('refusals are 409 and write nothing; bad bodies are 400 or 422; unknown ids 404', async () => {
    const body = { lot: 'APIR', type: 'regular', from: at(30), to: at(31) };
    expect((await call(h, 'POST', '/v1/reservations', { key: operator, body: { ...body, plate: 'FULL1' } })).status).toBe(201);
    expect((await call(h, 'POST', '/v1/reservations', { key: operator, body: { ...body, plate: 'FULL2' } })).status).toBe(201);
    const { rows: [before] } = await h.db.pool.query<{ n: number }>(`select count(*)::int as n from reservations`);
    const full = await call(h, 'POST', '/v1/reservations', { key: operator, body: { ...body, plate: 'FULL3' } });
    expect(full).toMatchObject({ status: 409, body: { error: { code: 'no_spot_free', hint: expect.any(String) } } });
    const samePlate = await call(h, 'POST', '/v1/reservations', { key: operator, body: { ...body, lot: 'LONDON', plate: 'FULL1' } });
    expect(samePlate.status).toBe(201); // another lot: fine
    const { rows: [after] } = await h.db.pool.query<{ n: number }>(`select count(*)::int as n from reservations`);
    expect(after!.n).toBe(before!.n + 1);

    expect(await call(h, 'POST', '/v1/reservations', { key: operator, body: { ...body, plate: 'X1', colour: 'red' } })).toMatchObject({ status: 400, body: { error: { code: 'bad_request' } } });
    expect(await call(h, 'POST', '/v1/reservations', { key: operator, body: '{"lot": ' })).toMatchObject({ status: 400 });
    expect(await call(h, 'POST', '/v1/reservations', { key: operator, body: { ...body, plate: '!!!' } })).toMatchObject({ status: 422 });
    expect(await call(h, 'POST', '/v1/reservations', { key: operator, body: { ...body, from: '1999-01-01T00:00:00Z', to: '1999-01-01T01:00:00Z', plate: 'OLD1' } })).toMatchObject({ status: 422 });
    expect(await call(h, 'POST', '/v1/reservations', { key: operator, body: { ...body, from: '+275760-09-13T00:00:00Z', to: '+275760-09-13T01:00:00Z', plate: 'FAR1' } })).toMatchObject({ status: 422 });
    expect(await call(h, 'GET', '/v1/reservations/00000000-0000-4000-8000-000000000000', { key: operator })).toMatchObject({ status: 404, body: { error: { code: 'unknown_reservation' } } });
    expect(await call(h, 'GET', '/v1/reservations/not-a-uuid', { key: operator })).toMatchObject({ status: 400 });
    expect(await call(h, 'GET', '/v1/nothing-here', { key: operator })).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });
  });
});

describe('keys', () => {
  it('401 without a key or with an unknown one; 403 for a scope or a lot the key lacks', async () => {
    const none = await call(h, 'GET', '/v1/lots');
    expect(none).toMatchObject({ status: 401, body: { error: { code: 'unauthorized' } } });
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect((await call(h, 'GET', '/v1/lots', { key: 'pk_' + 'x'.repeat(43) })).status).toBe(401);
    expect((await call(h, 'GET', '/v1/lots/APIR/status', customer('c'))).status).toBe(403);
    const londonOnly = await h.key('partner', ['LONDON']);
    expect((await call(h, 'GET', '/v1/lots/LONDON/status', { key: londonOnly })).status).toBe(200);
    expect(await call(h, 'GET', '/v1/lots/APIR/status', { key: londonOnly })).toMatchObject({ status: 403, body: { error: { code: 'lot_forbidden' } } });
    const listed = await call(h, 'GET', '/v1/lots', { key: londonOnly });
    expect(listed.body.data.map((l: { code: string }) => l.code)).toEqual(['LONDON']);
  });
});
