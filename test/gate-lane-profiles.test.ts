// Issue 12 item 8: the lane protocol is a profile. parkctl's own protocol is the default and
// unchanged; the generic "*CMD#" boards speak it over a pty pair (socat) and, framed 0xA6 ... 0xA9,
// over TCP. Such a board never answers TRIG1, so OPEN is confirmed by the car having passed
// (IN3ON, IN3OFF) or, where configured, by the command's write; anything less leaves the decision void.
import type { ChildProcess } from 'node:child_process';
import { SerialPort } from 'serialport';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseGateDaemonConfig } from '../src/core/gate-daemon/config.js';
import { laneCommandPayload, laneProfiles, readLaneMessage, resolveLaneProfile } from '../src/core/gate/lane-profile.js';
import type { Availability, GateInput } from '../src/core/gate/ports.js';
import { LaneController } from '../src/drivers/serial/lane-controller.js';
import { openSerialPort } from '../src/drivers/serial/serial-link.js';
import { TcpLink } from '../src/drivers/tcp/tcp-link.js';
import { hasSocat, startPtyPair } from './support/pty.js';
import { StarBoard, StarBoardServer } from './support/star-board.js';
import { waitFor } from './support/gate-daemon-helpers.js';

if (!hasSocat) console.warn('gate-lane-profiles: socat is not on PATH; skipping the pty tests (apt-get install socat)');

describe('profiles as data', () => {
  it('reads each protocol\'s own vocabulary and nothing else', () => {
    const star = laneProfiles['star-serial'];
    expect(readLaneMessage(star, 'IN1ON')).toEqual({ kind: 'loop', loop: 'arming', on: true });
    expect(readLaneMessage(star, 'IN2ON')).toEqual({ kind: 'button', button: 'ticket' });
    expect(readLaneMessage(star, 'IN3OFF')).toEqual({ kind: 'loop', loop: 'safety', on: false });
    expect(readLaneMessage(star, 'W00A1B2C3')).toEqual({ kind: 'card', code: 'card:00A1B2C3' });
    expect(readLaneMessage(star, 'WXYZ')).toBeNull();
    expect(readLaneMessage(star, 'ST OPEN')).toBeNull();
    const own = laneProfiles.parkctl;
    expect(readLaneMessage(own, 'ST  OPEN')).toEqual({ kind: 'status', state: 'open' });
    expect(readLaneMessage(own, 'NAK busy now')).toEqual({ kind: 'nak', reason: 'busy now' });
    expect(readLaneMessage(own, 'NAKED')).toBeNull();
    expect(readLaneMessage(own, 'IN1ON')).toBeNull();
    expect(laneCommandPayload(own, 'open', { pulseMs: 3000 })).toBe('OPEN 3000');
    expect(laneCommandPayload(own, 'open', {})).toBe('OPEN');
    expect(laneCommandPayload(star, 'open', { pulseMs: 3000 })).toBe('TRIG1');
    expect(laneCommandPayload(star, 'display', { text: 'hi' })).toBeNull();
  });

  it('a config naming a lane-tcp board, or a profile whose confirmation can never come, is checked once', () => {
    const base = { lot: 'L', gate: 'g1', direction: 'entry', journalDir: '/tmp/x' };
    const ok = parseGateDaemonConfig({ ...base, barrier: { driver: 'lane-tcp', host: '10.0.0.5', port: 8131 } }, 'test');
    expect(ok.barrier).toMatchObject({ driver: 'lane-tcp', port: 8131 });
    expect(() => parseGateDaemonConfig({ ...base, barrier: { driver: 'serial', path: '/dev/ttyUSB0', profile: { base: 'star-serial', confirm: 'reply' } } }, 'test'))
      .toThrow(/barrier\.profile: confirm "reply" needs a board that replies/);
    expect(() => parseGateDaemonConfig({ ...base, barrier: { driver: 'serial', path: '/dev/ttyUSB0', profile: { base: 'star-serial', confirm: { by: 'input', messages: ['IN9OFF'] } } } }, 'test'))
      .toThrow(/IN9OFF/);
    expect(() => parseGateDaemonConfig({ ...base, barrier: { driver: 'serial', path: '/dev/ttyUSB0', profile: 'nonsense' } }, 'test')).toThrow(/barrier\.profile/);
    const custom = resolveLaneProfile({ base: 'star-serial', confirm: { by: 'input', messages: ['IN1OFF'], timeoutMs: 20_000 } }, 'parkctl');
    expect(custom.confirm).toEqual({ by: 'input', messages: ['IN1OFF'], timeoutMs: 20_000 });
    expect(custom.commands.open).toBe('TRIG1');
  });
});

