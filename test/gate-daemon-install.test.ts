// gate-daemon install and check-config (issue 19, items 12 and 17): a unit never gets a directive
// from its inputs, never points at an embedded database its sandbox cannot open, and check-config
// shows no secret (also under --json) and warns about a webhook open beyond loopback without a token.
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './support/cli.js';

let dir: string;
const external = { DATABASE_URL: 'postgres://gate:s3cret@db.example:5432/parkctl' };

function gateConfig(extra = ''): string {
  return `lot: RIVERSIDE\ngate: west-in\ndirection: entry\njournalDir: ${dir}/journal\nbarrier: { driver: none }\n${extra}`;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'parkctl-install-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('gate-daemon install', () => {
  it('refuses a --config path with a line break instead of writing a directive from it', async () => {
    const evil = join(dir, 'gate\nExecStartPre=echo pwned.yaml');
    await writeFile(evil, gateConfig());
    const units = join(dir, 'units');
    const printed = await runCli(['gate-daemon', 'install', '--config', evil, '--print'], external);
    expect(printed.code).toBe(2);
    expect(printed.stdout).not.toMatch(/^ExecStartPre=/m);
    expect(printed.stderr).toMatch(/control character/);
    const written = await runCli(['gate-daemon', 'install', '--config', evil, '--unit-dir', units, '--env-dir', join(dir, 'env')], external);
    expect(written.code).toBe(2);
    expect(await readdir(units).catch(() => [])).toEqual([]);
  });

  it('writes % and $ in a path so systemd reads them literally', async () => {
    const odd = join(dir, 'gate%h$HOME.yaml');
    await writeFile(odd, gateConfig());
    const r = await runCli(['gate-daemon', 'install', '--config', odd, '--print'], external);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`--config ${join(dir, 'gate%%h$$HOME.yaml')}`);
  });

  it('refuses the embedded database, which the sandboxed unit could not reach', async () => {
    const file = join(dir, 'embedded.yaml');
    await writeFile(file, gateConfig());
    const r = await runCli(['--json', 'gate-daemon', 'install', '--config', file, '--print'], { PARKCTL_HOME: join(dir, 'home') });
    expect(r.code).toBe(2);
    expect(r.json).toMatchObject({ error: { code: 'embedded_database_unreachable', hint: expect.stringMatching(/DATABASE_URL/) } });
    // with a database the unit can reach, the same config installs
    const ok = await runCli(['gate-daemon', 'install', '--config', file, '--print'], external);
    expect(ok.code, ok.stderr).toBe(0);
  });
});

describe('gate-daemon check-config', () => {
  it('redacts the ANPR token and passwords in URLs, also under --json', async () => {
    const file = join(dir, 'secret.yaml');
    await writeFile(file, gateConfig(
      `databaseUrl: postgres://parkctl_gate:dbpass123@db.example/parkctl\nmqttUrl: mqtt://lane:mqttpass123@broker.example:1883\n` +
      `inputs:\n  anpr: { listen: 127.0.0.1:8088, token: anpr-token-123456 }\n`));
    for (const args of [['gate-daemon', 'check-config', '--config', file], ['--json', 'gate-daemon', 'check-config', '--config', file]]) {
      const r = await runCli(args, external);
      expect(r.code, r.stderr).toBe(0);
      for (const secret of ['anpr-token-123456', 'dbpass123', 'mqttpass123', 's3cret']) expect(r.stdout + r.stderr).not.toContain(secret);
    }
    const json = (await runCli(['--json', 'gate-daemon', 'check-config', '--config', file], external)).json;
    expect(json).toMatchObject({ inputs: { anpr: { token: '***' } }, databaseUrl: 'postgres://parkctl_gate:***@db.example/parkctl', warnings: [] });
  });

  it('warns when the ANPR webhook listens beyond loopback without a token', async () => {
    const open = join(dir, 'open.yaml');
    await writeFile(open, gateConfig('inputs:\n  anpr: { listen: 0.0.0.0:8088 }\n'));
    const r = await runCli(['gate-daemon', 'check-config', '--config', open], external);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/warning: .*0\.0\.0\.0:8088.*without a token/);
    const json = await runCli(['--json', 'gate-daemon', 'check-config', '--config', open], external);
    expect((json.json as { warnings: string[] }).warnings).toHaveLength(1);

    const local = join(dir, 'local.yaml');
    await writeFile(local, gateConfig('inputs:\n  anpr: { listen: 127.0.0.1:8088 }\n'));
    const quiet = await runCli(['gate-daemon', 'check-config', '--config', local], external);
    expect(quiet.stderr).not.toMatch(/warning/);
  });
});
