// One line naming a gate's barrier for `gate-daemon check-config` (and the lane controller among
// its inputs, since such a board is both).
import type { BarrierConfig } from '../core/gate-daemon/config.js';

export function barrierLabel(b: BarrierConfig): string {
  switch (b.driver) {
    case 'serial':
      return `serial ${b.path} @ ${b.baudRate}, ${profileName(b.profile, 'parkctl')} protocol`;
    case 'lane-tcp':
      return `tcp ${b.host}:${b.port}, ${profileName(b.profile, 'star-tcp')} protocol`;
    default:
      return b.driver;
  }
}

/** The lane controller among the inputs, or null when the barrier is not one. */
export function laneInputLabel(b: BarrierConfig): string | null {
  if (b.driver === 'serial') return `lane controller ${b.path}`;
  if (b.driver === 'lane-tcp') return `lane controller tcp ${b.host}:${b.port}`;
  return null;
}

function profileName(profile: unknown, fallback: string): string {
  if (typeof profile === 'string') return profile;
  if (profile && typeof profile === 'object') return `${(profile as { base?: string }).base ?? fallback} (customised)`;
  return fallback;
}
