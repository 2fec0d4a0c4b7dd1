// Real drivers from a gate config: the barrier (a serial lane controller is also the loop/button
// input), the plate and scan inputs, the lot sign and the MQTT connection they share. Everything
// opened here is returned with one dispose().
import type { GateDaemonConfig } from '../../core/gate-daemon/config.js';
import type { Barrier, GateInputSource, Sign, TicketIssuer } from '../../core/gate/ports.js';
import type { Clock } from '../../core/ports.js';
import { ExternalError } from '../../core/errors.js';
import { PlateWebhookInput } from '../anpr/webhook-input.js';
import type { MqttLink } from '../mqtt/mqtt-link.js';
import { resolveLaneProfile } from '../../core/gate/lane-profile.js';
import { LaneController } from '../serial/lane-controller.js';
import { SerialScanner } from '../serial/scanner.js';
import { openSerialPort } from '../serial/serial-link.js';
import { openCameraInputs } from './camera-inputs.js';

export interface GateHardware {
  barrier: Barrier | null;
  inputs: GateInputSource[];
  sign: Sign | null;
  printer: TicketIssuer | null;
  /** the port the ANPR webhook listens on, when there is one */
  anprPort: number | null;
  /** the port the Hikvision ANPR listener bound, when there is one */
  hikvisionPort?: number | null;
  dispose(): Promise<void>;
}

export async function openGateHardware(config: GateDaemonConfig, clock: Clock): Promise<GateHardware> {
  const disposers: Array<() => Promise<void>> = [];
  const dispose = async () => {
    for (const d of disposers.reverse()) await d().catch(() => undefined);
  };
  try {
    const inputs: GateInputSource[] = [];
    let link: MqttLink | null = null;
    if (config.mqttUrl && needsMqtt(config)) {
      const mqtt = await import('mqtt');
      try {
        const client = await mqtt.connectAsync(config.mqttUrl, { connectTimeout: 5000, reconnectPeriod: 2000, clientId: `parkctl-gate-${config.lot}-${config.gate}-${process.pid}` });
        disposers.push(() => client.endAsync());
        link = client as unknown as MqttLink;
      } catch (err) {
        throw new ExternalError('MQTT broker', `cannot connect to ${config.mqttUrl}: ${(err as Error).message}`, { cause: err });
      }
    }
    const barrier = await openBarrier(config, link, clock, disposers);
    if (barrier instanceof LaneController) inputs.push(barrier);
    if (config.inputs.scanner) {
      const port = await openSerialPort({ path: config.inputs.scanner.path, baudRate: config.inputs.scanner.baudRate });
      const scanner = new SerialScanner(port, { name: config.gate, clock });
      disposers.push(() => scanner.dispose());
      inputs.push(scanner);
    }
    if (config.inputs.mqttPlateTopic && link) {
      const { MqttPlateReader } = await import('../mqtt/plate-reader.js');
      const reader = await new MqttPlateReader(link, { topic: config.inputs.mqttPlateTopic, clock }).start();
      disposers.push(() => reader.dispose());
      inputs.push(reader);
    }
    let anprPort: number | null = null;
    if (config.inputs.anpr) {
      const webhook = new PlateWebhookInput({ path: config.inputs.anpr.path, token: config.inputs.anpr.token, clock });
      const at = config.inputs.anpr.listen.lastIndexOf(':');
      const host = config.inputs.anpr.listen.slice(0, at).replace(/^\[|\]$/g, '');
      anprPort = await webhook.listen(Number(config.inputs.anpr.listen.slice(at + 1)), host);
      disposers.push(() => webhook.dispose());
      inputs.push(webhook);
    }
    const cameras = await openCameraInputs(config, link, clock, disposers);
    inputs.push(...cameras.inputs);
    let sign: Sign | null = null;
    if (config.signTopic && link) {
      const { MqttSign } = await import('../mqtt/sign.js');
      sign = new MqttSign(link, { baseTopic: config.signTopic });
    }
    let printer: TicketIssuer | null = null;
    if (config.printer) {
      const { NetworkTicketPrinter, SerialTicketPrinter } = await import('../escpos/printer.js');
      printer = config.printer.driver === 'escpos-tcp'
        ? new NetworkTicketPrinter({ host: config.printer.host, port: config.printer.port })
        : new SerialTicketPrinter({ path: config.printer.path, baudRate: config.printer.baudRate });
    }
    return { barrier, inputs, sign, printer, anprPort, hikvisionPort: cameras.hikvisionPort, dispose };
  } catch (err) {
    await dispose();
    throw err;
  }
}

