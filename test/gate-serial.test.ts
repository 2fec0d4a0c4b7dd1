import { SerialPortMock } from 'serialport';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

/** serialport bundles its own binding-mock: use the one SerialPortMock opens through. */
const MockBinding = SerialPortMock.binding;
import { ExternalError } from '../src/core/errors.js';
import { encodeFrame } from '../src/core/gate/frame-parser.js';
import type { BarrierState, GateInput } from '../src/core/gate/ports.js';
import { fixedClock } from '../src/core/ports.js';
import { LaneController, defaultLaneFraming } from '../src/drivers/serial/lane-controller.js';
import { SerialScanner } from '../src/drivers/serial/scanner.js';

const at = new Date('2025-06-02T09:00:00Z');
const frame = (payload: string) => encodeFrame(payload, defaultLaneFraming);

async function openMockPort(path: string): Promise<SerialPortMock> {
  MockBinding.createPort(path, { echo: false, record: true });
  const port = new SerialPortMock({ path, baudRate: 9600 });
  await new Promise<void>((resolve, reject) => port.on('open', resolve).on('error', reject));
  return port;
}

/** Waits (bounded) until the mock port saw a write, and returns it. */
async function nextWrite(port: SerialPortMock): Promise<string> {
  for (let i = 0; i < 200; i++) {
    const w = port.port?.lastWrite;
    if (w) {
      port.port!.lastWrite = null;
      return w.toString('latin1');
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error('no write within 1 s');
}

describe('LaneController over MockBinding', () => {
  let port: SerialPortMock;
  let lane: LaneController;
  let errors: Error[];

  beforeEach(async () => {
    port = await openMockPort('/dev/LANE1');
    lane = new LaneController(port, { name: 'lane1', replyTimeoutMs: 300, clock: fixedClock(at) });
    errors = [];
    lane.on('error', (e) => errors.push(e));
  });
  afterEach(async () => {
    await lane.dispose();
    MockBinding.reset();
  });

  it('open sends a framed OPEN with the pulse and resolves on the status reply', async () => {
    const states: BarrierState[] = [];
    lane.on('state', (s) => states.push(s));
    const opening = lane.open(3000);
    expect(await nextWrite(port)).toBe('\x02OPEN 3000*37\x03');
    port.port!.emitData(frame('ST OPEN'));
    await opening;
    expect(states).toEqual(['open']);
    expect(lane.state).toBe('open');
  });

  it('status reads the state back; display sends sanitised text', async () => {
    const asking = lane.status();
    expect(await nextWrite(port)).toContain('STATUS');
    port.port!.emitData(frame('ST CLOSED'));
    expect(await asking).toBe('closed');
    const showing = lane.display('welcome b2-017');
    expect(await nextWrite(port)).toContain('DISP WELCOME B2-017');
    port.port!.emitData(frame('ST CLOSED'));
    await showing;
  });

  it('a controller that does not answer is an ExternalError within the timeout, and goes offline', async () => {
    const availability: string[] = [];
    lane.on('availability', (a) => availability.push(a));
    await expect(lane.open()).rejects.toBeInstanceOf(ExternalError);
    expect(availability).toEqual(['offline']);
    // status() never throws: it falls back to the last known state
    expect(await lane.status()).toBe('unknown');
  });

  it('NAK rejects the command; FAULT after OPEN rejects too', async () => {
    const refused = lane.open();
    await nextWrite(port);
    port.port!.emitData(frame('NAK SAFETY LOOP'));
    await expect(refused).rejects.toThrow(/SAFETY LOOP/);
    const faulty = lane.open();
    await nextWrite(port);
    port.port!.emitData(frame('ST FAULT'));
    await expect(faulty).rejects.toThrow(/FAULT/);
  });

  it('turns loops and buttons into typed inputs, in chunks, and reports garbage without stopping', async () => {
    const inputs: GateInput[] = [];
    lane.on('input', (i) => inputs.push(i));
    const wire = Buffer.concat([Buffer.from('\xff\x00noise', 'latin1'), frame('LOOP A 1'), frame('BTN HELP'), Buffer.from('\x02ST OPEN*00\x03'), frame('LOOP A 0')]);
    for (let i = 0; i < wire.length; i += 3) port.port!.emitData(wire.subarray(i, i + 3));
    await new Promise((r) => setTimeout(r, 50));
    expect(inputs).toEqual([
      { kind: 'loop', loop: 'arming', on: true, source: 'serial:lane1', at },
      { kind: 'button', button: 'help', source: 'serial:lane1', at },
      { kind: 'loop', loop: 'arming', on: false, source: 'serial:lane1', at },
    ]);
    expect(errors.map((e) => e.message)).toEqual([expect.stringMatching(/garbage/), expect.stringMatching(/checksum/)]);
  });

  it('commands queue: the second waits for the first answer', async () => {
    const first = lane.open(1000);
    const second = lane.status();
    expect(await nextWrite(port)).toContain('OPEN 1000');
    port.port!.emitData(frame('ST OPEN'));
    await first;
    expect(await nextWrite(port)).toContain('STATUS');
    port.port!.emitData(frame('ST CLOSED'));
    expect(await second).toBe('closed');
  });
});

describe('SerialScanner over MockBinding', () => {
  afterEach(() => MockBinding.reset());

  it('emits one credential per line, split across chunks, and reports junk lines', async () => {
    const port = await openMockPort('/dev/SCAN1');
    const scanner = new SerialScanner(port, { name: 'entry', clock: fixedClock(at) });
    const codes: string[] = [];
    const errors: Error[] = [];
    scanner.on('input', (i) => i.kind === 'credential' && codes.push(i.code));
    scanner.on('error', (e) => errors.push(e));
    for (const chunk of ['res-7f', '3a9c\r', 'res-0001\r\n', '\x1b[junk\r', 'res-0002\r']) port.port!.emitData(Buffer.from(chunk, 'latin1'));
    await new Promise((r) => setTimeout(r, 50));
    expect(codes).toEqual(['res-7f3a9c', 'res-0001', 'res-0002']);
    expect(errors).toHaveLength(1);
    await scanner.dispose();
    expect(port.isOpen).toBe(false);
  });
});
