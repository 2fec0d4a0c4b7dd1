// Plate reads published on an MQTT topic by a camera or an ANPR box, one JSON object per message:
//   {"plate":"AB-12 CD","confidence":0.93,"id":"r-881","camera":"entry-1","timestamp":"2025-..."}
// "score" is accepted for "confidence" (Plate Recognizer's name), "readId" for "id". A read
// without an id is identified by camera + timestamp + plate. Repeats count once.

import { TypedEmitter } from '../../core/gate/emitter.js';
import { RecentKeys } from '../../core/gate/dedupe.js';
import { normalisePlate } from '../../core/gate/plate.js';
import type { GateInputEvents, GateInputSource, PlateReadInput } from '../../core/gate/ports.js';
import { systemClock, type Clock } from '../../core/ports.js';
import type { MessageListener, MqttLink } from './mqtt-link.js';

export interface MqttPlateReaderOptions {
  topic: string;
  clock?: Clock;
  /** reads remembered for dedupe (default 1000) */
  dedupeCapacity?: number;
}

export class MqttPlateReader extends TypedEmitter<GateInputEvents> implements GateInputSource {
  private readonly seen: RecentKeys;
  private readonly clock: Clock;

  constructor(private readonly link: MqttLink, private readonly opts: MqttPlateReaderOptions) {
    super();
    this.seen = new RecentKeys(opts.dedupeCapacity ?? 1000);
    this.clock = opts.clock ?? systemClock;
  }

  async start(): Promise<this> {
    this.link.on('message', this.onMessage);
    await this.link.subscribeAsync(this.opts.topic, { qos: 1 });
    return this;
  }

  async dispose(): Promise<void> {
    this.link.removeListener('message', this.onMessage);
    await this.link.unsubscribeAsync(this.opts.topic).catch(() => undefined);
    this.removeAllListeners();
  }

  private readonly onMessage: MessageListener = (topic, payload) => {
    if (topic !== this.opts.topic) return;
    const read = parsePlateMessage(payload.toString(), `mqtt:${topic}`, this.clock.now());
    if (typeof read === 'string') {
      this.emit('error', new Error(`plate topic ${topic}: ${read}`));
      return;
    }
    if (this.seen.firstTime(read.readId)) this.emit('input', read);
  };
}

/** Pure: one message to a plate read, or a reason it is not one. */
export function parsePlateMessage(text: string, source: string, receivedAt: Date): PlateReadInput | string {
  let v: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return 'not a JSON object';
    v = parsed as Record<string, unknown>;
  } catch {
    return 'not JSON';
  }
  const plate = normalisePlate(v.plate);
  if (!plate) return `no usable plate in ${JSON.stringify(v.plate)}`;
  const confidence = typeof v.confidence === 'number' ? v.confidence : typeof v.score === 'number' ? v.score : NaN;
  if (!(confidence >= 0 && confidence <= 1)) return 'confidence must be a number from 0 to 1';
  const at = typeof v.timestamp === 'string' && !Number.isNaN(Date.parse(v.timestamp)) ? new Date(v.timestamp) : receivedAt;
  const camera = typeof v.camera === 'string' ? v.camera : '';
  const id = typeof v.id === 'string' || typeof v.id === 'number' ? String(v.id) : typeof v.readId === 'string' ? v.readId : null;
  const readId = id ?? `${camera}|${typeof v.timestamp === 'string' ? v.timestamp : at.toISOString()}|${plate}`;
  return { kind: 'plate', plate, confidence, source: camera ? `${source}:${camera}` : source, readId, at };
}
