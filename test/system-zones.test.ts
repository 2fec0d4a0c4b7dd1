// Zones from the system's tz database (src/core/time: tzif.ts, system-zones.ts, abbreviations.ts) against
// ICU, which answered before (issue 13: ICU's first formatter costs a one-shot command about 20 ms). Every
// zone ICU knows that has a file here: the same UTC offsets at random instants and around every transition,
// the same wall clock in output, the same short names. Before 2000 ICU still answers (the two differ there).
// Where the system's tz release is not ICU's (process.versions.tz), zones whose rules changed between
// them differ too, rightly: the exhaustive checks then cover the zones of our fixtures and tests only.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { DateTime, IANAZone } from 'luxon';
import { describe, expect, it } from 'vitest';
import { formatTime } from '../src/commands/output.js';
import { icuAbbreviation, zoneAbbreviation } from '../src/core/time/abbreviations.js';
import { SystemZone, systemZoneRules, useSystemZones } from '../src/core/time/system-zones.js';
import { parsePosixTz, parseTzif, typeAtInstant } from '../src/core/time/tzif.js';

const systemRelease = /^# version (\S+)/.exec(readFileSync('/usr/share/zoneinfo/tzdata.zi', 'utf8').slice(0, 40))?.[1];
const sameRelease = systemRelease === process.versions.tz;
const lotZones = ['Europe/London', 'America/New_York', 'Europe/Paris', 'Europe/Berlin', 'America/Sao_Paulo', 'Asia/Kolkata', 'Australia/Lord_Howe', 'Pacific/Chatham', 'Asia/Tokyo', 'America/Los_Angeles'];
const zones = (sameRelease ? Intl.supportedValuesOf('timeZone') : lotZones).filter((z) => systemZoneRules(z) !== null);
const icuZones = new Map<string, IANAZone>();
const icuOffset = (zone: string, ms: number) => {
  let z = icuZones.get(zone);
  if (!z) icuZones.set(zone, (z = new IANAZone(zone)));
  return z.offset(ms);
};
const sysOffset = (zone: string, ms: number) => new SystemZone(zone, systemZoneRules(zone)!).offset(ms);
const year = (y: number) => Date.UTC(y, 0, 1);

describe('the system tz database against ICU', () => {
  it('has a file for nearly every zone ICU knows (a Debian or Ubuntu machine: tzdata)', () => {
    const withFiles = Intl.supportedValuesOf('timeZone').filter((z) => systemZoneRules(z) !== null);
    expect(withFiles.length).toBeGreaterThan(Intl.supportedValuesOf('timeZone').length * 0.95);
    expect(zones.length).toBe(sameRelease ? withFiles.length : lotZones.length);
  });

  it('gives ICU\'s UTC offset at any instant 1900-2100, in every zone (before 2000 by asking ICU)', () => {
    fc.assert(fc.property(fc.constantFrom(...zones), fc.integer({ min: year(1900), max: year(2100) }), (zone, ms) => {
      expect(sysOffset(zone, ms), `${zone} at ${new Date(ms).toISOString()}`).toBe(icuOffset(zone, ms));
    }), { numRuns: 5_000 });
  });

  it('changes offset when ICU does: a second before and at each transition 2000-2040, and by the footer\'s rule to 2100', () => {
    let checked = 0;
    for (const zone of zones) {
      const rules = systemZoneRules(zone)!;
      for (const t of rules.times) {
        if (t < year(2000) / 1000 || t > year(2040) / 1000) continue;
        for (const ms of [t * 1000 - 1000, t * 1000]) expect(sysOffset(zone, ms), `${zone} at ${new Date(ms).toISOString()}`).toBe(icuOffset(zone, ms));
        checked++;
      }
      // past the file's last transition: the POSIX rule, every 30 days (each DST season is entered and left)
      for (let ms = year(2037); ms < year(2100); ms += 30 * 86_400_000) expect(sysOffset(zone, ms), `${zone} at ${new Date(ms).toISOString()}`).toBe(icuOffset(zone, ms));
    }
    expect(checked).toBeGreaterThan(sameRelease ? 5_000 : 200);
  });

  it('writes the wall clock in output as ICU did', () => {
    const icuWall = (d: Date, timeZone: string) => new Intl.DateTimeFormat('sv-SE', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false }).format(d).replace(',', '');
    fc.assert(fc.property(fc.constantFrom(...zones), fc.integer({ min: year(1900), max: year(2100) }), (zone, ms) => {
      expect(formatTime(new Date(ms), zone)).toBe(icuWall(new Date(ms), zone));
    }), { numRuns: 3_000 });
  });

  it('names the zone as ICU did (GMT, BST, EST, GMT+9), in every zone twice a year 1995-2045', () => {
    for (const zone of zones) {
      for (let y = 1995; y <= 2045; y++) {
        for (const month of [0, 6]) {
          const at = new Date(Date.UTC(y, month, 15, 12));
          expect(zoneAbbreviation(zone, at), `${zone} at ${at.toISOString()}`).toBe(icuAbbreviation(zone, at));
        }
      }
    }
    expect(zoneAbbreviation('Europe/London', new Date('2031-06-10T12:00:00Z'))).toBe('BST');
    expect(zoneAbbreviation('Asia/Tokyo', new Date('2031-06-10T12:00:00Z'))).toBe('GMT+9');
  });
});

