// End to end over a real pseudo-terminal pair: the driver opens one end with the real serialport
// binding, a scripted lane controller answers on the other. Needs socat (CI installs it).

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { SerialPort } from 'serialport';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FrameParser, encodeFrame } from '../src/core/gate/frame-parser.js';
import type { GateInput } from '../src/core/gate/ports.js';
import { LaneController, defaultLaneFraming } from '../src/drivers/serial/lane-controller.js';
import { openSerialPort } from '../src/drivers/serial/serial-link.js';

const hasSocat = spawnSync('socat', ['-V'], { stdio: 'ignore' }).status === 0;
if (!hasSocat) console.warn('gate-serial-pty: socat is not on PATH; skipping the pty end-to-end test (apt-get install socat)');

/** Starts socat and resolves with the two pty paths it printed. */
function startPtyPair(): Promise<{ proc: ChildProcess; a: string; b: string }> {
  return new Promise((resolve, reject) => {
    const proc = spawn('socat', ['-d', '-d', 'pty,raw,echo=0', 'pty,raw,echo=0'], { stdio: ['ignore', 'ignore', 'pipe'] });
    const paths: string[] = [];
    let text = '';
    const timer = setTimeout(() => reject(new Error(`socat printed no pty paths: ${text}`)), 5000);
    proc.stderr!.on('data', (d: Buffer) => {
      text += d.toString();
      for (const m of text.matchAll(/PTY is (\S+)/g)) if (m[1] && !paths.includes(m[1])) paths.push(m[1]);
      if (paths.length === 2) {
        clearTimeout(timer);
        resolve({ proc, a: paths[0]!, b: paths[1]! });
      }
    });
    proc.on('error', reject);
  });
}

/** The far end: answers OPEN/STATUS/DISP with its state, and lets the test drive the loops. */
function scriptedController(port: SerialPort): { received: string[]; send(payload: string): void } {
  const parser = new FrameParser(defaultLaneFraming);
  const received: string[] = [];
  let state = 'CLOSED';
  const send = (payload: string) => void port.write(encodeFrame(payload, defaultLaneFraming));
  port.on('data', (chunk: Buffer) => {
    for (const ev of parser.push(chunk)) {
      if (ev.type !== 'frame') continue;
      received.push(ev.payload);
      if (ev.payload.startsWith('OPEN')) state = 'OPEN';
      if (ev.payload === 'CLOSE') state = 'CLOSED';
      send(`ST ${state}`);
    }
  });
  return { received, send };
}

describe.skipIf(!hasSocat)('LaneController over a socat pty pair', () => {
  let socat: ChildProcess;
  let peer: SerialPort;
  let lane: LaneController;
  let controller: ReturnType<typeof scriptedController>;

  beforeAll(async () => {
    const pair = await startPtyPair();
    socat = pair.proc;
    peer = await openSerialPort({ path: pair.b, baudRate: 9600 });
    controller = scriptedController(peer);
    lane = new LaneController(await openSerialPort({ path: pair.a, baudRate: 9600 }), { name: 'pty', replyTimeoutMs: 2000 });
  });

  afterAll(async () => {
    await lane?.dispose();
    if (peer?.isOpen) await new Promise((r) => peer.close(r));
    socat?.kill('SIGTERM');
  });

  it('opens, reads status back, shows text and delivers loop inputs', async () => {
    await lane.open(4000);
    expect(lane.state).toBe('open');
    expect(await lane.status()).toBe('open');
    await lane.display('Welcome');
    await lane.close();
    expect(lane.state).toBe('closed');
    expect(controller.received).toEqual(['OPEN 4000', 'STATUS', 'DISP WELCOME', 'CLOSE']);

    const input = new Promise<GateInput>((resolve) => lane.on('input', resolve));
    controller.send('LOOP A 1');
    expect(await input).toMatchObject({ kind: 'loop', loop: 'arming', on: true, source: 'serial:pty' });
  });
});
