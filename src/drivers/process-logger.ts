// The logger of a command's own run (-v, and warnings): pino, read by people on a terminal as one short
// line each ("12:01:03 WARN  redis: circuit open  failures=3"), JSON lines anywhere else (journald, files,
// pipes). Daemons keep stderr-logger.ts's JSON lines. pino takes 50-100 ms to load on a busy 2-core box,
// so it is loaded at the first line actually written: a command that logs nothing never pays for it.
import { createRequire } from 'node:module';
import { escapeControlCharacters } from '../core/control-characters.js';
import type { Logger } from '../core/ports.js';

const require = createRequire(import.meta.url);
type Level = 'info' | 'warn' | 'error';
const rank: Record<Level, number> = { info: 0, warn: 1, error: 2 };

export interface ProcessLoggerOptions {
  /** lines for people (stderr is a terminal); else JSON lines */
  human: boolean;
  /** colour the level of a human line (a terminal, NO_COLOR unset) */
  colour?: boolean;
  write?: (line: string) => void;
}

const levelColour: Record<string, string> = { warn: '\u001b[33m', error: '\u001b[31m' };

function fieldText(v: unknown): string {
  const s = typeof v === 'string' ? v : JSON.stringify(v) ?? String(v);
  return /[\s"=]/.test(s) ? JSON.stringify(s) : s;
}

/** One pino JSON record as a line for a person: local time of day, level, message, then key=value. */
export function humanLine(record: Record<string, unknown>, colour = false): string {
  const { time, level, msg, ...fields } = record;
  const at = typeof time === 'string' || typeof time === 'number' ? new Date(time) : new Date();
  const clock = Number.isNaN(at.getTime()) ? '--:--:--' : at.toTimeString().slice(0, 8);
  const name = String(level ?? 'info');
  const label = name.toUpperCase().padEnd(5);
  const shown = colour && levelColour[name] ? `${levelColour[name]}${label}\u001b[39m` : label;
  const rest = Object.entries(fields).map(([k, v]) => `${k}=${fieldText(v)}`).join(' ');
  // what was logged may quote input (a plate, a URL): escaped; only the level's colour is ours
  return `${clock} ${shown} ${escapeControlCharacters(`${String(msg ?? '')}${rest ? `  ${rest}` : ''}`)}\n`;
}

export function processLogger(min: Level, opts: ProcessLoggerOptions): Logger {
  const write = opts.write ?? ((line: string) => void process.stderr.write(line));
  let logger: import('pino').Logger | null = null;
  const pinoLogger = () => {
    if (logger) return logger;
    const { pino } = require('pino') as typeof import('pino');
    const destination = {
      write: (line: string) => {
        if (!opts.human) return write(line);
        try {
          write(humanLine(JSON.parse(line) as Record<string, unknown>, opts.colour));
        } catch {
          write(line);
        }
      },
    };
    logger = pino({ level: min, base: undefined, timestamp: pino.stdTimeFunctions.isoTime, formatters: { level: (label) => ({ level: label }) } }, destination);
    return logger;
  };
  const emit = (level: Level) => (msg: string, fields?: Record<string, unknown>) => {
    if (rank[level] < rank[min]) return;
    pinoLogger()[level](fields ?? {}, msg);
  };
  return { info: emit('info'), warn: emit('warn'), error: emit('error') };
}
