// Issue 13: a config file with named profiles, parkctl config get|set|use, the environment over the file.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { activeProfile, withConfigFile } from '../src/config-file.js';
import { redactUrl } from '../src/commands/redact.js';
import { createTestDatabase } from './support/db.js';
import { runCli } from './support/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'parkctl-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('profiles from the files', () => {
  const system = join(dir, 'system.yaml');
  const user = join(dir, 'user.yaml');
  writeFileSync(system, 'current: default\nprofiles:\n  default:\n    redis_url: redis://system:6379\n  airport:\n    mqtt_url: mqtt://system-airport\n');
  writeFileSync(user, 'current: airport\nprofiles:\n  airport:\n    database_url: postgres://u@airport-db/parkctl\n');
  const paths = { user, system };

  it('the user file\'s current profile, its settings over the system file\'s', () => {
    const p = activeProfile({}, paths);
    expect(p.name).toBe('airport');
    expect(p.settings.database_url).toEqual({ value: 'postgres://u@airport-db/parkctl', source: user });
    expect(p.settings.mqtt_url).toEqual({ value: 'mqtt://system-airport', source: system });
    expect(p.settings.redis_url).toBeUndefined();
    expect(activeProfile({ PARKCTL_PROFILE: 'default' }, paths).settings.redis_url?.value).toBe('redis://system:6379');
  });

  it('the environment overrides the file', () => {
    const env = withConfigFile({ PARKCTL_CONFIG: user, DATABASE_URL: 'postgres://env/x' });
    expect(env.DATABASE_URL).toBe('postgres://env/x');
    expect(withConfigFile({ PARKCTL_CONFIG: user }).DATABASE_URL).toBe('postgres://u@airport-db/parkctl');
  });
});

describe('parkctl config', () => {
  const file = join(dir, 'cli', 'config.yaml');
  const env = { PARKCTL_CONFIG: file };

  it('set writes a profile (owner-only file), use switches, get shows values and where they come from', async () => {
    const db = await createTestDatabase();
    try {
      expect((await runCli(['config', 'set', 'database_url', db.url], env)).code).toBe(0);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect((await runCli(['config', 'set', '--profile', 'airport', 'database_url', 'postgres://nobody@127.0.0.1:1/none'], env)).code).toBe(0);
      // the default profile's database is used: migrations run there and lot list answers
      const lots = await runCli(['lot', 'list'], env);
      expect(lots.code, lots.stderr).toBe(0);
      const get = await runCli(['--json', 'config', 'get'], env);
      expect(get.json).toMatchObject({ profile: 'default', settings: expect.arrayContaining([{ key: 'database_url', value: redactUrl(db.url), source: file }]) });
      expect((await runCli(['config', 'use', 'airport'], env)).stdout).toContain('using profile airport');
      expect(readFileSync(file, 'utf8')).toMatch(/^current: airport$/m);
      expect((await runCli(['config', 'get', 'database_url'], env)).stdout.trim()).toBe('postgres://nobody@127.0.0.1:1/none');
      // the environment wins, and says so
      const over = await runCli(['--json', 'config', 'get', 'database_url'], { ...env, DATABASE_URL: db.url });
      expect(over.json).toMatchObject({ value: db.url, source: 'environment' });
      expect((await runCli(['config', 'get', 'database_url'], { ...env, PARKCTL_PROFILE: 'default' })).stdout.trim()).toBe(db.url);
    } finally {
      await db.drop();
    }
  });

  it('refuses unknown settings, bad profile names, unknown profiles and a broken file with exit 2', async () => {
    expect((await runCli(['config', 'set', 'colour', 'red'], env)).code).toBe(2);
    expect((await runCli(['config', 'use', 'a b'], env)).code).toBe(2);
    expect((await runCli(['config', 'get'], { ...env, PARKCTL_PROFILE: 'nowhere' })).code).toBe(2);
    const broken = join(dir, 'broken.yaml');
    writeFileSync(broken, 'profiles:\n  default:\n    databse_url: x\n');
    const r = await runCli(['lot', 'list'], { PARKCTL_CONFIG: broken });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/config file .*broken.yaml: profile "default" has unknown setting "databse_url"/);
  });
});
