import type { Logger } from '../core/ports.js';

const levels = { info: 0, warn: 1, error: 2 } as const;

/** JSON lines on stderr (journald reads them); never on stdout, never into an Ink screen. */
export function stderrLogger(min: keyof typeof levels = 'info', write: (line: string) => void = (l) => process.stderr.write(l)): Logger {
  const emit = (level: keyof typeof levels) => (msg: string, fields?: Record<string, unknown>) => {
    if (levels[level] < levels[min]) return;
    write(JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields }) + '\n');
  };
  return { info: emit('info'), warn: emit('warn'), error: emit('error') };
}
