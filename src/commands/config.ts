// `parkctl config get|set|use`: the profiles of the config file (src/config-file.ts). get shows what is
// in force and where each value comes from (the environment wins over the file); set and use write the
// user's file, readable by its owner only (it may hold a database password).
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Command } from 'commander';
import { stringify } from 'yaml';
import { configKeys, readConfigFile, type ConfigFileData, type ConfigKey } from '../config-file.js';
import { refuseControlCharacters } from '../core/control-characters.js';
import { UsageError } from '../core/errors.js';
import type { Run } from './index.js';
import { redactUrl } from './redact.js';
import { renderTable } from './output.js';

const secretKeys = new Set<ConfigKey>(['stripe_secret_key', 'stripe_webhook_secret']);

function shown(key: ConfigKey, value: string): string {
  if (secretKeys.has(key)) return `${value.slice(0, 7)}...`;
  return key.endsWith('_url') ? redactUrl(value) : value;
}

function checkKey(key: string): ConfigKey {
  if (!(key in configKeys)) throw new UsageError(`unknown setting "${key}"`, { hint: `use one of ${Object.keys(configKeys).join(', ')}`, code: 'unknown_setting' });
  return key as ConfigKey;
}

function checkProfileName(name: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(name)) throw new UsageError(`profile name "${name}" is not letters, digits, ., - and _`, { hint: 'e.g. airport or city-centre', code: 'bad_profile' });
  return name;
}

function writeUserFile(path: string, data: ConfigFileData): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `# parkctl config (parkctl config --help); the environment overrides it\n${stringify(data)}`, { mode: 0o600 });
  chmodSync(path, 0o600);
}

export function registerConfig(program: Command, run: Run): void {
  const config = program.command('config').description('settings in profiles, one per site: ~/.config/parkctl/config.yaml over /etc/parkctl/config.yaml');

  config.command('get [setting]')
    .description('the settings in force (the environment wins over the file), and where each comes from')
    .action((key: string | undefined, _o, cmd: Command) => run(async (ctx) => {
      const view = ctx.config.profile;
      if (key !== undefined) {
        const wanted = checkKey(key);
        const s = view.settings.find((x) => x.key === wanted);
        if (!s) throw new UsageError(`${wanted} is not set in profile ${view.name}`, { hint: `set it: parkctl config set ${wanted} <value> (or ${configKeys[wanted]}=...)`, code: 'not_set' });
        return ctx.out.result({ profile: view.name, key: s.key, value: s.value, source: s.source }, (d) => d.value);
      }
      const rows = view.settings.map((s) => ({ key: s.key, value: shown(s.key, s.value), source: s.source }));
      ctx.out.result({ profile: view.name, file: view.userPath, settings: rows }, () =>
        [`profile ${view.name} (${view.userPath})`, rows.length === 0 ? 'nothing set: the defaults (the embedded database, cash payments)' : renderTable(rows, [
          { header: 'setting', value: (x) => x.key }, { header: 'value', value: (x) => x.value }, { header: 'from', value: (x) => x.source },
        ])].join('\n'));
    }, cmd));

  config.command('set <setting> <value>')
    .description(`store a setting in a profile of your config file: ${Object.keys(configKeys).join(', ')}`)
    .option('--profile <name>', 'the profile (default: the one in use)')
    .action((key: string, value: string, o: { profile?: string }, cmd: Command) => run(async (ctx) => {
      const k = checkKey(key);
      refuseControlCharacters(value, k);
      const profile = checkProfileName(o.profile ?? ctx.config.profile.name);
      const path = ctx.config.profile.userPath;
      const data = readConfigFile(path) ?? { profiles: {} };
      data.profiles[profile] = { ...(data.profiles[profile] ?? {}), [k]: value };
      writeUserFile(path, data);
      ctx.out.result({ profile, key: k, file: path }, () => `${k} set in profile ${profile} (${path})`);
    }, cmd));

  config.command('use <profile>')
    .description('use this profile from now on (PARKCTL_PROFILE overrides it for one run)')
    .action((name: string, _o, cmd: Command) => run(async (ctx) => {
      const profile = checkProfileName(name);
      const path = ctx.config.profile.userPath;
      const data = readConfigFile(path) ?? { profiles: {} };
      data.current = profile;
      data.profiles[profile] ??= {};
      writeUserFile(path, data);
      ctx.out.result({ profile, file: path }, () => `using profile ${profile} (${path})`);
    }, cmd));
}
