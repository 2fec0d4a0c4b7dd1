// `parkctl bench sensors`'s load, in a process of its own so its CPU is not counted as the listener's:
// The Things Stack v3 uplinks (as its MQTT server sends them) for `sensors` bay sensors, round robin at `rate`
// a second for `seconds`, each sensor toggling occupied / free on each of its turns (most toggles fall inside
// the 3 s debounce window, as a car driving over would). received_at is the instant of publishing: the
// listener's lag is measured from it. Reports {published, cpuMs} to its parent and exits.
import mqtt from 'mqtt';

interface Args {
  url: string;
  sensors: number;
  rate: number;
  seconds: number;
  app: string;
}

/** The DevEUI of bench sensor i (also the lot file's binding). */
export function benchDevEui(i: number): string {
  return `B0BE${i.toString(16).toUpperCase().padStart(12, '0')}`;
}

export function benchUplink(i: number, occupied: boolean, at: Date, app: string): string {
  const iso = at.toISOString();
  return JSON.stringify({
    end_device_ids: { device_id: `bay-${i}`, application_ids: { application_id: app }, dev_eui: benchDevEui(i), join_eui: '0000000000000001', dev_addr: '260BABCD' },
    correlation_ids: [`as:up:${i}-${at.getTime()}`],
    received_at: iso,
    uplink_message: {
      f_port: 2, f_cnt: 1, frm_payload: 'AQBg',
      decoded_payload: { status: occupied ? 'occupied' : 'free', conf: 97, battery_pct: 88 },
      rx_metadata: [{ gateway_ids: { gateway_id: 'eui-aa555a0000000101' }, time: iso, rssi: -68, snr: 9.2 }],
      received_at: iso,
    },
  });
}

async function main(a: Args): Promise<void> {
  const client = await mqtt.connectAsync(a.url, { reconnectPeriod: 0, connectTimeout: 5000, clientId: `parkctl-bench-pub-${process.pid}` });
  const cpu0 = process.cpuUsage();
  const tickMs = 10;
  const start = Date.now();
  const end = start + a.seconds * 1000;
  let n = 0;
  while (Date.now() < end) {
    const due = Math.floor(((Date.now() - start) / 1000) * a.rate);
    while (n < due) {
      const i = n % a.sensors;
      const turn = Math.floor(n / a.sensors);
      client.publish(`v3/${a.app}@ttn/devices/bay-${i}/up`, benchUplink(i, turn % 2 === 0, new Date(), a.app), { qos: 0 });
      n++;
    }
    await new Promise((r) => setTimeout(r, tickMs));
  }
  await client.endAsync();
  const cpu = process.cpuUsage(cpu0);
  const report = { published: n, cpuMs: (cpu.user + cpu.system) / 1000 };
  await new Promise<void>((resolve) => (process.send ? process.send(report, () => resolve()) : resolve()));
}

if (process.argv[2] === '--run') {
  // the exit code is set, never forced (only bin/ ends a process): once the report is sent and the IPC
  // channel closed, nothing is left to keep this process alive
  main(JSON.parse(process.argv[3]!) as Args).then(() => { process.exitCode = 0; }, (err: Error) => {
    process.stderr.write(`bench publisher: ${err.message}\n`);
    process.exitCode = 1;
  }).finally(() => process.disconnect?.());
}
