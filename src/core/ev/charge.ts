// What a charging session costs (issue 16): energy per kWh, and an idle fee per started minute from when
// the car stopped charging (SuspendedEV, Finishing, or the transaction's end) until it left the connector,
// after a grace. Integers in minor units (invariant 4).
import type { EvPricing } from '../pricing/policy.js';

export interface SessionMeter {
  /** Wh */
  meterStartWh: number;
  meterStopWh: number | null;
  meterLastWh: number | null;
  idleSince: Date | null;
  unpluggedAt: Date | null;
}

export interface SessionCharge {
  /** Wh delivered */
  energyWh: number;
  energyMinor: number;
  idleMinutes: number;
  idleMinor: number;
}

export function energyWh(s: SessionMeter): number {
  const end = s.meterStopWh ?? s.meterLastWh ?? s.meterStartWh;
  return Math.max(0, end - s.meterStartWh);
}

/** The charge as of `at` (the idle fee runs until the car is unplugged or `at`, whichever is first). */
export function sessionCharge(pricing: EvPricing | undefined, s: SessionMeter, at: Date): SessionCharge {
  const wh = energyWh(s);
  if (!pricing) return { energyWh: wh, energyMinor: 0, idleMinutes: 0, idleMinor: 0 };
  const idleEnd = s.unpluggedAt && s.unpluggedAt < at ? s.unpluggedAt : at;
  const idleMs = s.idleSince ? Math.max(0, idleEnd.getTime() - s.idleSince.getTime()) : 0;
  const idleMinutes = Math.max(0, Math.ceil(idleMs / 60_000) - pricing.idleGraceMinutes);
  return {
    energyWh: wh,
    energyMinor: Math.round((wh * pricing.energyPerKwhMinor) / 1000),
    idleMinutes,
    idleMinor: Math.round((idleMinutes * pricing.idlePerHourMinor) / 60),
  };
}
