// SQL of a gate's control plane (migrations/0005_gate.sql): its heartbeats, the remote commands an operator
// sends it (`gate open`) and their audit rows, and the gate ids a lot has seen.
import type { Queryable } from '../ports.js';

export interface GateHeartbeat {
  lotId: number;
  gateId: string;
  direction: 'entry' | 'exit';
  host: string;
  pid: number;
  startedAt: Date;
  seenAt: Date;
  journalLastSeq: number;
  journalSyncedSeq: number;
  barrierState: string;
  allowListSyncedAt: Date | null;
}

export async function upsertGateHeartbeat(db: Queryable, h: GateHeartbeat): Promise<void> {
  await db.query(
    `insert into gate_heartbeats as g (lot_id, gate_id, direction, host, pid, started_at, seen_at, journal_last_seq,
                                       journal_synced_seq, barrier_state, allow_list_synced_at)
     values ($1::integer, $2::text, $3::text, $4::text, $5::integer, $6::timestamptz, $7::timestamptz, $8::bigint, $9::bigint, $10::text, $11::timestamptz)
     on conflict (lot_id, gate_id) do update set direction = excluded.direction, host = excluded.host, pid = excluded.pid,
       started_at = excluded.started_at, seen_at = excluded.seen_at, journal_last_seq = excluded.journal_last_seq,
       journal_synced_seq = excluded.journal_synced_seq, barrier_state = excluded.barrier_state,
       allow_list_synced_at = excluded.allow_list_synced_at`,
    [h.lotId, h.gateId, h.direction, h.host, h.pid, h.startedAt, h.seenAt, h.journalLastSeq, h.journalSyncedSeq, h.barrierState, h.allowListSyncedAt],
  );
}

export interface GateHeartbeatRow {
  seen_at: Date;
  started_at: Date;
  host: string;
  pid: number;
  journal_last_seq: number;
  journal_synced_seq: number;
  barrier_state: string;
  allow_list_synced_at: Date | null;
}

export async function selectGateHeartbeat(db: Queryable, lotId: number, gateId: string): Promise<GateHeartbeatRow | null> {
  const { rows } = await db.query<GateHeartbeatRow & Record<string, unknown>>(
    `select seen_at, started_at, host, pid, journal_last_seq, journal_synced_seq, barrier_state, allow_list_synced_at
       from gate_heartbeats where lot_id = $1::integer and gate_id = $2::text`,
    [lotId, gateId],
  );
  return rows[0] ?? null;
}

export interface GateCommandRow {
  command_id: number;
  kind: 'open';
  actor: string;
  reason: string;
  requested_at: Date;
  expires_at: Date;
  taken_at: Date | null;
  result: string | null;
}

const commandColumns = 'command_id, kind, actor, reason, requested_at, expires_at, taken_at, result';

export async function insertGateCommand(
  db: Queryable,
  c: { lotId: number; gateId: string; actor: string; reason: string; requestedAt: Date; expiresAt: Date },
): Promise<number> {
  const { rows } = await db.query<{ command_id: number }>(
    `insert into gate_commands (lot_id, gate_id, kind, actor, reason, requested_at, expires_at)
     values ($1::integer, $2::text, 'open', $3::text, $4::text, $5::timestamptz, $6::timestamptz) returning command_id`,
    [c.lotId, c.gateId, c.actor, c.reason, c.requestedAt, c.expiresAt],
  );
  return rows[0]!.command_id;
}

/**
 * Takes every pending command of a gate (taken_at := at). Expired ones are taken as 'expired' and
 * not returned: a barrier never opens for a request made before the daemon came back.
 */
export async function takeGateCommands(db: Queryable, lotId: number, gateId: string, at: Date): Promise<GateCommandRow[]> {
  const { rows } = await db.query<GateCommandRow & Record<string, unknown>>(
    `update gate_commands set taken_at = $3::timestamptz,
            result = case when expires_at <= $3::timestamptz then 'expired' else null end
      where lot_id = $1::integer and gate_id = $2::text and taken_at is null
      returning ${commandColumns}`,
    [lotId, gateId, at],
  );
  return rows.filter((r) => r.result === null).sort((a, b) => a.command_id - b.command_id);
}

export async function finishGateCommand(db: Queryable, lotId: number, gateId: string, commandId: number, result: string): Promise<void> {
  await db.query(
    `update gate_commands set result = $4::text where lot_id = $1::integer and gate_id = $2::text and command_id = $3::bigint`,
    [lotId, gateId, commandId, result],
  );
}

export async function selectGateCommand(db: Queryable, lotId: number, gateId: string, commandId: number): Promise<GateCommandRow | null> {
  const { rows } = await db.query<GateCommandRow & Record<string, unknown>>(
    `select ${commandColumns} from gate_commands where lot_id = $1::integer and gate_id = $2::text and command_id = $3::bigint`,
    [lotId, gateId, commandId],
  );
  return rows[0] ?? null;
}

/** An audit row (events): who did what at a gate, and why. */
export async function insertGateAudit(
  db: Queryable,
  a: { lotId: number; kind: string; actor: string; reason: string | null; detail: Record<string, unknown>; occurredAt: Date },
): Promise<void> {
  await db.query(
    `insert into events (lot_id, kind, actor, reason, detail, occurred_at) values ($1::integer, $2::text, $3::text, $4::text, $5::jsonb, $6::timestamptz)`,
    [a.lotId, a.kind, a.actor, a.reason, JSON.stringify(a.detail), a.occurredAt],
  );
}

/**
 * The gates a lot knows: every gate that sent a heartbeat or an event, by id (gate_events by a loose
 * index scan of its primary key, as the dashboard does: a few probes, not a scan of every event).
 */
export async function selectKnownGateIds(db: Queryable, lotId: number): Promise<string[]> {
  const { rows } = await db.query<{ gate_id: string }>(
    `with recursive seen(gate_id) as (
       (select gate_id from gate_events where lot_id = $1::integer order by gate_id limit 1)
       union all
       select (select e.gate_id from gate_events e where e.lot_id = $1::integer and e.gate_id > seen.gate_id order by e.gate_id limit 1)
         from seen where seen.gate_id is not null
     )
     select gate_id from seen where gate_id is not null
     union
     select gate_id from gate_heartbeats where lot_id = $1::integer
     order by gate_id`,
    [lotId],
  );
  return rows.map((r) => r.gate_id);
}

/**
 * Gives up a command no gate daemon took yet (result := `result`, so it can never open later); false
 * when a daemon took it meanwhile (its own result follows). Row locks make the two updates take turns.
 */
export async function abandonGateCommand(db: Queryable, lotId: number, gateId: string, commandId: number, at: Date, result: string): Promise<boolean> {
  const { rowCount } = await db.query(
    `update gate_commands set taken_at = $4::timestamptz, result = $5::text
      where lot_id = $1::integer and gate_id = $2::text and command_id = $3::bigint and taken_at is null`,
    [lotId, gateId, commandId, at, result],
  );
  return rowCount === 1;
}
