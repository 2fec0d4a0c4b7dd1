// The systemd unit of `parkctl ev serve` (the OCPP central system), like the API's (../api-systemd.ts):
// Type=notify with a watchdog, an unprivileged user, secrets in a root-only environment file.
import { checkUnitInputs, execArgument, quote } from '../gate-runtime/systemd.js';

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
  return [
    '[Unit]',
    'Description=parkctl EV charging: OCPP 1.6J central system',
    'After=network-online.target',
    'Wants=network-online.target',
    '',
    '[Service]',
    'Type=notify',
    'NotifyAccess=all',
    `ExecStart=${[execArgument(o.execPath), 'ev', 'serve', '--listen', execArgument(o.listen), '--control', execArgument(o.control),
      '--watchdog-seconds', String(o.watchdogSeconds), ...o.serveArgs.map(execArgument)].join(' ')}`,
    'Restart=always',
    'RestartSec=1',
    `WatchdogSec=${o.watchdogSeconds}`,
    `User=${o.user}`,
    ...Object.entries(o.environment).map(([k, v]) => `Environment=${quote(`${k}=${v}`)}`),
    ...(o.environmentFile ? [`EnvironmentFile=${quote(o.environmentFile)}`] : []),
    'StandardError=journal',
    'NoNewPrivileges=yes',
    'ProtectSystem=strict',
    'ProtectHome=yes',
    'PrivateTmp=yes',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
}
