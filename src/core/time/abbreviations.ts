// A zone's short name at an instant as people read it: GMT, BST, EST, CET; GMT+9 where the zone has no
// common abbreviation. These are ICU's en-US short names, or en-GB's where en-US has only GMT+n (what
// commands/output.ts showed before, through two Intl.DateTimeFormat). The tz database's abbreviations
// agree with ICU's for the pairs below and answer without ICU (see tzif.ts for why); any other zone,
// offset or abbreviation asks ICU. test/system-zones.test.ts holds every pair to ICU over 1995-2045.
import { localTimeType, systemRulesAt } from './system-zones.js';

/** abbreviation@UTC offset in seconds, in every zone that uses it */
const everywhere = new Set([
  'ADT@-10800', 'AKDT@-28800', 'AKST@-32400', 'AST@-14400', 'CDT@-18000', 'CEST@7200', 'CET@3600', 'CST@-21600',
  'EDT@-14400', 'EEST@10800', 'EET@7200', 'EST@-18000', 'GMT@0', 'PDT@-25200', 'PST@-28800', 'WEST@3600', 'WET@0',
]);

/** zone|abbreviation@offset, where other zones with the same pair read otherwise in ICU */
const inZone = new Set([
  'Europe/London|BST@3600', 'Pacific/Honolulu|HST@-36000',
  ...['America/Boise', 'America/Cambridge_Bay', 'America/Denver', 'America/Edmonton', 'America/Inuvik',
    'America/North_Dakota/Beulah', 'America/North_Dakota/Center', 'America/North_Dakota/New_Salem']
    .flatMap((z) => [`${z}|MDT@-21600`, `${z}|MST@-25200`]),
  'America/Creston|MST@-25200', 'America/Dawson_Creek|MST@-25200', 'America/Fort_Nelson|MST@-25200', 'America/Phoenix|MST@-25200',
]);

export function zoneAbbreviation(timeZone: string, at: Date = new Date()): string {
  const rules = systemRulesAt(timeZone, at);
  if (rules) {
    const { abbr, utoff } = localTimeType(rules, at);
    const pair = `${abbr}@${utoff}`;
    if (everywhere.has(pair) || inZone.has(`${timeZone}|${pair}`)) return abbr;
  }
  return icuAbbreviation(timeZone, at);
}

/** ICU's answer: en-US's short name, else en-GB's, else en-US's GMT+n. */
export function icuAbbreviation(timeZone: string, at: Date): string {
  const name = (locale: string) => new Intl.DateTimeFormat(locale, { timeZone, timeZoneName: 'short' }).formatToParts(at).find((p) => p.type === 'timeZoneName')?.value ?? timeZone;
  const us = name('en-US');
  if (!/^GMT[+-]/.test(us)) return us;
  const gb = name('en-GB');
  return /^GMT[+-]/.test(gb) ? us : gb;
}
