// Completion of values (issue 13): vehicle types, statuses, methods and formats are fixed words; lot
// codes and gate ids are asked of the program when Tab is pressed (`parkctl completion --values lots`),
// from the database in DATABASE_URL or the config file, never starting an embedded server for it.
import { reservationStatuses } from '../core/sql/reservations.js';
import { vehicleTypes } from '../core/pricing/vehicle-types.js';
import { outputFormats } from './output-formats.js';

export type DynamicValues = 'lots' | 'gates';

/** Where a value is completed: "<command path>|<previous word>"; a path of "*" means any command. */
export interface ValueArm {
  key: string;
  words: readonly string[] | DynamicValues;
}

/** Specific arms first: the shells take the first that matches. */
export const valueArms: ValueArm[] = [
  { key: 'booking list|--status', words: reservationStatuses },
  { key: 'booking export|--status', words: reservationStatuses },
  { key: 'payments list|--status', words: ['pending', 'due', 'processing', 'succeeded', 'failed'] },
  { key: 'booking import|--report-format', words: ['table', 'csv', 'json'] },
  { key: 'completion|completion', words: ['bash', 'zsh', 'fish'] },
  { key: 'completion|--values', words: ['lots', 'gates'] },
  { key: 'lot show|show', words: 'lots' },
  { key: 'lot rates|rates', words: 'lots' },
  { key: 'lot spot disable|disable', words: 'lots' },
  { key: 'lot spot enable|enable', words: 'lots' },
  { key: '*|--type', words: vehicleTypes },
  { key: '*|--method', words: ['cash', 'card'] },
  { key: '*|--scope', words: ['customer', 'partner', 'operator'] },
  { key: '*|--format', words: ['csv', 'json'] },
  { key: '*|--output', words: outputFormats },
  { key: '*|-o', words: outputFormats },
  { key: '*|--lot', words: 'lots' },
  { key: '*|--gate', words: 'gates' },
];

function pattern(key: string): string {
  return key.startsWith('*|') ? `*"${key.slice(1)}"` : `"${key}"`;
}

/** bash and zsh: a case over "$path|$prev" that sets candidates to the values there. */
export function shValueCase(name: string, indent: string, pathVar: string, prevVar: string): string {
  const value = (a: ValueArm) => (typeof a.words === 'string' ? `"$(${name} completion --values ${a.words} 2>/dev/null)"` : `"${a.words.join(' ')}"`);
  return [
    `${indent}case "$${pathVar}|$${prevVar}" in`,
    ...valueArms.map((a) => `${indent}  ${pattern(a.key)}) candidates=${value(a)} ;;`),
    `${indent}esac`,
  ].join('\n');
}

/** fish: a switch over "$path|$prev" that prints the values there and returns. */
export function fishValueSwitch(name: string, indent: string): string {
  const value = (a: ValueArm) => (typeof a.words === 'string' ? `${name} completion --values ${a.words} 2>/dev/null` : `printf '%s\\n' ${a.words.join(' ')}`);
  return [
    `${indent}switch "$path|$prev"`,
    ...valueArms.map((a) => `${indent}  case '${a.key}'\n${indent}    ${value(a)}\n${indent}    return`),
    `${indent}end`,
  ].join('\n');
}
