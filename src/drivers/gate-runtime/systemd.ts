// systemd integration: READY=1 / WATCHDOG=1 / STOPPING=1 through `systemd-notify --pid=<our pid>`
// (Node has no unix datagram sockets), only when NOTIFY_SOCKET is set; and the unit file `install`
// writes. Runs as an unprivileged user; logs are JSON lines on stderr, which journald keeps.
import { execFile } from 'node:child_process';

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
  /** DATABASE_URL / MQTT_URL to pass on, when the config leaves them to the environment */
  environment: Record<string, string>;
}

export function unitName(lotCode: string, gateId: string): string {
  return `parkctl-gate-${lotCode.toLowerCase()}-${gateId.toLowerCase()}.service`;
}

export function renderUnit(o: UnitOptions): string {
  const env = Object.entries(o.environment).map(([k, v]) => `Environment=${quote(`${k}=${v}`)}`);
  return [
    '[Unit]',
    `Description=parkctl gate daemon ${o.lotCode}/${o.gateId}`,
    'After=network-online.target',
    'Wants=network-online.target',
    '',
    '[Service]',
    'Type=notify',
    'NotifyAccess=all',
    `ExecStart=${quote(o.execPath)} gate-daemon run --config ${quote(o.configPath)}`,
    'Restart=always',
    'RestartSec=1',
    `WatchdogSec=${o.watchdogSeconds}`,
    `User=${o.user}`,
    'SupplementaryGroups=dialout',
    ...env,
    'StandardError=journal',
    'NoNewPrivileges=yes',
    'ProtectSystem=strict',
    'ProtectHome=yes',
    'PrivateTmp=yes',
    `ReadWritePaths=${quote(o.journalDir)}`,
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
}

function quote(s: string): string {
  return /[\s"\\]/.test(s) ? `"${s.replace(/["\\]/g, '\\$&')}"` : s;
}
