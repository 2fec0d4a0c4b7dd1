// systemd integration: READY=1 / WATCHDOG=1 / STOPPING=1 through `systemd-notify --pid=<our pid>`
// (Node has no unix datagram sockets), only when NOTIFY_SOCKET is set; and the unit file `install`
// writes. Runs as an unprivileged user; logs are JSON lines on stderr, which journald keeps.
import { execFile } from 'node:child_process';
import { refuseControlCharacters } from '../../core/control-characters.js';
import { UsageError } from '../../core/errors.js';

/**
 * V8 heap limits the unit gives the daemon (as NODE_OPTIONS, so the parkctl script's shebang still
 * picks node). 2 MB young-generation semi-spaces instead of V8's 16 MB: the daemon allocates little
 * per car, and with the default the young generation grew after start-up and resident memory moved
 * by 10-20 MB with no leak (live heap after a full collection flat), which a small lane PC pays for
 * and a soak cannot tell from a leak. The old-space cap turns a real leak into a crash that systemd
 * restarts (the journal loses nothing) instead of a lane PC out of memory. `bench gate` runs under
 * the same flags so it measures what production runs.
 */
export const gateDaemonNodeFlags: readonly string[] = ['--max-semi-space-size=2', '--max-old-space-size=256'];

export class SystemdNotifier {
  constructor(private readonly notifySocket: string | null, private readonly pid: number) {}

  get enabled(): boolean {
    return this.notifySocket !== null;
  }

  /** Fire and forget; a missing systemd-notify binary is not the gate's problem. */
  notify(state: 'READY=1' | 'WATCHDOG=1' | 'STOPPING=1'): Promise<void> {
    if (!this.notifySocket) return Promise.resolve();
    return new Promise((resolve) => {
      execFile('systemd-notify', [`--pid=${this.pid}`, state], { env: { NOTIFY_SOCKET: this.notifySocket!, PATH: '/usr/bin:/bin' }, timeout: 5000 }, () => resolve());
    });
  }
}

export interface UnitOptions {
  gateId: string;
  lotCode: string;
  configPath: string;
  /** absolute path of the parkctl binary */
  execPath: string;
  user: string;
  watchdogSeconds: number;
  journalDir: string;
  /** settings without secrets to pass on (PARKCTL_HOME), when the config leaves them to the environment */
  environment: Record<string, string>;
  /** a root-only file of settings that may hold a password (DATABASE_URL): read by systemd, not in the unit */
  environmentFile?: string;
}

export function unitName(lotCode: string, gateId: string): string {
  return `parkctl-gate-${lotCode.toLowerCase()}-${gateId.toLowerCase()}.service`;
}

/** The file name of a unit's secret settings, which `install` writes with mode 600 (a unit is readable by every user). */
export function environmentFileName(lotCode: string, gateId: string): string {
  return unitName(lotCode, gateId).replace(/\.service$/, '.env');
}

/** KEY="value" lines as systemd's EnvironmentFile= reads them; a line break in a value would start another setting. */
export function renderEnvironmentFile(settings: Record<string, string>): string {
  return Object.entries(settings).map(([k, v]) => {
    refuseControlCharacters(v, k);
    return `${k}="${v.replace(/[\\"$`]/g, (c) => `\\${c}`)}"\n`;
  }).join('');
}

/** A system user name as useradd accepts it. */
const userName = /^[a-z_][a-z0-9_-]{0,31}\$?$/i;

/**
 * Every value written into the unit comes from the command line, the environment or the gate config: a
 * line break in one (a --config path with a newline) would add a directive of the caller's choosing, e.g.
 * ExecStartPre=. Control characters are refused; `%` (systemd specifiers) and `$` (variable expansion on
 * Exec lines) are escaped, so a path is used exactly as given.
 */
function checkUnitValues(o: UnitOptions): void {
  const values: [string, string][] = [
    ['--config', o.configPath], ['the parkctl path', o.execPath], ['--user', o.user], ['journalDir', o.journalDir],
    ['the lot code', o.lotCode], ['the gate id', o.gateId], ...Object.entries(o.environment),
    ...(o.environmentFile ? [['--env-dir', o.environmentFile] as [string, string]] : []),
  ];
  checkUnitInputs(values, o.user);
}

/** Refuses control characters in what a unit will hold, and a user name useradd would not take. */
export function checkUnitInputs(values: [string, string][], user: string): void {
  for (const [what, value] of values) refuseControlCharacters(value, what);
  if (!userName.test(user)) throw new UsageError(`--user "${user}" is not a user name`, { hint: 'e.g. --user parkctl', code: 'bad_user' });
}

export function renderUnit(o: UnitOptions): string {
  checkUnitValues(o);
  return renderNotifyUnit({
    description: `parkctl gate daemon ${o.lotCode}/${o.gateId}`,
    execStart: `${execArgument(o.execPath)} gate-daemon run --config ${execArgument(o.configPath)}`,
    watchdogSeconds: o.watchdogSeconds, user: o.user,
    environment: { NODE_OPTIONS: gateDaemonNodeFlags.join(' '), ...o.environment }, environmentFile: o.environmentFile,
    service: ['SupplementaryGroups=dialout'], hardening: [`ReadWritePaths=${quote(o.journalDir)}`],
  });
}

/**
 * A long-running parkctl process as systemd runs it (the gate daemon, the API, the EV central system):
 * Type=notify with a watchdog, restarted always, an unprivileged user, settings as Environment= lines and
 * secrets in an environment file, the file system read-only to it. Values are checked by the caller.
 */
export function renderNotifyUnit(o: {
  description: string;
  /** the whole ExecStart= value, each argument already through execArgument */
  execStart: string;
  watchdogSeconds: number;
  user: string;
  environment: Record<string, string>;
  environmentFile?: string | undefined;
  /** more [Service] lines, after User= */
  service?: string[];
  /** more lines after the sandboxing ones (ReadWritePaths=) */
  hardening?: string[];
}): string {
  return [
    '[Unit]',
    `Description=${o.description}`,
    'After=network-online.target',
    'Wants=network-online.target',
    '',
    '[Service]',
    'Type=notify',
    'NotifyAccess=all',
    `ExecStart=${o.execStart}`,
    'Restart=always',
    'RestartSec=1',
    `WatchdogSec=${o.watchdogSeconds}`,
    `User=${o.user}`,
    ...(o.service ?? []),
    ...Object.entries(o.environment).map(([k, v]) => `Environment=${quote(`${k}=${v}`)}`),
    ...(o.environmentFile ? [`EnvironmentFile=${quote(o.environmentFile)}`] : []),
    'StandardError=journal',
    'NoNewPrivileges=yes',
    'ProtectSystem=strict',
    'ProtectHome=yes',
    'PrivateTmp=yes',
    ...(o.hardening ?? []),
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
}

/** A value for a unit line: `%` doubled (no specifier expansion), quoted when needed. */
export function quote(s: string): string {
  const escaped = s.replace(/%/g, '%%');
  return /[\s"\\]/.test(escaped) ? `"${escaped.replace(/["\\]/g, '\\$&')}"` : escaped;
}

/** An ExecStart= argument: also `$` doubled, which systemd would otherwise expand as a variable. */
export function execArgument(s: string): string {
  return quote(s.replace(/\$/g, '$$$$'));
}
