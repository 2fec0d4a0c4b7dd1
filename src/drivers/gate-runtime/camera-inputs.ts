// Plate sources from cameras and NVRs people already run (issue 12 item 9): Frigate's license plate
// recognition over MQTT, and the HTTP listener Hikvision ANPR cameras push their alarms to.
import type { GateDaemonConfig } from '../../core/gate-daemon/config.js';
import type { GateInputSource } from '../../core/gate/ports.js';
import type { Clock } from '../../core/ports.js';
import type { MqttLink } from '../mqtt/mqtt-link.js';

export interface CameraInputs {
  inputs: GateInputSource[];
  /** the port the Hikvision listener bound, when there is one */
  hikvisionPort: number | null;
}

export async function openCameraInputs(config: GateDaemonConfig, link: MqttLink | null, clock: Clock, disposers: Array<() => Promise<void>>): Promise<CameraInputs> {
  const inputs: GateInputSource[] = [];
  const frigate = config.inputs.frigate;
  if (frigate && link) {
    const { FrigatePlateReader } = await import('../mqtt/frigate.js');
    const reader = await new FrigatePlateReader(link, { topicPrefix: frigate.topicPrefix, cameras: frigate.cameras, clock }).start();
    disposers.push(() => reader.dispose());
    inputs.push(reader);
  }
  let hikvisionPort: number | null = null;
  const hik = config.inputs.hikvision;
  if (hik) {
    const { HikvisionAnprInput } = await import('../anpr/hikvision-input.js');
    const listener = new HikvisionAnprInput({ path: hik.path, token: hik.token, clock });
    const at = hik.listen.lastIndexOf(':');
    hikvisionPort = await listener.listen(Number(hik.listen.slice(at + 1)), hik.listen.slice(0, at).replace(/^\[|\]$/g, ''));
    disposers.push(() => listener.dispose());
    inputs.push(listener);
  }
  return { inputs, hikvisionPort };
}