describe.skipIf(!hasSocat)('a *CMD# board over a socat pty pair', () => {
  let socat: ChildProcess;
  let peer: SerialPort;
  let board: StarBoard;
  const lanes: LaneController[] = [];
  let path = '';

  beforeAll(async () => {
    const pair = await startPtyPair();
    socat = pair.proc;
    path = pair.a;
    peer = await openSerialPort({ path: pair.b, baudRate: 9600 });
    board = new StarBoard();
    board.attach(peer);
  });
  afterEach(async () => {
    for (const l of lanes.splice(0)) await l.dispose();
  });
  afterAll(async () => {
    if (peer?.isOpen) await new Promise((r) => peer.close(r));
    socat?.kill('SIGTERM');
  });

  async function lane(profile = laneProfiles['star-serial']): Promise<LaneController> {
    const l = new LaneController(await openSerialPort({ path, baudRate: 9600 }), { name: 'pty', profile });
    lanes.push(l);
    return l;
  }

  it('asks for the inputs at start, reads loops, the ticket button and cards, ignores CR/LF between frames', async () => {
    board.loop = true;
    const l = await lane();
    const inputs: GateInput[] = [];
    const errors: Error[] = [];
    l.on('input', (i) => inputs.push(i)).on('error', (e) => errors.push(e));
    await waitFor(() => inputs.some((i) => i.kind === 'loop' && i.loop === 'arming'), 'the loop state asked for at start');
    expect(board.received).toContain('STAT');
    board.send('IN2ON', '\r\n');
    board.send('W1A2B3C4D', '\r\n');
    board.send('IN1OFF');
    await waitFor(() => inputs.length >= 5, 'the inputs');
    expect(inputs.map((i) => (i.kind === 'loop' ? `loop ${i.loop} ${i.on}` : i.kind === 'credential' ? i.code : i.kind === 'button' ? i.button : i.kind)))
      .toEqual(['loop arming true', 'loop safety false', 'ticket', 'card:1A2B3C4D', 'loop arming false']);
    expect(inputs[0]).toMatchObject({ source: 'serial:pty' });
    expect(errors).toEqual([]);
  });

  it('TRIG1 gets no answer: OPEN resolves once the car passed (IN3ON, IN3OFF), and rejects when it never does, whatever STAT reported', async () => {
    const l = await lane(resolveLaneProfile({ base: 'star-serial', confirm: { by: 'input', messages: ['IN3ON', 'IN3OFF'], timeoutMs: 400 } }, 'parkctl'));
    const before = board.trigs;
    board.behaviours = ['pass', 'locked'];
    await l.open(5000);
    expect(board.trigs).toBe(before + 1);
    await expect(l.open(5000)).rejects.toThrow(/no IN3ON then IN3OFF within 400 ms of OPEN/);
    expect(board.trigs).toBe(before + 2);
  });

  it('"commanded" confirms on the write alone, where a site chose that', async () => {
    const l = await lane(resolveLaneProfile({ base: 'star-serial', confirm: 'commanded' }, 'parkctl'));
    const before = board.trigs;
    board.behaviours = ['locked'];
    await l.open();
    await waitFor(() => board.trigs === before + 1, 'TRIG1 at the board');
  });
});

describe('a *CMD# board over TCP (0xA6 ... 0xA9)', () => {
  let sim: StarBoardServer;
  const opened: Array<{ lane: LaneController; link: TcpLink }> = [];

  beforeAll(async () => {
    sim = await new StarBoardServer().listen();
  });
  afterEach(async () => {
    for (const o of opened.splice(0)) {
      await o.lane.dispose();
      o.link.close();
    }
  });
  afterAll(async () => {
    await sim?.close();
  });

  async function connect(): Promise<{ lane: LaneController; link: TcpLink; availability: Availability[]; inputs: GateInput[] }> {
    const link = await new TcpLink({ host: '127.0.0.1', port: sim.port, reconnectMs: 50 }).open();
    const lane = new LaneController(link, { name: 'eth', transport: 'tcp', profile: resolveLaneProfile({ base: 'star-tcp', confirm: { by: 'input', messages: ['IN3ON', 'IN3OFF'], timeoutMs: 400 } }, 'parkctl') });
    opened.push({ lane, link });
    const availability: Availability[] = [];
    const inputs: GateInput[] = [];
    lane.on('availability', (a) => availability.push(a)).on('input', (i) => inputs.push(i));
    return { lane, link, availability, inputs };
  }

  it('opens with TRIG1 confirmed by IN3OFF, voids a locked barrier, and survives a dropped connection', async () => {
    const { lane, availability, inputs } = await connect();
    sim.board.behaviours = ['pass', 'locked'];
    await lane.open(5000);
    await expect(lane.open(5000)).rejects.toThrow(/not confirmed/);
    expect(sim.board.trigs).toBe(2);
    expect(inputs.some((i) => i.kind === 'loop' && i.loop === 'safety' && !i.on && i.source === 'tcp:eth')).toBe(true);

    // The board reboots: the link goes offline, re-dials, asks for the loops again, and opens again.
    const stats = sim.board.received.filter((c) => c === 'STAT').length;
    sim.dropConnections();
    await waitFor(() => availability.includes('offline'), 'offline');
    await waitFor(() => sim.board.received.filter((c) => c === 'STAT').length > stats, 'STAT after the reconnection');
    await waitFor(() => availability.at(-1) === 'online', 'online again');
    sim.board.behaviours = ['pass'];
    await lane.open(5000);
    expect(sim.board.trigs).toBe(3);
  });

  it('an OPEN while the connection is down fails at once (the decision is void), not after the confirmation timeout', async () => {
    const { lane, link } = await connect();
    await sim.close();
    await waitFor(() => !link.isOpen, 'the connection lost');
    const t0 = Date.now();
    await expect(lane.open(5000)).rejects.toThrow(/connection is not open/);
    expect(Date.now() - t0).toBeLessThan(300);
    sim = await new StarBoardServer().listen(sim.port);
    await waitFor(() => link.isOpen, 'reconnected', 5000);
    await lane.open(5000);
  });
});
