import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FrameParser, encodeFrame, type FrameEvent, type FramingOptions } from '../src/core/gate/frame-parser.js';
import { encodeLaneCommand, parseLaneMessage } from '../src/drivers/serial/lane-protocol.js';

/** Reads a capture: the chunks one side sent, with \xNN, \r, \n unescaped. */
function captureChunks(file: string, side: '<' | '>'): Buffer[] {
  return readFileSync(new URL(`../fixtures/frames/${file}`, import.meta.url), 'utf8')
    .split('\n')
    .filter((line) => line.startsWith(`${side} `))
    .map((line) => Buffer.from(
      line.slice(2).replace(/\\x([0-9a-f]{2})|\\r|\\n/gi, (m, hex: string | undefined) => (hex ? String.fromCharCode(parseInt(hex, 16)) : m === '\\r' ? '\r' : '\n')),
      'latin1',
    ));
}

const lane: FramingOptions = { mode: 'stx-etx', checksum: 'xor-hex' };

function feedAll(parser: FrameParser, chunks: Buffer[]): FrameEvent[] {
  return chunks.flatMap((c) => parser.push(c));
}

describe('FrameParser (stx-etx, xor checksum)', () => {
  const expected = [
    { type: 'frame', payload: 'ST OPEN' },
    { type: 'frame', payload: 'LOOP A 1' },
    { type: 'frame', payload: 'BTN TICKET' },
    { type: 'error', reason: 'garbage' },
    { type: 'error', reason: 'checksum' },
    { type: 'error', reason: 'unterminated' },
    { type: 'frame', payload: 'LOOP S 1' },
    { type: 'frame', payload: 'WHAT IS THIS' },
    { type: 'frame', payload: 'LOOP A 0' },
  ];

  it('parses the capture as it was chunked on the wire', () => {
    const events = feedAll(new FrameParser(lane), captureChunks('lane-controller-capture.txt', '<'));
    expect(events).toMatchObject(expected);
  });

  it('gives the same frames whatever the chunking, down to one byte at a time', () => {
    const whole = Buffer.concat(captureChunks('lane-controller-capture.txt', '<'));
    for (const size of [1, 2, 3, 7, 64]) {
      const parser = new FrameParser(lane);
      const events: FrameEvent[] = [];
      for (let i = 0; i < whole.length; i += size) events.push(...parser.push(whole.subarray(i, i + size)));
      // garbage may be reported in several pieces when it arrives in several chunks
      const merged = events.filter((e, i) => !(e.type === 'error' && e.reason === 'garbage' && events[i - 1]?.type === 'error' && (events[i - 1] as { reason: string }).reason === 'garbage'));
      expect(merged).toMatchObject(expected);
    }
  });

  it('round-trips what encodeFrame writes, and the host side of the capture', () => {
    const frame = encodeFrame(encodeLaneCommand({ kind: 'open', pulseMs: 3000 }), lane);
    expect(frame).toEqual(captureChunks('lane-controller-capture.txt', '>')[0]);
    expect(new FrameParser(lane).push(frame)).toEqual([{ type: 'frame', payload: 'OPEN 3000' }]);
  });

  it('bounds memory: an endless frame is reported once as overflow and dropped', () => {
    const parser = new FrameParser({ ...lane, maxFrameBytes: 32 });
    const events = parser.push(Buffer.concat([Buffer.from([2]), Buffer.alloc(100, 0x41)]));
    expect(events).toMatchObject([{ type: 'error', reason: 'overflow' }]);
    expect(parser.push(encodeFrame('ST OPEN', lane))).toEqual([{ type: 'frame', payload: 'ST OPEN' }]);
  });

  it('rejects control bytes inside a frame', () => {
    expect(new FrameParser({ mode: 'stx-etx' }).push(Buffer.from('\x02ST\x07OPEN\x03', 'latin1'))).toMatchObject([{ type: 'error', reason: 'encoding' }]);
  });
});

describe('FrameParser (line mode)', () => {
  it('parses the scanner capture: CR, CRLF, split codes and junk', () => {
    const parser = new FrameParser({ mode: 'line', delimiter: '\r' });
    expect(feedAll(parser, captureChunks('scanner-capture.txt', '<'))).toMatchObject([
      { type: 'frame', payload: 'res-7f3a9c' },
      { type: 'frame', payload: 'res-0001' },
      { type: 'error', reason: 'encoding' },
      { type: 'frame', payload: 'res-0002' },
    ]);
  });
});

describe('lane protocol', () => {
  it('parses every controller message and refuses the rest', () => {
    expect(parseLaneMessage('ST FAULT')).toEqual({ kind: 'status', state: 'fault' });
    expect(parseLaneMessage('LOOP S 0')).toEqual({ kind: 'loop', loop: 'safety', on: false });
    expect(parseLaneMessage('BTN HELP')).toEqual({ kind: 'button', button: 'help' });
    expect(parseLaneMessage('NAK BUSY')).toEqual({ kind: 'nak', reason: 'BUSY' });
    for (const bad of ['', 'ST', 'ST AJAR', 'LOOP X 1', 'LOOP A 2', 'BTN PANIC', 'HELLO']) expect(parseLaneMessage(bad)).toBeNull();
  });
  it('keeps display text printable, short and free of the checksum marker', () => {
    expect(encodeLaneCommand({ kind: 'display', text: 'pay at kiosk * now é' })).toBe('DISP PAY AT KIOSK   NOW ?');
    expect(encodeLaneCommand({ kind: 'display', text: 'x'.repeat(50) }).length).toBe(5 + 32);
  });
});
