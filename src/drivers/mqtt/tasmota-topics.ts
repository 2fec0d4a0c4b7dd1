// Tasmota's topic rules and answer shapes, pure. Topics follow the device's GetTopic_P: the
// FullTopic with %prefix% and %topic% replaced ("%prefix%" appended for commands when the FullTopic
// lacks it), "#" removed, "//" folded, a trailing "/" ensured, then the command or result name.

export const defaultFullTopic = '%prefix%/%topic%/';

export function tasmotaTopic(fullTopic: string, prefix: 'cmnd' | 'stat' | 'tele', topic: string, command: string): string {
  let full = fullTopic;
  if (prefix === 'cmnd' && !full.includes('%prefix%')) full += '/%prefix%';
  full = full.replaceAll('%prefix%', prefix).replaceAll('%topic%', topic).replaceAll('#', '');
  while (full.includes('//')) full = full.replaceAll('//', '/');
  if (!full.endsWith('/')) full += '/';
  return full + command;
}

export interface TasmotaStat {
  /** the relay's state word ("ON", "OFF", or something unexpected), null when the message is not about our relay */
  power: string | null;
  /** PulseTime<n>'s "Set" value when the message answers it */
  pulseTimeSet: number | null;
}

/**
 * One stat/<topic>/<subtopic> message. Plain: "POWER" / "POWER<n>" carry the state word. JSON (RESULT,
 * or any subtopic under SetOption4): {"POWER<n>":"ON"}, {"PulseTime<n>":{"Set":50,"Remaining":0}}.
 * Relay 1 is also the bare "POWER" and "PulseTime" (one-relay devices and older firmware).
 */
export function parseTasmotaStat(subtopic: string, text: string, relay: number): TasmotaStat {
  const powerNames = relay === 1 ? ['POWER', 'POWER1'] : [`POWER${relay}`];
  const pulseNames = relay === 1 ? ['PULSETIME', 'PULSETIME1'] : [`PULSETIME${relay}`];
  const out: TasmotaStat = { power: null, pulseTimeSet: null };
  if (!text.startsWith('{')) {
    if (powerNames.includes(subtopic.toUpperCase())) out.power = text.toUpperCase();
    return out;
  }
  const v = JSON.parse(text) as unknown;
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return out;
  for (const [key, value] of Object.entries(v)) {
    const name = key.toUpperCase();
    if (powerNames.includes(name) && typeof value === 'string') out.power = value.toUpperCase();
    if (pulseNames.includes(name)) {
      const set = typeof value === 'number' ? value : (value as { Set?: unknown } | null)?.Set;
      if (typeof set === 'number') out.pulseTimeSet = set;
    }
  }
  return out;
}
