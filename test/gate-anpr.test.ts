import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { GateInput } from '../src/core/gate/ports.js';
import { fixedClock } from '../src/core/ports.js';
import { parsePlateRecognizerWebhook } from '../src/drivers/anpr/plate-recognizer.js';
import { PlateWebhookInput, SkippedResultError } from '../src/drivers/anpr/webhook-input.js';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/frames/${name}`, import.meta.url), 'utf8');
const stream = fixture('plate-recognizer-stream.json');
const snapshot = fixture('plate-recognizer-snapshot.json');
const vehicleMode = fixture('plate-recognizer-vehicle.json');
const receivedAt = new Date('2025-06-02T09:05:00Z');

describe('parsePlateRecognizerWebhook', () => {
  it('maps a Stream webhook to a normalised plate read', () => {
    expect(parsePlateRecognizerWebhook(JSON.parse(stream), receivedAt)).toEqual({
      reads: [{
        kind: 'plate', plate: 'AB12CD', confidence: 0.939, source: 'anpr:camera-entry-1',
        readId: 'pr:camera-entry-1|2025-06-02T09:00:13.606935Z|AB12CD', at: new Date('2025-06-02T09:00:13.606Z'),
      }],
      skipped: [],
    });
  });

  it('reads Snapshot timestamps (no zone: UTC) and skips results without a plate', () => {
    const parsed = parsePlateRecognizerWebhook(JSON.parse(snapshot), receivedAt);
    expect(parsed).toMatchObject({ reads: [{ plate: 'XY99ZZZ', source: 'anpr:exit-cam', at: new Date('2025-06-02T09:01:38.030Z') }] });
    expect(typeof parsed === 'object' && parsed.skipped).toHaveLength(1);
  });

  it('reads the vehicle-mode format (plate an object: the best of props.plate) and says why a plateless vehicle is skipped', () => {
    const parsed = parsePlateRecognizerWebhook(JSON.parse(vehicleMode), receivedAt);
    if (typeof parsed === 'string') throw new Error(parsed);
    expect(parsed.reads).toEqual([{
      kind: 'plate', plate: 'GH34KL', confidence: 0.931, source: 'anpr:camera-entry-2',
      readId: 'pr:camera-entry-2|2025-06-02T09:02:41.120004Z|GH34KL', at: new Date('2025-06-02T09:02:41.120Z'),
    }]);
    expect(parsed.skipped.map((s) => s.reason)).toEqual(['Plate Recognizer result skipped (camera camera-entry-2, result 2 of 2): a vehicle (Pickup Truck) without a readable plate']);
    const noCandidates = { data: { camera_id: 'c', results: [{ plate: { type: 'Plate', score: 0.9, props: { plate: [] } } }] } };
    expect((parsePlateRecognizerWebhook(noCandidates, receivedAt) as { skipped: Array<{ reason: string }> }).skipped[0]!.reason).toMatch(/without props.plate candidates/);
  });

  it('names what is wrong with a body that is not a webhook', () => {
    expect(parsePlateRecognizerWebhook([], receivedAt)).toMatch(/object/);
    expect(parsePlateRecognizerWebhook({ data: {} }, receivedAt)).toMatch(/results/);
  });
});

describe('PlateWebhookInput over HTTP', () => {
  let input: PlateWebhookInput;
  let base: string;
  let reads: GateInput[];

  beforeEach(async () => {
    input = new PlateWebhookInput({ token: 's3cret', clock: fixedClock(receivedAt), maxBodyBytes: 64 * 1024 });
    reads = [];
    input.on('input', (i) => reads.push(i));
    base = `http://127.0.0.1:${await input.listen(0)}/anpr/plate-recognizer?token=s3cret`;
  });
  afterEach(async () => {
    await input.dispose();
  });

  const post = (body: string | Buffer, contentType = 'application/json', url = base) =>
    fetch(url, { method: 'POST', body, headers: { 'content-type': contentType } });

  it('accepts a JSON webhook and counts a redelivered read once', async () => {
    const first = await post(stream);
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ accepted: 1, duplicates: 0, skipped: 0 });
    const again = await post(stream);
    expect(await again.json()).toEqual({ accepted: 0, duplicates: 1, skipped: 0 });
    expect(reads).toHaveLength(1);
    expect(reads[0]).toMatchObject({ kind: 'plate', plate: 'AB12CD' });
  });

  it('accepts the multipart "Webhook with Image" form, taking the json field', async () => {
    const form = new FormData();
    form.append('json', snapshot);
    form.append('upload', new Blob([Buffer.from([0xff, 0xd8, 0xff, 0xe0])], { type: 'image/jpeg' }), 'car.jpg');
    const res = await fetch(base, { method: 'POST', body: form });
    expect(res.status).toBe(200);
    expect(reads).toMatchObject([{ plate: 'XY99ZZZ' }]);
  });

  it('accepts a vehicle-mode webhook; the plateless result is an error event once, not a silent skip', async () => {
    const errors: Error[] = [];
    input.on('error', (e) => errors.push(e));
    const res = await post(vehicleMode);
    expect(await res.json()).toEqual({ accepted: 1, duplicates: 0, skipped: 1 });
    expect(reads).toMatchObject([{ plate: 'GH34KL', confidence: 0.931 }]);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(SkippedResultError);
    expect(errors[0]!.message).toMatch(/Pickup Truck/);
    expect(await (await post(vehicleMode)).json()).toEqual({ accepted: 0, duplicates: 1, skipped: 1 });
    expect(errors).toHaveLength(1);
  });

  it('takes the token from "Authorization: Token <t>" as Plate Recognizer sends it, or from ?token=', async () => {
    const bare = base.replace('?token=s3cret', '');
    const withHeader = (auth: string) => fetch(bare, { method: 'POST', body: stream, headers: { 'content-type': 'application/json', authorization: auth } });
    expect((await withHeader('Token s3cret')).status).toBe(200);
    expect((await withHeader('Token wrong')).status).toBe(401);
    expect((await post(stream, 'application/json', bare)).status).toBe(401);
    expect((await post(snapshot)).status).toBe(200);
  });

  it('answers bad requests with 4xx and keeps serving', async () => {
    expect((await post('{"data":')).status).toBe(400);
    expect((await post('{"data":{}}')).status).toBe(400);
    expect((await post('hello', 'text/plain')).status).toBe(415);
    expect((await post(stream, 'application/json', base.replace('s3cret', 'wrong'))).status).toBe(401);
    expect((await post(stream, 'application/json', base.replace('/anpr/plate-recognizer', '/other'))).status).toBe(404);
    expect((await fetch(base)).status).toBe(405);
    expect((await post(Buffer.alloc(100 * 1024, 0x20))).status).toBe(413);
    expect((await post(stream)).status).toBe(200);
    expect(reads).toHaveLength(1);
  });
});
