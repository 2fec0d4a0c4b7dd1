// The lot's state, as commercial systems have it: OPEN (everyone), FULL (bookings and permits only: no
// walk-ins or tickets), CLOSED (the same, said as closed), CLOSED-TO-ALL (no entry at all; exits always
// open). The gate reads it with its allow-list; every change is audited.
import { lotChanged, type ChangeDeps } from '../changes.js';
import { setActor, withTransaction } from '../db.js';
import { UsageError } from '../errors.js';
import type { Clock, PoolLike } from '../ports.js';
import { insertEvent } from '../sql/payments.js';
import type { Lot } from './lot.js';

export const lotStates = ['open', 'full', 'closed', 'closed_to_all'] as const;
export type LotState = (typeof lotStates)[number];

export function parseLotState(input: string): LotState {
  const s = input.trim().toLowerCase().replace(/-/g, '_');
  if (!(lotStates as readonly string[]).includes(s)) {
    throw new UsageError(`"${input.slice(0, 30)}" is not a lot state`, { hint: 'use open, full, closed or closed-to-all', code: 'bad_state' });
  }
  return s as LotState;
}

export async function setLotState(deps: ChangeDeps & { pool: PoolLike; clock: Clock; actor: string }, lot: Lot, to: LotState, reason: string | null): Promise<{ from: string; to: LotState }> {
  const at = deps.clock.now();
  const from = await withTransaction(deps.pool, async (tx) => {
    await setActor(tx, deps.actor, reason ?? undefined);
    const { rows } = await tx.query<{ state: string }>('select state::text as state from lots where lot_id = $1 for update', [lot.lotId]);
    const was = rows[0]!.state;
    if (was !== to) {
      await tx.query('update lots set state = $2::lot_state where lot_id = $1', [lot.lotId, to]);
      await insertEvent(tx, { lotId: lot.lotId, kind: 'lot.state_changed', reservationId: null, actor: deps.actor, reason, at, detail: { from: was, to } });
    }
    return was;
  });
  await lotChanged(deps, lot.lotId);
  return { from, to };
}