function needsMqtt(config: GateDaemonConfig): boolean {
  return ['tasmota', 'shelly', 'shelly-gen1', 'generic-json'].includes(config.barrier.driver) || Boolean(config.inputs.mqttPlateTopic || config.inputs.frigate || config.signTopic);
}

async function openBarrier(config: GateDaemonConfig, link: MqttLink | null, clock: Clock, disposers: Array<() => Promise<void>>): Promise<Barrier | null> {
  const b = config.barrier;
  const name = `${config.lot}-${config.gate}`;
  switch (b.driver) {
    case 'none':
      return null;
    case 'serial': {
      const port = await openSerialPort({ path: b.path, baudRate: b.baudRate });
      const profile = resolveLaneProfile(b.profile, 'parkctl');
      const lane = new LaneController(port, { name: config.gate, profile, replyTimeoutMs: b.replyTimeoutMs, defaultPulseMs: config.pulseMs, clock });
      disposers.push(() => lane.dispose());
      return lane;
    }
    case 'lane-tcp': {
      const { TcpLink } = await import('../tcp/tcp-link.js');
      const link = new TcpLink({ host: b.host, port: b.port, reconnectMs: b.reconnectMs });
      disposers.push(() => new Promise<void>((resolve) => link.close(() => resolve())));
      await link.open();
      const profile = resolveLaneProfile(b.profile, 'star-tcp');
      const lane = new LaneController(link, { name: config.gate, transport: 'tcp', profile, replyTimeoutMs: b.replyTimeoutMs, defaultPulseMs: config.pulseMs, clock });
      disposers.push(() => lane.dispose());
      return lane;
    }
    case 'tasmota': {
      const { TasmotaBarrier } = await import('../mqtt/tasmota.js');
      const barrier = await new TasmotaBarrier(link!, { topic: b.topic, fullTopic: b.fullTopic, relay: b.relay, defaultPulseMs: config.pulseMs, replyTimeoutMs: b.replyTimeoutMs }).start();
      disposers.push(() => barrier.dispose());
      return barrier;
    }
    case 'shelly': {
      const { ShellyBarrier } = await import('../mqtt/shelly.js');
      const barrier = await new ShellyBarrier(link!, { prefix: b.prefix, switchId: b.switchId, defaultPulseMs: config.pulseMs, replyTimeoutMs: b.replyTimeoutMs }).start();
      disposers.push(() => barrier.dispose());
      return barrier;
    }
    case 'hikvision': {
      const { HikvisionBarrier } = await import('../hikvision/barrier-gate.js');
      const barrier = new HikvisionBarrier({
        baseUrl: b.url, channel: b.channel, username: b.username, password: b.password, verify: b.verify, verifyTimeoutMs: b.verifyTimeoutMs,
      });
      disposers.push(() => barrier.dispose());
      return barrier;
    }
    case 'modbus': {
      const { ModbusRelayBarrier } = await import('../modbus/relay-barrier.js');
      const barrier = await new ModbusRelayBarrier({
        host: b.host, port: b.port, unitId: b.unitId, coil: b.coil, positionInput: b.verify === 'coil' ? null : b.positionInput!,
        openWhen: b.openWhen === 'on', verifyTimeoutMs: b.verifyTimeoutMs, defaultPulseMs: config.pulseMs,
      }).start();
      disposers.push(() => barrier.dispose());
      return barrier;
    }
    case 'shelly-gen1': {
      const { ShellyGen1Barrier } = await import('../mqtt/shelly-gen1.js');
      const barrier = await new ShellyGen1Barrier(link!, { id: b.id, relay: b.relay, defaultPulseMs: config.pulseMs, replyTimeoutMs: b.replyTimeoutMs }).start();
      disposers.push(() => barrier.dispose());
      return barrier;
    }
    case 'generic-json': {
      const { GenericJsonBarrier } = await import('../mqtt/generic-json.js');
      const barrier = await new GenericJsonBarrier(link!, {
        name, commandTopic: b.commandTopic, stateTopic: b.stateTopic, availabilityTopic: b.availabilityTopic,
        defaultPulseMs: config.pulseMs, replyTimeoutMs: b.replyTimeoutMs,
      }).start();
      disposers.push(() => barrier.dispose());
      return barrier;
    }
  }
}
