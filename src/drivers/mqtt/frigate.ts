// Frigate's license plate recognition (LPR) as a plate source, from its MQTT topics
// (docs.frigate.video, integrations/mqtt):
//   <prefix>/events                   {"type":"new|update|end","before":{...},"after":{"id","camera",
//                                      "label":"car","frame_time",...,"recognized_license_plate":"ABC12345",
//                                      "recognized_license_plate_score":0.93}}
//   <prefix>/tracked_object_update    {"type":"lpr","id","name":"John's Car"|null,"plate":"123ABC",
//                                      "score":0.95,"camera","timestamp":1607123958.748}
// A tracked car is published many times (every better snapshot, every zone change, its end), and
// the same plate comes on both topics: each (tracked object, plate) counts once. A refined read of
// the same car (another plate text) is a new read, and the lane decides on it as on any read.
// Messages without a plate (people, cars not yet read) are ignored without a word: that is most of
// Frigate's traffic. The default prefix is "frigate"; cameras can be restricted to the lane's own.
import { TypedEmitter } from '../../core/gate/emitter.js';
import { RecentKeys } from '../../core/gate/dedupe.js';
import { normalisePlate } from '../../core/gate/plate.js';
import type { GateInputEvents, GateInputSource, PlateReadInput } from '../../core/gate/ports.js';
import { systemClock, type Clock } from '../../core/ports.js';
import type { MessageListener, MqttLink } from './mqtt-link.js';

export interface FrigatePlateReaderOptions {
  /** Frigate's mqtt.topic_prefix (default "frigate") */
  topicPrefix?: string;
  /** only these cameras' reads (default: every camera) */
  cameras?: readonly string[];
  clock?: Clock;
  dedupeCapacity?: number;
}

export class FrigatePlateReader extends TypedEmitter<GateInputEvents> implements GateInputSource {
  private readonly seen: RecentKeys;
  private readonly clock: Clock;
  private readonly topics: string[];

  constructor(private readonly link: MqttLink, private readonly opts: FrigatePlateReaderOptions = {}) {
    super();
    this.seen = new RecentKeys(opts.dedupeCapacity ?? 1000);
    this.clock = opts.clock ?? systemClock;
    const prefix = opts.topicPrefix ?? 'frigate';
    this.topics = [`${prefix}/events`, `${prefix}/tracked_object_update`];
  }

  async start(): Promise<this> {
    this.link.on('message', this.onMessage);
    await this.link.subscribeAsync(this.topics, { qos: 0 });
    return this;
  }

  async dispose(): Promise<void> {
    this.link.removeListener('message', this.onMessage);
    await this.link.unsubscribeAsync(this.topics).catch(() => undefined);
    this.removeAllListeners();
  }

  private readonly onMessage: MessageListener = (topic, payload) => {
    const which = topic === this.topics[0] ? 'events' : topic === this.topics[1] ? 'tracked_object_update' : null;
    if (!which) return;
    const read = parseFrigateMessage(which, payload.toString(), this.clock.now());
    if (read === null) return;
    if (typeof read === 'string') {
      this.emit('error', new Error(`frigate ${topic}: ${read}`));
      return;
    }
    if (this.opts.cameras && !this.opts.cameras.includes(read.camera)) return;
    if (this.seen.firstTime(read.input.readId)) this.emit('input', read.input);
  };
}

export interface FrigateRead {
  camera: string;
  input: PlateReadInput;
}

/** Pure: one message to a plate read; null when it carries no plate (not an error); a string when it is not Frigate's shape. */
export function parseFrigateMessage(topic: 'events' | 'tracked_object_update', text: string, receivedAt: Date): FrigateRead | string | null {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return 'not JSON';
  }
  if (!isObject(v)) return 'not a JSON object';
  if (topic === 'tracked_object_update') {
    if (v.type !== 'lpr') return null; // face, description, classification updates
    return read(v.id, v.camera, v.plate, v.score, v.timestamp, receivedAt);
  }
  // frigate/events: the plate is on the tracked car, in "after" (or, on some versions' end message, only "before")
  const after = isObject(v.after) ? v.after : null;
  const before = isObject(v.before) ? v.before : null;
  const obj = after && typeof after.recognized_license_plate === 'string' ? after : before && typeof before.recognized_license_plate === 'string' ? before : null;
  if (!obj) return null;
  return read(obj.id, obj.camera, obj.recognized_license_plate, obj.recognized_license_plate_score, obj.frame_time, receivedAt);
}

function read(id: unknown, camera: unknown, plateText: unknown, score: unknown, seconds: unknown, receivedAt: Date): FrigateRead | string | null {
  if (typeof id !== 'string' || id === '') return 'no tracked object id';
  const plate = normalisePlate(plateText);
  if (!plate) return null; // an empty or unusable plate text: Frigate has not read it yet
  if (typeof score !== 'number' || !(score >= 0 && score <= 1)) return `plate ${plate} without a score from 0 to 1`;
  const cam = typeof camera === 'string' && camera ? camera : 'unknown';
  const at = typeof seconds === 'number' && Number.isFinite(seconds) && seconds > 0 ? new Date(Math.round(seconds * 1000)) : receivedAt;
  return { camera: cam, input: { kind: 'plate', plate, confidence: score, source: `frigate:${cam}`, readId: `frigate:${id}:${plate}`, at } };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
