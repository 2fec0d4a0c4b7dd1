// Events and gate activity worded for an attendant: "AB123CD booked B2-017", not "reservation.tentative".
// Pure functions over rows already read; times are printed by the screen, not here.
import { DateTime } from 'luxon';
import { formatMinorAmount } from '../money-format.js';
import type { DashboardEventRow } from '../sql/dashboard.js';

const reservationWords: Readonly<Record<string, string>> = {
  tentative: 'booked, awaiting payment',
  confirmed: 'paid and confirmed',
  checked_in: 'arrived',
  completed: 'left',
  cancelled: 'cancelled',
  expired: 'hold expired',
  no_show: 'marked no-show',
};

function text(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

function amount(detail: Record<string, unknown>): string | null {
  const minor = Number(detail.amount_minor);
  const currency = text(detail.currency);
  return Number.isFinite(minor) && minor > 0 ? (currency ? formatMinorAmount(minor, currency) : `${minor} (minor units)`) : null;
}

/** One feed line for an events row. Unknown kinds still read sensibly: "<kind> by <actor>". */
export function describeEvent(e: DashboardEventRow, timeZone: string): string {
  const who = e.plate ?? (e.reservation_id ? e.reservation_id.slice(0, 8) : null);
  const spot = e.spot_label ? `, ${e.spot_label}` : '';
  const why = e.reason ? `: ${e.reason}` : '';
  const [family, rest = ''] = splitKind(e.kind);
  if (e.kind === 'reservation.moved') {
    return `${who ?? 'a booking'} moved from ${text(e.detail.from_spot_label) ?? '?'} to ${e.spot_label ?? '?'}${why}`;
  }
  if (family === 'reservation') {
    if (rest.endsWith('.period')) return `${who ?? 'a booking'} window changed to end ${shortTime(e.detail.to, timeZone)}${spot}${why}`;
    const words = reservationWords[rest] ?? rest.replace(/_/g, ' ');
    return `${who ?? 'a booking'} ${words}${spot}${actorNote(e.actor)}${why}`;
  }
  switch (e.kind) {
    case 'alert.overstay':
      return `${who ?? 'a car'} overstaying${spot} (${String(e.detail.overstay_minutes ?? '?')} min past end)`;
    case 'alert.no_spot':
      return `${who ?? 'a booking'} has no spot: ${e.spot_label ?? 'its spot'} is still taken by a car inside and no other is free`;
    case 'alert.no_spot_for_car':
      return `${who ?? 'a car'} is inside with no ${text(e.detail.vehicle_type) ?? ''} spot free`.replace('  ', ' ');
    case 'payment.failed':
      return `${who ?? 'a payment'}: payment failed${amount(e.detail) ? ` (${amount(e.detail)})` : ''}${why}`;
    case 'payment.refund_due':
      return `${who ?? 'a booking'}: refund due${amount(e.detail) ? ` ${amount(e.detail)}` : ''}${why}`;
    case 'gate.manual_open':
      return `barrier ${text(e.detail.gate) ?? '?'} opened by hand by ${e.actor}${why}`;
    case 'visit.early_entry': {
      const fee = Number(e.detail.fee_minor);
      const due = Number.isFinite(fee) && fee > 0 && text(e.detail.currency) ? `, ${formatMinorAmount(fee, text(e.detail.currency)!)} due at exit` : '';
      return `${who ?? 'a car'} let in before entry opened${e.detail.override === true ? ` by ${e.actor}` : ''}${due}${why}`;
    }
    case 'gate.manual_open_requested':
      return `barrier ${text(e.detail.gate) ?? '?'} open requested by ${e.actor}${why}`;
    case 'gate.manual_open_failed':
      return `barrier ${text(e.detail.gate) ?? '?'} NOT opened (${text(e.detail.result) ?? 'no answer'}), asked by ${e.actor}${why}`;
    case 'spot.maintenance':
      return `${text(e.detail.label) ?? 'a spot'} out of service${why}`;
    case 'spot.active':
      return `${text(e.detail.label) ?? 'a spot'} back in service${why}`;
    case 'alert.unknown_car':
    case 'alert.parked_elsewhere':
    case 'alert.spot_taken':
      return e.reason ?? `${e.kind.slice(6).replace(/_/g, ' ')}${spot}`;
    case 'sensor.fault':
      return `${e.spot_label ?? 'a spot'} sensor fault${why}`;
    case 'sensor.occupied':
    case 'sensor.free':
      return `${e.spot_label ?? 'a spot'} sensed ${rest}`;
    case 'lot.imported':
      return `lot imported by ${e.actor}`;
    default:
      return `${e.kind.replace(/[._]/g, ' ')}${who ? ` ${who}` : ''}${spot} by ${e.actor}${why}`;
  }
}

/** Last gate event, short: "entry AB123CD allowed", "manual_open". */
export function describeGateEvent(kind: string | null, plate: string | null, decision: string | null): string | null {
  if (!kind) return null;
  return [kind.replace(/_/g, ' '), plate, decision ? decision.replace(/_/g, ' ') : null].filter(Boolean).join(' ');
}

function splitKind(kind: string): [string, string] {
  const dot = kind.indexOf('.');
  return dot < 0 ? [kind, ''] : [kind.slice(0, dot), kind.slice(dot + 1)];
}

/** Attendant and command actions name who did it; the app's own moves do not. */
function actorNote(actor: string): string {
  return actor.startsWith('dashboard:') || actor.startsWith('cli:') ? ` by ${actor.replace(/^(dashboard|cli):/, '')}` : '';
}

/** "14:05" in the lot's zone, from a timestamp as jsonb stores it. */
function shortTime(value: unknown, timeZone: string): string {
  const at = typeof value === 'string' ? DateTime.fromISO(value, { setZone: true }).setZone(timeZone) : null;
  return at?.isValid ? at.toFormat('HH:mm') : '?';
}
