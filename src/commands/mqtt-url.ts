// The MQTT broker a command talks to: --mqtt-url, else MQTT_URL; checked before anything connects, so a typo
// is bad input (exit 2 with a hint), not an unreachable service (exit 69).
import { UsageError } from '../core/errors.js';
import { redactUrl } from './redact.js';

/** The schemes MQTT.js connects with. */
const schemes = new Set(['mqtt:', 'mqtts:', 'tcp:', 'tls:', 'ssl:', 'ws:', 'wss:']);

/** When the broker cannot be reached (exit 69): where to look. */
export const brokerHint = 'is the broker running? check --mqtt-url (or MQTT_URL)';

export function mqttUrlOption(given: string | undefined, fromEnv: string | null, purpose: string): string {
  const url = given ?? fromEnv;
  if (!url) throw new UsageError(`no MQTT broker to ${purpose}`, { hint: 'set MQTT_URL or give --mqtt-url mqtt://127.0.0.1:1883' });
  const source = given === undefined ? 'MQTT_URL' : '--mqtt-url';
  let parsed: URL | null = null;
  try {
    parsed = new URL(url);
  } catch {
    parsed = null;
  }
  if (!parsed || !schemes.has(parsed.protocol) || !parsed.hostname) {
    throw new UsageError(`${source} "${redactUrl(url).slice(0, 80)}" is not a broker URL`, { hint: 'e.g. mqtt://127.0.0.1:1883 (also mqtts://, ws://, wss://)', code: 'bad_mqtt_url' });
  }
  return url;
}
