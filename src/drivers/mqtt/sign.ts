// Lot-full / free-count signs and per-floor displays over MQTT, published retained so a display
// that reboots shows the right count at once:
//   <baseTopic>/lot            {"free":12,"full":false,"message":null,"text":"12 FREE"}
//   <baseTopic>/floor/<floor>  same shape

import type { Sign, SignContent } from '../../core/gate/ports.js';
import { ExternalError } from '../../core/errors.js';
import { topicPart, type MqttLink } from './mqtt-link.js';

export interface MqttSignOptions {
  /** e.g. "parkctl/LOT1/sign" */
  baseTopic: string;
}

/** What a one-line display shows: the message when there is one, else FULL or the free count. */
export function signLine(content: SignContent): string {
  if (content.message) return content.message;
  return content.full || content.freeSpots <= 0 ? 'FULL' : `${content.freeSpots} FREE`;
}

export class MqttSign implements Sign {
  constructor(private readonly link: MqttLink, private readonly opts: MqttSignOptions) {}

  showLot(content: SignContent): Promise<void> {
    return this.publish(`${this.opts.baseTopic}/lot`, content);
  }

  showFloor(floor: string, content: SignContent): Promise<void> {
    return this.publish(`${this.opts.baseTopic}/floor/${topicPart(floor, 'floor')}`, content);
  }

  private async publish(topic: string, content: SignContent): Promise<void> {
    const body = {
      free: Math.max(0, Math.trunc(content.freeSpots)),
      full: content.full || content.freeSpots <= 0,
      message: content.message,
      text: signLine(content),
    };
    try {
      await this.link.publishAsync(topic, JSON.stringify(body), { qos: 1, retain: true });
    } catch (err) {
      throw new ExternalError('MQTT broker', `cannot publish ${topic}: ${(err as Error).message}`, { cause: err });
    }
  }
}
