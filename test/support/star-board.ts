// A simulated "*CMD#" lane board (the generic relay boards of issue 12 item 8), as their sellers
// describe them: "*TRIG1#" pulses the barrier relay and is never answered; "*STAT#" makes the board
// report each input's state; inputs are reported as they change: IN1ON/IN1OFF (arming loop),
// IN2ON/IN2OFF (ticket button), IN3ON/IN3OFF (the loop behind the barrier), W<hex> (Wiegand card).
// Over serial each message is framed "*...#"; over TCP 0xA6 ... 0xA9. The simulator speaks to
// anything with write() and 'data' (the far end of a pty pair, or a TCP socket).
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { FrameParser, encodeFrame } from '../../src/core/gate/frame-parser.js';
import { laneProfiles } from '../../src/core/gate/lane-profile.js';

export interface BoardEnd {
  write(data: Buffer): unknown;
  on(event: 'data', listener: (chunk: Buffer) => void): unknown;
}

export type TrigBehaviour = 'pass' | 'locked';

export class StarBoard {
  /** commands received, in order ("TRIG1", "STAT") */
  readonly received: string[] = [];
  /** what the next TRIG1 does: 'pass' (the car drives through: IN3ON, IN3OFF), 'locked' (the relay does not fire) */
  behaviours: TrigBehaviour[] = [];
  /** inputs as the board sees them */
  loop = false;
  /** ms between TRIG1 and the car having passed */
  passMs = 30;
  private readonly ends = new Set<BoardEnd>();

  constructor(private readonly framing = laneProfiles['star-serial'].framing) {}

  attach(end: BoardEnd): void {
    this.ends.add(end);
    const parser = new FrameParser(this.framing);
    end.on('data', (chunk: Buffer) => {
      for (const ev of parser.push(chunk)) if (ev.type === 'frame') this.command(ev.payload);
    });
  }

  detach(end: BoardEnd): void {
    this.ends.delete(end);
  }

  /** The board reports an input change (or a card), to every attached end. */
  send(message: string, trailer = ''): void {
    const bytes = Buffer.concat([encodeFrame(message, this.framing), Buffer.from(trailer, 'latin1')]);
    for (const end of this.ends) end.write(bytes);
  }

  setLoop(on: boolean): void {
    this.loop = on;
    this.send(on ? 'IN1ON' : 'IN1OFF');
  }

  get trigs(): number {
    return this.received.filter((c) => c === 'TRIG1').length;
  }

  private command(payload: string): void {
    this.received.push(payload);
    if (payload === 'STAT') {
      this.send(this.loop ? 'IN1ON' : 'IN1OFF');
      this.send('IN2OFF');
      this.send('IN3OFF');
    } else if (payload === 'TRIG1') {
      if ((this.behaviours.shift() ?? 'pass') === 'locked') return;
      setTimeout(() => {
        this.send('IN3ON');
        setTimeout(() => this.send('IN3OFF'), this.passMs);
      }, this.passMs);
    }
  }
}

/** The board on a TCP port (127.0.0.1, a free port), as an Ethernet board or a serial server exposes it. */
export class StarBoardServer {
  readonly board = new StarBoard(laneProfiles['star-tcp'].framing);
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  port = 0;
  connections = 0;

  async listen(port = 0): Promise<this> {
    const server = createServer((socket) => {
      this.connections++;
      this.sockets.add(socket);
      this.board.attach(socket);
      socket.on('close', () => {
        this.sockets.delete(socket);
        this.board.detach(socket);
      });
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
    return this;
  }

  /** Drops every connection (a board reboot); keeps listening. */
  dropConnections(): void {
    for (const s of this.sockets) s.destroy();
  }

  async close(): Promise<void> {
    this.dropConnections();
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
