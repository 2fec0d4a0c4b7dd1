// The slice of a serialport stream the drivers use. serialport's SerialPort and SerialPortMock
// both fit, so tests run the same driver code over MockBinding, a pty pair or a real /dev/tty*.

import { SerialPort } from 'serialport';
import { ExternalError } from '../../core/errors.js';

// Node's stream typings take `(...args: any[]) => void`; nothing narrower is assignable both ways.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type LinkListener = (...args: any[]) => void;

export interface SerialLink {
  readonly isOpen: boolean;
  write(chunk: Buffer, cb?: (error: Error | null | undefined) => void): boolean;
  /** 'data' gives a Buffer, 'error' an Error, 'close' and 'open' nothing (one signature so stream overloads fit) */
  on(event: 'data' | 'error' | 'close' | 'open', listener: LinkListener): unknown;
  off(event: 'data' | 'error' | 'close' | 'open', listener: LinkListener): unknown;
  close(callback?: (err: Error | null) => void): void;
}

export interface SerialOpenOptions {
  /** "/dev/ttyUSB0" */
  path: string;
  baudRate: number;
}

/** Opens a real port; rejects with an ExternalError naming the device. */
export function openSerialPort(opts: SerialOpenOptions): Promise<SerialPort> {
  return new Promise((resolve, reject) => {
    const port = new SerialPort({ path: opts.path, baudRate: opts.baudRate, autoOpen: false });
    port.open((err) => {
      if (err) {
        reject(new ExternalError(`serial ${opts.path}`, `cannot open ${opts.path}: ${err.message}`, {
          hint: 'check the cable, the path and that this user may open it (group dialout)',
          cause: err,
        }));
      } else resolve(port);
    });
  });
}

/** Writes and waits until the port took the bytes. */
export function writeLink(link: SerialLink, data: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    link.write(data, (err) => (err ? reject(err) : resolve()));
  });
}

/** Closes a link, ignoring "not open". */
export function closeLink(link: SerialLink): Promise<void> {
  return new Promise((resolve) => {
    if (!link.isOpen) return resolve();
    link.close(() => resolve());
  });
}
