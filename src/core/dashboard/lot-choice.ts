// Which lot the dashboard opens: the one named, else the only one there is.
import { UsageError } from '../errors.js';
import { loadLot, type Lot } from '../lots/lot.js';
import type { Queryable } from '../ports.js';
import { selectLots } from '../sql/lots.js';

export async function chooseDashboardLot(db: Queryable, code: string | undefined): Promise<Lot> {
  if (code) return loadLot(db, code);
  const lots = await selectLots(db);
  if (lots.length === 1) return loadLot(db, lots[0]!.code);
  if (lots.length === 0) {
    throw new UsageError('there is no lot to watch yet', { hint: 'import one: parkctl lot import fixtures/city-garage.yaml (or try parkctl demo)', code: 'no_lot' });
  }
  const codes = lots.map((l) => l.code);
  throw new UsageError(`${lots.length} lots here: say which with --lot`, {
    hint: `known lots: ${codes.slice(0, 12).join(', ')}${codes.length > 12 ? ', ...' : ''}`, code: 'which_lot',
  });
}
