// The systemd unit of `parkctl api serve`: a template, parkctl-api@PORT.service, so several API
// processes serve one database side by side (parkctl-api@8080, parkctl-api@8081 behind a proxy).
// Like the gate daemon's (gate-runtime/systemd.ts, whose environment-file writer and notifier it
// reuses): Type=notify with a watchdog, its own unprivileged user, secrets in a mode-600 file.
import { checkUnitInputs, execArgument, renderNotifyUnit } from './gate-runtime/systemd.js';

export { SystemdNotifier, renderEnvironmentFile } from './gate-runtime/systemd.js';

export const apiUnitName = 'parkctl-api@.service';
export const apiEnvironmentFileName = 'parkctl-api.env';

export interface ApiUnitOptions {
  /** absolute path of the parkctl binary */
  execPath: string;
  user: string;
  /** the address each instance listens on; %i in it is the instance (the port) */
  host: string;
  watchdogSeconds: number;
  /** settings without secrets (PARKCTL_HOME) */
  environment: Record<string, string>;
  /** the root-only file with DATABASE_URL, REDIS_URL, Stripe keys */
  environmentFile?: string;
  /** extra `api serve` flags (--trust-proxy, --rate-limit) */
  serveArgs: string[];
}

export function renderApiUnit(o: ApiUnitOptions): string {
  // the same guards as the gate's unit: no control character can add a directive, `%` and `$` stay literal
  checkUnitInputs([
    ['the parkctl path', o.execPath], ['--host', o.host], ...o.serveArgs.map((a): [string, string] => ['an api serve flag', a]),
    ...Object.entries(o.environment), ...(o.environmentFile ? [['--env-dir', o.environmentFile] as [string, string]] : []),
  ], o.user);
  const host = o.host.includes(':') ? `[${o.host}]` : o.host;
  return renderNotifyUnit({
    description: 'parkctl HTTP API on port %i',
    execStart: [execArgument(o.execPath), 'api', 'serve', '--listen', `${host}:%i`, '--watchdog-seconds', String(o.watchdogSeconds), ...o.serveArgs.map(execArgument)].join(' '),
    watchdogSeconds: o.watchdogSeconds, user: o.user, environment: o.environment, environmentFile: o.environmentFile,
  });
}
