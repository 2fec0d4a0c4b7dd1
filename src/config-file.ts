// The config file (issue 13): named profiles for several sites, in ~/.config/parkctl/config.yaml (or
// $XDG_CONFIG_HOME, or PARKCTL_CONFIG) over /etc/parkctl/config.yaml. The environment overrides both.
// config.ts reads what this returns as if it were environment variables, so each setting is read and
// checked in one place.
//
//   current: airport            # the profile used (parkctl config use airport; PARKCTL_PROFILE overrides)
//   profiles:
//     default:
//       database_url: postgres://parkctl@localhost/parkctl
//     airport:
//       database_url: postgres://parkctl@airport-db/parkctl
//       redis_url: redis://airport-cache:6379
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from './core/errors.js';

type Env = Record<string, string | undefined>;

/** Settings a profile may hold, and the environment variable each stands for. */
export const configKeys = {
  database_url: 'DATABASE_URL',
  home: 'PARKCTL_HOME',
  actor: 'PARKCTL_ACTOR',
  redis_url: 'REDIS_URL',
  mqtt_url: 'MQTT_URL',
  stripe_secret_key: 'STRIPE_SECRET_KEY',
  stripe_api_base: 'STRIPE_API_BASE',
  stripe_webhook_secret: 'STRIPE_WEBHOOK_SECRET',
  payment_success_url: 'PARKCTL_PAYMENT_SUCCESS_URL',
  payment_cancel_url: 'PARKCTL_PAYMENT_CANCEL_URL',
} as const;

export type ConfigKey = keyof typeof configKeys;

export interface ConfigFileData {
  current?: string;
  profiles: Record<string, Partial<Record<ConfigKey, string>>>;
}

/** The user's file (the one config set and config use write). */
export function userConfigPath(env: Env): string {
  if (env.PARKCTL_CONFIG) return env.PARKCTL_CONFIG;
  const base = env.XDG_CONFIG_HOME && env.XDG_CONFIG_HOME.trim() !== '' ? env.XDG_CONFIG_HOME : join(env.HOME || homedir(), '.config');
  return join(base, 'parkctl', 'config.yaml');
}

export const systemConfigPath = '/etc/parkctl/config.yaml';

/** The yaml package only when a file exists: most runs have none and should not pay for loading it. */
function parseYaml(text: string): unknown {
  const yaml = createRequire(import.meta.url)('yaml') as { parse: (t: string) => unknown };
  return yaml.parse(text);
}

function bad(path: string, why: string): UsageError {
  return new UsageError(`config file ${path}: ${why}`, { hint: 'see parkctl config --help for its shape, or move it aside', code: 'bad_config_file' });
}

/** A config file's content, checked; null when there is no such file. */
export function readConfigFile(path: string): ConfigFileData | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return null;
    throw bad(path, `cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  let data: unknown;
  try {
    data = parseYaml(text) ?? {};
  } catch (err) {
    throw bad(path, `not valid YAML: ${String((err as Error).message).split('\n')[0]}`);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw bad(path, 'not a mapping');
  const { current, profiles = {}, ...rest } = data as Record<string, unknown>;
  const extra = Object.keys(rest)[0];
  if (extra !== undefined) throw bad(path, `unknown key "${extra}" (only current and profiles)`);
  if (current !== undefined && typeof current !== 'string') throw bad(path, 'current is not a profile name');
  if (typeof profiles !== 'object' || profiles === null || Array.isArray(profiles)) throw bad(path, 'profiles is not a mapping');
  for (const [name, settings] of Object.entries(profiles as Record<string, unknown>)) {
    if (typeof settings !== 'object' || settings === null || Array.isArray(settings)) throw bad(path, `profile "${name}" is not a mapping`);
    for (const [k, v] of Object.entries(settings as Record<string, unknown>)) {
      if (!(k in configKeys)) throw bad(path, `profile "${name}" has unknown setting "${k}" (known: ${Object.keys(configKeys).join(', ')})`);
      if (typeof v !== 'string') throw bad(path, `profile "${name}": ${k} is not a string`);
    }
  }
  return { ...(current ? { current } : {}), profiles: profiles as ConfigFileData['profiles'] };
}

export interface Profile {
  name: string;
  /** setting -> value and the file it came from */
  settings: Partial<Record<ConfigKey, { value: string; source: string }>>;
}

/** The profile in force: PARKCTL_PROFILE, else the user file's current, else the system file's, else "default". */
export function activeProfile(env: Env, paths = { user: userConfigPath(env), system: systemConfigPath }): Profile {
  const files = [[paths.system, readConfigFile(paths.system)], [paths.user, readConfigFile(paths.user)]] as const;
  const name = (env.PARKCTL_PROFILE && env.PARKCTL_PROFILE.trim()) || files[1][1]?.current || files[0][1]?.current || 'default';
  const settings: Profile['settings'] = {};
  for (const [path, data] of files) {
    for (const [k, v] of Object.entries(data?.profiles[name] ?? {})) settings[k as ConfigKey] = { value: v as string, source: path };
  }
  const named = files.some(([, d]) => d && name in d.profiles);
  if (!named && env.PARKCTL_PROFILE && files.some(([, d]) => d)) {
    throw new UsageError(`no profile "${name}" in ${files.filter(([, d]) => d).map(([p]) => p).join(' or ')}`, { hint: 'see them with: parkctl config get --all', code: 'unknown_profile' });
  }
  return { name, settings };
}

/** The environment with the profile's settings under it: a variable that is set wins over the file. */
export function withConfigFile(env: Env): Env {
  const profile = activeProfile(env);
  const fromFile: Env = {};
  for (const [k, s] of Object.entries(profile.settings)) fromFile[configKeys[k as ConfigKey]] = s.value;
  const merged: Env = { ...fromFile };
  for (const [k, v] of Object.entries(env)) if (v !== undefined && v !== '') merged[k] = v;
  return merged;
}
