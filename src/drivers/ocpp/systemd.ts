// The systemd unit of `parkctl ev serve` (the OCPP central system), like the API's (../api-systemd.ts):
// Type=notify with a watchdog, an unprivileged user, secrets in a root-only environment file.
import { checkUnitInputs, execArgument, renderNotifyUnit } from '../gate-runtime/systemd.js';

export const evUnitName = 'parkctl-ev.service';
export const evEnvironmentFileName = 'parkctl-ev.env';

export interface EvUnitOptions {
  execPath: string;
  user: string;
  listen: string;
  control: string;
  watchdogSeconds: number;
  environment: Record<string, string>;
  environmentFile?: string | undefined;
  serveArgs: string[];
}

export function renderEvUnit(o: EvUnitOptions): string {
  checkUnitInputs([
    ['the parkctl path', o.execPath], ['--listen', o.listen], ['--control', o.control], ...o.serveArgs.map((a): [string, string] => ['an ev serve flag', a]),
    ...Object.entries(o.environment), ...(o.environmentFile ? [['--env-dir', o.environmentFile] as [string, string]] : []),
  ], o.user);
  return renderNotifyUnit({
    description: 'parkctl EV charging: OCPP 1.6J central system',
    execStart: [execArgument(o.execPath), 'ev', 'serve', '--listen', execArgument(o.listen), '--control', execArgument(o.control),
      '--watchdog-seconds', String(o.watchdogSeconds), ...o.serveArgs.map(execArgument)].join(' '),
    watchdogSeconds: o.watchdogSeconds, user: o.user, environment: o.environment, environmentFile: o.environmentFile,
  });
}
