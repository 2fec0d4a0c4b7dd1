// One gate daemon's configuration (YAML or JSON file, validated here once): which lane of which
// lot, where its journal lives, which barrier and inputs it drives. The file is read by
// drivers/gate-runtime/config-file.ts; this module only validates, so it is pure and testable.
import { z } from 'zod';
import { UsageError } from '../errors.js';
import { laneProfileRefSchema, resolveLaneProfile } from '../gate/lane-profile.js';

const gateId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'letters, digits, "_", "." or "-", at most 64');
const topic = z.string().min(1).regex(/^[^+#\0]+$/, 'an MQTT topic without wildcards');
const positiveMs = z.number().int().positive();

const serialBarrier = z.strictObject({
  driver: z.literal('serial'),
  /** "/dev/ttyUSB0": a lane controller is both the barrier and the loop/button input */
  path: z.string().min(1),
  baudRate: z.number().int().positive().default(9600),
  replyTimeoutMs: positiveMs.optional(),
  /** the lane protocol: parkctl (default), star-serial, or one of them with fields replaced */
  profile: laneProfileRefSchema.optional(),
});
/** A lane controller over TCP (a board with Ethernet, or a serial server): barrier and loop/button input. */
const laneTcpBarrier = z.strictObject({
  driver: z.literal('lane-tcp'),
  host: z.string().min(1),
  port: z.number().int().min(1).max(65_535),
  replyTimeoutMs: positiveMs.optional(),
  /** default star-tcp (0xA6 ... 0xA9 framing) */
  profile: laneProfileRefSchema.optional(),
  /** wait between a lost connection and the next dial */
  reconnectMs: positiveMs.optional(),
});
const tasmotaBarrier = z.strictObject({
  driver: z.literal('tasmota'),
  /** the device's Topic (%topic%) */
  topic: z.string().min(1).regex(/^[^+#/\0]+$/, 'the device\'s Topic, without "/", "+" or "#"'),
  /** the device's FullTopic when not the default "%prefix%/%topic%/"; %hostname% and %id% written out */
  fullTopic: z.string().min(1).regex(/%topic%/, 'must contain %topic%').regex(/^(?:[^%+\0]|%prefix%|%topic%)+$/, 'only %prefix% and %topic% are replaced: write the device\'s hostname or id out').optional(),
  /** relay number on a multi-relay device (POWER<n>); unset: the first relay, as POWER or POWER1 */
  relay: z.number().int().min(1).max(32).optional(),
  replyTimeoutMs: positiveMs.optional(),
});
const shellyBarrier = z.strictObject({
  driver: z.literal('shelly'),
  prefix: topic,
  switchId: z.number().int().min(0).optional(),
  replyTimeoutMs: positiveMs.optional(),
});
const shellyGen1Barrier = z.strictObject({
  driver: z.literal('shelly-gen1'),
  /** the device's MQTT id under shellies/: "shelly1-B929CC" */
  id: z.string().regex(/^[^+#/\0]+$/, 'the device\'s MQTT id, e.g. shelly1-B929CC'),
  relay: z.number().int().min(0).max(3).optional(),
  replyTimeoutMs: positiveMs.optional(),
});
const genericJsonBarrier = z.strictObject({
  driver: z.literal('generic-json'),
  commandTopic: topic,
  stateTopic: topic,
  availabilityTopic: topic.optional(),
  replyTimeoutMs: positiveMs.optional(),
});
const noBarrier = z.strictObject({ driver: z.literal('none') });
/** A Modbus TCP relay board: a coil drives the barrier, a discrete input reads its open-position switch. */
const modbusBarrier = z.strictObject({
  driver: z.literal('modbus'),
  host: z.string().min(1),
  port: z.number().int().min(1).max(65_535).default(502),
  unitId: z.number().int().min(0).max(247).default(1),
  /** coil address, 0-based */
  coil: z.number().int().min(0).max(65_535),
  /** discrete input address, 0-based, of the open-position switch */
  positionInput: z.number().int().min(0).max(65_535).optional(),
  /** the input's value when the barrier is open */
  openWhen: z.enum(['on', 'off']).default('on'),
  /** 'position' (default): confirmed by the input; 'coil': by the coil reading back on (no position switch wired) */
  verify: z.enum(['position', 'coil']).default('position'),
  verifyTimeoutMs: positiveMs.optional(),
});
/** A Hikvision entrance camera's barrier output (ISAPI, Digest); the position is read back after each command. */
const hikvisionBarrier = z.strictObject({
  driver: z.literal('hikvision'),
  /** the camera, "http://192.168.1.64" */
  url: z.string().regex(/^https?:\/\/[^/\s]+\/?$/, 'http://host[:port] of the camera'),
  channel: z.number().int().min(1).default(1),
  username: z.string().min(1),
  password: z.string().min(1),
  /** 'status' (default): confirmed once the unit reads the barrier open; 'commanded': its OK is enough */
  verify: z.enum(['status', 'commanded']).default('status'),
  verifyTimeoutMs: positiveMs.optional(),
});

export const barrierConfigSchema = z.discriminatedUnion('driver', [serialBarrier, laneTcpBarrier, tasmotaBarrier, shellyBarrier, shellyGen1Barrier, genericJsonBarrier, hikvisionBarrier, modbusBarrier, noBarrier]);

const listenAddress = z.string().regex(/^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, 'host:port, e.g. 127.0.0.1:8088');

/** what this lane's ticket numbers start with (default: the gate id in capitals, A-Z 0-9, 8 at most); unique per lot */
const ticketPrefix = z.string().regex(/^[A-Za-z0-9]{1,8}$/, '1 to 8 letters or digits').optional();

export const gateDaemonConfigSchema = z.strictObject({
  /** lot code, e.g. RIVERSIDE */
  lot: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/, 'a lot code'),
  gate: gateId,
  direction: z.enum(['entry', 'exit']),
  /** postgres:// URL for the parkctl_gate role; default: DATABASE_URL (or the embedded server) with user parkctl_gate */
  databaseUrl: z.string().regex(/^postgres(ql)?:\/\//, 'a postgres:// URL').optional(),
  /** the durable journal and the persisted allow-list live here (one daemon per directory) */
  journalDir: z.string().min(1),
  barrier: barrierConfigSchema,
  inputs: z.strictObject({
    anpr: z.strictObject({ listen: listenAddress, path: z.string().startsWith('/').optional(), token: z.string().min(8).optional() }).optional(),
    mqttPlateTopic: topic.optional(),
    scanner: z.strictObject({ path: z.string().min(1), baudRate: z.number().int().positive().default(9600) }).optional(),
    /** Frigate's license plate recognition on MQTT (<topicPrefix>/events, <topicPrefix>/tracked_object_update) */
    frigate: z.strictObject({ topicPrefix: topic.default('frigate'), cameras: z.array(z.string().min(1)).min(1).optional() }).optional(),
    /** an HTTP listener Hikvision ANPR cameras push their alarms to */
    hikvision: z.strictObject({ listen: listenAddress, path: z.string().startsWith('/').optional(), token: z.string().min(8).optional() }).optional(),
  }).default({}),
  /** MQTT base topic for the lot sign: <signTopic>/lot */
  signTopic: topic.optional(),
  /** the entry lane's ticket printer (ESC/POS): a ticket button's walk-in gets a ticket before the barrier opens */
  printer: z.discriminatedUnion('driver', [
    z.strictObject({ driver: z.literal('escpos-tcp'), host: z.string().min(1), port: z.number().int().min(1).max(65_535).default(9100), ticketPrefix }),
    z.strictObject({ driver: z.literal('escpos-serial'), path: z.string().min(1), baudRate: z.number().int().positive().default(19200), ticketPrefix }),
  ]).optional(),
  /** mqtt:// URL; required by MQTT barriers, plate topics and signs (default: MQTT_URL) */
  mqttUrl: z.string().regex(/^mqtts?:\/\//, 'an mqtt:// URL').optional(),
  /** journal push, heartbeat and command poll period */
  syncIntervalSeconds: z.number().positive().max(3600).default(5),
  /** allow-list reload period (LISTEN/NOTIFY reloads sooner) */
  allowListRefreshSeconds: z.number().positive().max(86_400).default(60),
  /** reservations starting within this many hours are in the local allow-list */
  allowListHorizonHours: z.number().positive().max(24 * 14).default(24),
  /** barrier pulse: it closes by itself after this long */
  pulseMs: z.number().int().min(0).max(60_000).default(5000),
  /** 'loop': decide only with a vehicle on the arming loop (lane controller); 'always': every read is a vehicle */
  arming: z.enum(['loop', 'always']).optional(),
  minPlateConfidence: z.number().min(0).max(1).optional(),
  /** host:port for GET /metrics (Prometheus) and /metrics.json, read by `status`; off when unset */
  metricsListen: listenAddress.optional(),
  /** systemd WatchdogSec written by `install`; the daemon pings at a third of it */
  watchdogSeconds: z.number().int().min(2).max(3600).default(30),
});

export type GateDaemonConfig = z.infer<typeof gateDaemonConfigSchema>;
export type BarrierConfig = z.infer<typeof barrierConfigSchema>;

/** Validates a parsed file; a bad one is a UsageError naming the first bad field ("barrier.path: ..."). */
export function parseGateDaemonConfig(raw: unknown, source: string): GateDaemonConfig {
  const parsed = gateDaemonConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path.map(String).join('.') || '(top level)';
    throw new UsageError(`${source}: ${field}: ${issue.message}`, { hint: 'see fixtures/gates/*.yaml for examples', code: 'bad_config' });
  }
  const config = parsed.data;
  checkLaneProfileConfig(config, source);
  const b = config.barrier;
  if (b.driver === 'modbus' && (b.positionInput === undefined) !== (b.verify === 'coil')) {
    throw new UsageError(b.positionInput === undefined
      ? `${source}: barrier.positionInput: required to confirm the barrier opened (or set verify: coil, which proves only that the relay switched)`
      : `${source}: barrier.verify: coil ignores positionInput ${b.positionInput}; remove one`, { hint: 'see fixtures/gates/modbus.yaml', code: 'bad_config' });
  }
  const needsMqtt = ['tasmota', 'shelly', 'shelly-gen1', 'generic-json'].includes(config.barrier.driver) || config.inputs.mqttPlateTopic || config.inputs.frigate || config.signTopic;
  if (needsMqtt && !config.mqttUrl) {
    throw new UsageError(`${source}: mqttUrl: required by the ${config.barrier.driver} barrier, plate topic or sign`, { hint: 'add mqttUrl: mqtt://127.0.0.1:1883', code: 'bad_config' });
  }
  return config;
}

/** A lane profile whose parts do not fit together (a reply confirmation from a board that never replies) is refused here. */
function checkLaneProfileConfig(config: GateDaemonConfig, source: string): void {
  const b = config.barrier;
  if (b.driver !== 'serial' && b.driver !== 'lane-tcp') return;
  try {
    resolveLaneProfile(b.profile, b.driver === 'serial' ? 'parkctl' : 'star-tcp');
  } catch (err) {
    throw new UsageError(`${source}: barrier.profile: ${(err as Error).message}`, { hint: 'see fixtures/gates/lane-*.yaml', code: 'bad_config' });
  }
}

/** The arming rule in force: a serial lane controller has loops; other set-ups treat each read as a vehicle. */
export function armingMode(config: GateDaemonConfig): 'loop' | 'always' {
  return config.arming ?? (config.barrier.driver === 'serial' || config.barrier.driver === 'lane-tcp' ? 'loop' : 'always');
}

/** The gate role's URL: the given database URL with user parkctl_gate and no password. */
export function gateRoleUrl(baseUrl: string): string {
  const u = new URL(baseUrl);
  u.username = 'parkctl_gate';
  u.password = '';
  return u.toString();
}
