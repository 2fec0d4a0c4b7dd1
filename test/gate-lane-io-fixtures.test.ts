// The config examples for lane controllers, cameras and relay boards (README, "Lane controllers,
// cameras and relay boards") are valid, say what they drive, and check-config shows no secret.
import { describe, expect, it } from 'vitest';
import { gateConfigReport } from '../src/commands/gate-config-report.js';
import { resolveLaneProfile } from '../src/core/gate/lane-profile.js';
import { loadGateConfigFile } from '../src/drivers/gate-runtime/config-file.js';

const load = (f: string) => loadGateConfigFile(`fixtures/gates/${f}`, { mqttUrl: null });

describe('config examples', () => {
  it('lane-star-*.yaml: a *CMD# board on serial and on TCP', async () => {
    const serial = await load('lane-star-serial.yaml');
    expect(serial.barrier).toMatchObject({ driver: 'serial', profile: 'star-serial' });
    const tcp = await load('lane-star-tcp.yaml');
    if (tcp.barrier.driver !== 'lane-tcp') throw new Error(`lane-star-tcp.yaml drives ${tcp.barrier.driver}`);
    expect(resolveLaneProfile(tcp.barrier.profile, 'star-tcp').confirm).toEqual({ by: 'input', messages: ['IN1OFF'], timeoutMs: 20_000 });
  });

  it('frigate.yaml and hikvision.yaml: the camera inputs, and the camera password and push token never shown', async () => {
    const frigate = await load('frigate.yaml');
    expect(frigate.inputs.frigate).toEqual({ topicPrefix: 'frigate', cameras: ['north_exit_lpr'] });
    const hik = await load('hikvision.yaml');
    expect(hik.barrier).toMatchObject({ driver: 'hikvision', verify: 'status' });
    const shown = JSON.stringify(gateConfigReport(hik, 'postgres://parkctl_gate@db/parkctl'));
    expect(shown).not.toContain('change-me-camera-password');
    expect(shown).not.toContain('change-me-push-token');
    expect(shown).toContain('/anpr/hikvision');
  });

  it('modbus.yaml: a relay board with the barrier\'s open-limit switch on an input', async () => {
    const m = await load('modbus.yaml');
    expect(m.barrier).toMatchObject({ driver: 'modbus', coil: 0, positionInput: 0, verify: 'position', openWhen: 'on' });
  });
});
