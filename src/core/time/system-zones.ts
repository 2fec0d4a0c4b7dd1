// Time zones from the system's tz database instead of ICU (see tzif.ts for why), for luxon and for the
// few places that format a time themselves. A zone without a readable TZif file (another operating system,
// a name in another case, a file this reader refuses) is ICU's as before.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FixedOffsetZone, IANAZone, Settings, Zone } from 'luxon';
import { parseTzif, typeAtInstant, type LocalTimeType, type ZoneRules } from './tzif.js';

/** Where Debian, Ubuntu, Fedora, Alpine (tzdata) and macOS keep the tz database. */
const zoneDir = '/usr/share/zoneinfo';
/** Area/Location names as the tz database spells them: no dots, so nothing outside the directory. */
const zoneName = /^[A-Za-z0-9_+-]+(?:\/[A-Za-z0-9_+-]+)*$/;
const rulesCache = new Map<string, ZoneRules | null>();

/** The zone's rules from the system's tz database, or null. */
export function systemZoneRules(name: string): ZoneRules | null {
  let rules = rulesCache.get(name);
  if (rules !== undefined) return rules;
  rules = null;
  if (zoneName.test(name) && name.length <= 64) {
    try {
      rules = parseTzif(readFileSync(join(zoneDir, name)));
    } catch {
      rules = null;
    }
  }
  rulesCache.set(name, rules);
  return rules;
}

/**
 * Before 2000 the system's files and ICU's data differ for some zones (links to other zones, history
 * corrected in one tz release and not yet in the other: America/Tijuana in 1971 here, 2025b against
 * ICU's 2025c). Instants before it are ICU's, as before; bookings are not made in the past.
 */
export const systemZonesFromMs = Date.UTC(2000, 0, 1);

/** The local time type at an instant: its UTC offset and abbreviation. */
export function localTimeType(rules: ZoneRules, at: Date | number): LocalTimeType {
  return typeAtInstant(rules, Math.floor(+at / 1000));
}

/** The system's rules for `name` from 2000 on (systemZonesFromMs), else null: ask ICU. */
export function systemRulesAt(name: string, at: Date | number): ZoneRules | null {
  return +at >= systemZonesFromMs ? systemZoneRules(name) : null;
}

/** A luxon zone answering from a TZif file: the same name, type and offsets as luxon's IANAZone. */
export class SystemZone extends Zone {
  private icu: IANAZone | null = null;

  constructor(private readonly zoneName: string, private readonly rules: ZoneRules) {
    super();
  }

  override get type(): string {
    return 'iana';
  }

  override get name(): string {
    return this.zoneName;
  }

  override get isUniversal(): boolean {
    return false;
  }

  override get isValid(): boolean {
    return true;
  }

  override offset(ts: number): number {
    if (!Number.isFinite(ts)) return NaN;
    if (ts < systemZonesFromMs) return this.icuZone().offset(ts);
    return localTimeType(this.rules, ts).utoff / 60;
  }

  override formatOffset(ts: number, format: 'narrow' | 'short' | 'techie'): string {
    return FixedOffsetZone.instance(this.offset(ts)).formatOffset(ts, format); // luxon's own formatting, no ICU
  }

  /** Zone names in words ("British Summer Time") are ICU's: asked only when a format wants them. */
  override offsetName(ts: number, opts: { format?: 'short' | 'long'; locale?: string }): string | null {
    return this.icuZone().offsetName(ts, opts as never);
  }

  private icuZone(): IANAZone {
    this.icu ??= new IANAZone(this.zoneName);
    return this.icu;
  }

  override equals(other: Zone): boolean {
    return other.type === 'iana' && other.name === this.zoneName;
  }
}

let installed = false;

/**
 * From now on luxon takes IANA zones from the system's tz database where it has them (IANAZone.create is
 * what luxon calls for a zone named by a string). Its default locale becomes en-US unless one was set:
 * otherwise luxon asks ICU for the environment's locale with a first Intl.DateTimeFormat, the 20 ms this
 * saves. Our patterns (yyyy-LL-dd HH:mm, ccc d LLL) read the same in every locale (checked with LANG
 * unset, C and de_DE.UTF-8). Call once, at the start of a process.
 */
export function useSystemZones(): void {
  if (installed) return;
  installed = true;
  const icuCreate = IANAZone.create.bind(IANAZone);
  const zones = new Map<string, Zone>();
  IANAZone.create = ((name: string) => {
    let zone = zones.get(name);
    if (!zone) {
      const rules = systemZoneRules(name);
      zone = rules ? new SystemZone(name, rules) : icuCreate(name);
      zones.set(name, zone);
    }
    return zone;
  }) as typeof IANAZone.create;
  Settings.defaultLocale ??= 'en-US';
}

/** Whether `name` is a zone: from the system's tz database, else ICU's answer. */
export function isKnownZone(name: string): boolean {
  return systemZoneRules(name) !== null || IANAZone.isValidZone(name);
}
