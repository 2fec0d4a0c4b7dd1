// The per-row report of an import, and the exit code it means.
import { ExitCode } from '../errors.js';
import type { RowReadProblem } from './booking-rows.js';
import type { PlannedRow } from './plan-row.js';

/**
 * booked: created now (or restored, for an exported row); existing: an earlier run made it (same external
 * ref / row digest / reservation id, and the same booking); conflict: that key names another booking
 * (an earlier line of the file, or one in the lot) and nothing was written;
 * refused: the lot said no (no spot free, plate already booked, payment not accepted);
 * malformed: the row cannot be read; valid: --dry-run found nothing wrong;
 * not_written: --all-or-nothing kept it out because another row failed.
 */
export type RowStatus = 'booked' | 'existing' | 'conflict' | 'refused' | 'malformed' | 'valid' | 'not_written';

export interface RowOutcome {
  line: number;
  status: RowStatus;
  lot: string | null;
  plate: string | null;
  reservationId: string | null;
  spot: string | null;
  reservationStatus: string | null;
  payment: 'paid' | 'unpaid' | null;
  /** the column at fault, for malformed rows */
  column: string | null;
  code: string | null;
  message: string | null;
}

export interface ImportSummary {
  rows: number;
  booked: number;
  existing: number;
  conflict: number;
  refused: number;
  malformed: number;
  valid: number;
  notWritten: number;
}

export interface ImportReport {
  outcomes: RowOutcome[];
  summary: ImportSummary;
  dryRun: boolean;
  allOrNothing: boolean;
  /** 0 every row ok, 3 some refused, 2 some malformed or in conflict (wins over 3) */
  exitCode: number;
}

export function emptyOutcome(row: PlannedRow): RowOutcome {
  return {
    line: row.line, status: 'valid', lot: row.lot.code, plate: row.plate, reservationId: null, spot: null,
    reservationStatus: null, payment: null, column: null, code: null, message: null,
  };
}

export function problemOutcome(p: RowReadProblem): RowOutcome {
  return {
    line: p.line, status: 'malformed', lot: null, plate: null, reservationId: null, spot: null, reservationStatus: null,
    payment: null, column: p.column, code: p.code, message: p.message,
  };
}

export function summarise(outcomes: RowOutcome[], opts: { dryRun?: boolean; allOrNothing?: boolean }): ImportReport {
  const count = (s: RowStatus) => outcomes.filter((o) => o.status === s).length;
  const summary: ImportSummary = {
    rows: outcomes.length, booked: count('booked'), existing: count('existing'), conflict: count('conflict'), refused: count('refused'),
    malformed: count('malformed'), valid: count('valid'), notWritten: count('not_written'),
  };
  const exitCode = summary.malformed > 0 || summary.conflict > 0 ? ExitCode.usage : summary.refused > 0 ? ExitCode.refused : ExitCode.ok;
  return { outcomes, summary, dryRun: Boolean(opts.dryRun), allOrNothing: Boolean(opts.allOrNothing), exitCode };
}
