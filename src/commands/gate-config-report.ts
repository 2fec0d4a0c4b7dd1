// What `gate-daemon check-config` shows: the config as the daemon will use it, with its secrets
// redacted (the ANPR tokens, the Hikvision barrier's password, passwords in database and MQTT URLs), also under --json, and warnings
// for set-ups that work but are unsafe (a webhook listening beyond loopback without a token).
import type { GateDaemonConfig } from '../core/gate-daemon/config.js';
import { redacted, redactUrl } from './redact.js';

/** 127.0.0.0/8, ::1 and localhost: only this machine can reach a listener there. */
export function isLoopbackListen(listen: string): boolean {
  const host = listen.replace(/:\d+$/, '').replace(/^\[|\]$/g, '').toLowerCase();
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

export function gateConfigWarnings(c: GateDaemonConfig): string[] {
  const warnings: string[] = [];
  const anpr = c.inputs.anpr;
  const hik = c.inputs.hikvision;
  if (hik && !hik.token && !isLoopbackListen(hik.listen)) {
    warnings.push(`the Hikvision ANPR listener listens on ${hik.listen}, beyond this machine, without a token: anyone who reaches it can post plates to this gate; add inputs.hikvision.token (8+ characters, in the camera's URL as ?token=) or listen on 127.0.0.1`);
  }
  if (anpr && !anpr.token && !isLoopbackListen(anpr.listen)) {
    warnings.push(`the ANPR webhook listens on ${anpr.listen}, beyond this machine, without a token: anyone who reaches it can post plates to this gate; add inputs.anpr.token (8+ characters) or listen on 127.0.0.1`);
  }
  return warnings;
}

/** The config with secrets redacted, the database it will use, and warnings. */
export function gateConfigReport(c: GateDaemonConfig, database: string) {
  const anpr = c.inputs.anpr ? { ...c.inputs.anpr, ...(c.inputs.anpr.token ? { token: redacted } : {}) } : undefined;
  const hik = c.inputs.hikvision?.token ? { ...c.inputs.hikvision, token: redacted } : undefined;
  const barrier = c.barrier.driver === 'hikvision' ? { ...c.barrier, password: redacted } : c.barrier;
  return {
    ...c,
    barrier,
    databaseUrl: redactUrl(database),
    ...(c.mqttUrl ? { mqttUrl: redactUrl(c.mqttUrl) } : {}),
    inputs: { ...c.inputs, ...(anpr ? { anpr } : {}), ...(hik ? { hikvision: hik } : {}) },
    warnings: gateConfigWarnings(c),
  };
}
