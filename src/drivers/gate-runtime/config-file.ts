// Reads a gate daemon config file (YAML, or JSON, which YAML reads too) and validates it once.
import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { UsageError, describeReadError } from '../../core/errors.js';
import { parseGateDaemonConfig, type GateDaemonConfig } from '../../core/gate-daemon/config.js';

export interface ConfigDefaults {
  /** MQTT_URL, used when the file names no mqttUrl */
  mqttUrl: string | null;
}

export async function loadGateConfigFile(path: string, defaults: ConfigDefaults): Promise<GateDaemonConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${path}: ${describeReadError(err)}`, { hint: 'pass --config with a gate config file (see fixtures/gates/)', code: 'bad_config' });
  }
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (err) {
    throw new UsageError(`${path}: not valid YAML or JSON: ${(err as Error).message.split('\n')[0]}`, { code: 'bad_config' });
  }
  if (raw && typeof raw === 'object' && !Array.isArray(raw) && defaults.mqttUrl && !('mqttUrl' in raw)) {
    raw = { ...raw, mqttUrl: defaults.mqttUrl };
  }
  return parseGateDaemonConfig(raw, path);
}