describe('luxon on system zones', () => {
  it('reads and writes local times as with ICU\'s zones, and falls back to ICU for a zone with no file', () => {
    const icu = (zone: string, iso: string) => DateTime.fromISO(iso, { zone: new IANAZone(zone) });
    useSystemZones();
    expect(IANAZone.create('Europe/London')).toBeInstanceOf(SystemZone);
    expect(IANAZone.create('europe/london')).not.toBeInstanceOf(SystemZone); // ICU matches names in any case; files do not
    expect(IANAZone.create('europe/london').isValid).toBe(true);
    expect(IANAZone.create('Mars/Olympus').isValid).toBe(false);
    fc.assert(fc.property(fc.constantFrom(...zones), fc.integer({ min: year(1970), max: year(2060) }), (zone, ms) => {
      const iso = new Date(ms).toISOString().slice(0, 16); // a wall time: gaps and folds included
      const a = DateTime.fromISO(iso, { zone });
      const b = icu(zone, iso);
      expect(a.toMillis(), `${zone} ${iso}`).toBe(b.toMillis());
      expect(a.toFormat('yyyy-LL-dd HH:mm ccc ZZ')).toBe(b.toFormat('yyyy-LL-dd HH:mm ccc ZZ'));
    }), { numRuns: 3_000 });
  });
});

describe('reading TZif and POSIX TZ rules', () => {
  it('reads the footer rules of the zones our lots are in', () => {
    expect(parsePosixTz('GMT0BST,M3.5.0/1,M10.5.0')).toMatchObject({ std: { utoff: 0, abbr: 'GMT' }, dst: { type: { utoff: 3600, abbr: 'BST' } } });
    expect(parsePosixTz('<+0330>-3:30')).toEqual({ std: { utoff: 12_600, isdst: false, abbr: '+0330' }, dst: null });
    expect(parsePosixTz('IST-1GMT0,M10.5.0,M3.5.0/1')).toMatchObject({ std: { utoff: 3600, abbr: 'IST' }, dst: { type: { utoff: 0, abbr: 'GMT' } } });
    expect(parsePosixTz('EST5EDT,M3.2.0,M11.1.0')?.dst?.start).toEqual({ kind: 'M', month: 3, week: 2, weekday: 0, time: 7200 });
    for (const bad of ['', 'GMT', 'GMT0BST', 'GMT0BST,M13.5.0,M10.5.0', 'GMT0BST,M3.5.0', 'EST5EDT,J0,J365', 'X0', '<+03']) expect(parsePosixTz(bad), bad).toBeNull();
  });

  it('refuses damaged files instead of guessing: any cut of a real one reads as null or as rules that answer', () => {
    const bytes = readFileSync('/usr/share/zoneinfo/Europe/London');
    expect(parseTzif(bytes)).not.toBeNull();
    expect(parseTzif(new TextEncoder().encode('not a zone file at all, not at all, not at all'))).toBeNull();
    fc.assert(fc.property(fc.integer({ min: 0, max: bytes.length - 1 }), fc.integer({ min: 0, max: 255 }), fc.boolean(), (at, value, cut) => {
      const damaged = cut ? bytes.subarray(0, at) : Uint8Array.from(bytes, (b, i) => (i === at ? value : b));
      const rules = parseTzif(damaged);
      if (rules) expect(typeof typeAtInstant(rules, 2_000_000_000).utoff).toBe('number');
    }), { numRuns: 2_000 });
  });
});
