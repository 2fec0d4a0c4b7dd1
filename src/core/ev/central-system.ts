// The OCPP 1.6J central system's decisions (issue 16), apart from the wire: each handler takes a charge point's
// request (already validated against the official schemas by the driver) and answers it. Every write is
// idempotent under the charge point's retries: a StartTransaction resent after a lost answer gets the same
// transactionId, a resent StopTransaction or MeterValues batch changes nothing.
import { lotChanged, type ChangeDeps } from '../changes.js';
import { withTransaction } from '../db.js';
import type { Clock, Logger, PoolLike, Queryable } from '../ports.js';
import type { EvPricing } from '../pricing/policy.js';
import { insertEvent } from '../sql/payments.js';
import { loadPricing } from '../sql/pricing.js';
import { putSpotBack, selectChargersById, takeSpotOut, updateBoot, updateChargerStatus, updateConnectorStatus, updateHeartbeat } from '../sql/ev.js';
import { insertMeterValues, insertSession, selectPluggedSession, selectSession, stopSession, updateSessionCharge, updateSessionMeter, updateSessionPlug, type MeterSample, type SessionRow } from '../sql/ev-sessions.js';
import { sessionCharge } from './charge.js';
import { verifyChargerPassword } from './credentials.js';
import { resolveIdTag, type IdTagInfo } from './authorize.js';
import type * as Ocpp from './messages.js';

export interface EvDeps extends ChangeDeps {
  pool: PoolLike;
  clock: Clock;
  actor: string;
  logger?: Logger | undefined;
}

export interface ChargePointRef {
  lotId: number;
  chargePointId: string;
}

/** Statuses that make a connector's spot unsellable (issue 16). */
export const brokenStatuses = new Set(['Faulted', 'Unavailable']);
/** The car stopped drawing with the cable still in: the idle fee runs (SuspendedEVSE is the charger's pause, not the driver's). */
const idleStatuses = new Set(['SuspendedEV', 'Finishing']);

const pricingTtlMs = 60_000;

export class CentralSystem {
  private readonly pricing = new Map<number, { ev: EvPricing | undefined; at: number }>();
  /** hash + password already checked: a reconnect storm of 500 charge points must not pay scrypt each time */
  private readonly verified = new Map<string, string>();
  private hashing: Promise<void> = Promise.resolve();

  constructor(private readonly deps: EvDeps, readonly options: { heartbeatIntervalS: number; lotId?: number | null } = { heartbeatIntervalS: 300 }) {}

  /** HTTP Basic check (security profile 1): the charge point if `password` is its own, else null. */
  async authenticate(chargePointId: string, password: Buffer | undefined): Promise<ChargePointRef | null> {
    const rows = await selectChargersById(this.deps.pool, chargePointId, this.options.lotId ?? null);
    if (rows.length !== 1 || !password) return null;
    const row = rows[0]!;
    const key = `${row.lot_id}/${chargePointId}/${password.toString('base64')}`;
    if (row.password_hash && this.verified.get(key) === row.password_hash) return { lotId: row.lot_id, chargePointId };
    // one scrypt at a time: each takes 16 MB, and a fleet reconnecting at once must not take 4 x 16 MB
    // (libuv's pool) of resident memory the process keeps afterwards
    const check = this.hashing.then(() => verifyChargerPassword(password, row.password_hash));
    this.hashing = check.then(() => undefined, () => undefined);
    if (!(await check)) return null;
    if (this.verified.size > 10_000) this.verified.clear();
    this.verified.set(key, row.password_hash!);
    return { lotId: row.lot_id, chargePointId };
  }

  async bootNotification(cp: ChargePointRef, p: Ocpp.BootNotificationReq): Promise<Ocpp.BootNotificationConf> {
    const at = this.deps.clock.now();
    await updateBoot(this.deps.pool, {
      lotId: cp.lotId, chargePointId: cp.chargePointId, vendor: p.chargePointVendor, model: p.chargePointModel,
      serialNumber: p.chargePointSerialNumber ?? p.chargeBoxSerialNumber ?? null, firmwareVersion: p.firmwareVersion ?? null, at,
    });
    return { status: 'Accepted', currentTime: at.toISOString(), interval: this.options.heartbeatIntervalS };
  }

  async heartbeat(cp: ChargePointRef): Promise<Ocpp.HeartbeatConf> {
    const at = this.deps.clock.now();
    await updateHeartbeat(this.deps.pool, cp.lotId, cp.chargePointId, at);
    return { currentTime: at.toISOString() };
  }

  async statusNotification(cp: ChargePointRef, p: Ocpp.StatusNotificationReq): Promise<Record<string, never>> {
    const at = p.timestamp ? new Date(p.timestamp) : this.deps.clock.now();
    if (p.connectorId === 0) {
      await updateChargerStatus(this.deps.pool, { lotId: cp.lotId, chargePointId: cp.chargePointId, status: p.status, errorCode: p.errorCode });
      await lotChanged(this.deps, cp.lotId);
      return {};
    }
    await withTransaction(this.deps.pool, async (tx) => {
      const change = await updateConnectorStatus(tx, {
        lotId: cp.lotId, chargePointId: cp.chargePointId, connectorId: p.connectorId, status: p.status, errorCode: p.errorCode, info: p.info ?? null, at,
      });
      if (!change) return; // an unknown connector, or a report older than the last one
      const broken = brokenStatuses.has(p.status);
      if (broken && !change.took_spot_out) {
        if (await takeSpotOut(tx, cp.lotId, cp.chargePointId, p.connectorId, change.spot_id)) {
          await this.event(tx, cp, 'ev.spot_out', { connector: p.connectorId, spot_id: change.spot_id, status: p.status, error_code: p.errorCode }, at);
        }
      } else if (!broken && change.took_spot_out) {
        await putSpotBack(tx, cp.lotId, cp.chargePointId, p.connectorId, change.spot_id);
        await this.event(tx, cp, 'ev.spot_back', { connector: p.connectorId, spot_id: change.spot_id, status: p.status }, at);
      }
      const session = await selectPluggedSession(tx, cp.lotId, cp.chargePointId, p.connectorId);
      if (!session || session.started_at > at) return;
      if (p.status === 'Available') await updateSessionPlug(tx, { lotId: cp.lotId, transactionId: session.transaction_id, unpluggedAt: at });
      else if (idleStatuses.has(p.status)) await updateSessionPlug(tx, { lotId: cp.lotId, transactionId: session.transaction_id, idleSince: at });
      else if (p.status === 'Charging') await updateSessionPlug(tx, { lotId: cp.lotId, transactionId: session.transaction_id, idleSince: null });
      await this.recharge(tx, cp.lotId, session.transaction_id, at);
    });
    await lotChanged(this.deps, cp.lotId);
    return {};
  }

  async authorize(cp: ChargePointRef, p: Ocpp.AuthorizeReq): Promise<Ocpp.AuthorizeConf> {
    const { info } = await resolveIdTag(this.deps.pool, cp.lotId, p.idTag, this.deps.clock.now());
    return { idTagInfo: info };
  }

  async startTransaction(cp: ChargePointRef, p: Ocpp.StartTransactionReq): Promise<Ocpp.StartTransactionConf> {
    const startedAt = new Date(p.timestamp);
    const { info, target } = await resolveIdTag(this.deps.pool, cp.lotId, p.idTag, this.deps.clock.now());
    const { session, created } = await withTransaction(this.deps.pool, async (tx) => {
      const made = await insertSession(tx, {
        lotId: cp.lotId, chargePointId: cp.chargePointId, connectorId: p.connectorId, idTag: p.idTag, idTagStatus: info.status,
        reservationId: target?.reservation_id ?? null, permitId: target?.permit_id ?? null, visitId: target?.visit_id ?? null,
        meterStartWh: p.meterStart, startedAt,
      });
      if (made.created) {
        // a refused start is kept (its StopTransaction and MeterValues must still be accepted) but never runs
        await this.event(tx, cp, info.status === 'Accepted' ? 'ev.session_started' : 'ev.session_refused', {
          transaction_id: made.session.transaction_id, connector: p.connectorId, id_tag: p.idTag, id_tag_status: info.status, visit_id: made.session.visit_id,
        }, startedAt);
      }
      return made;
    });
    if (created) await lotChanged(this.deps, cp.lotId);
    // a retried start answers as the first did: the charge point learns the same transactionId
    return { transactionId: session.transaction_id, idTagInfo: created ? info : { status: session.id_tag_status as IdTagInfo['status'] } };
  }

  async meterValues(cp: ChargePointRef, p: Ocpp.MeterValuesReq): Promise<Record<string, never>> {
    if (p.transactionId === undefined) return {}; // connector readings outside a session: nothing to bill
    // one commit (one WAL flush) for the samples, the register and the charge
    const transactionId = p.transactionId;
    await withTransaction(this.deps.pool, (tx) => this.storeMeterValues(tx, cp, transactionId, p.meterValue));
    return {};
  }

  async stopTransaction(cp: ChargePointRef, p: Ocpp.StopTransactionReq): Promise<Ocpp.StopTransactionConf> {
    const at = new Date(p.timestamp);
    const stopped = await withTransaction(this.deps.pool, async (tx) => {
      const known = await selectSession(tx, cp.lotId, p.transactionId, true);
      if (!known || known.charge_point_id !== cp.chargePointId) {
        // OCPP 1.6 (4.10): the central system accepts a stop it cannot match; nothing to record
        this.deps.logger?.warn('StopTransaction for an unknown transaction', { chargePoint: cp.chargePointId, transactionId: p.transactionId });
        return null;
      }
      if (p.transactionData) await this.storeMeterValues(tx, cp, p.transactionId, p.transactionData);
      const row = await stopSession(tx, { lotId: cp.lotId, transactionId: p.transactionId, meterStopWh: p.meterStop, at, reason: p.reason ?? null });
      if (!row) return known; // resent: already stopped
      await this.recharge(tx, cp.lotId, row.transaction_id, at, row);
      await this.event(tx, cp, 'ev.session_stopped', { transaction_id: row.transaction_id, meter_stop_wh: p.meterStop, reason: p.reason ?? null }, at);
      return row;
    });
    if (stopped) await lotChanged(this.deps, cp.lotId);
    return p.idTag ? { idTagInfo: { status: 'Accepted' } } : {};
  }

  private async storeMeterValues(db: Queryable, cp: ChargePointRef, transactionId: number, values: readonly Ocpp.MeterValue[]): Promise<void> {
    const samples: MeterSample[] = [];
    let registerWh: number | null = null;
    let latestRegisterAt = -Infinity;
    let powerW: number | null = null;
    let latestPowerAt = -Infinity;
    for (const mv of values) {
      const sampledAt = new Date(mv.timestamp);
      for (const sv of mv.sampledValue) {
        if (sv.format === 'SignedData') continue;
        const measurand = sv.measurand ?? 'Energy.Active.Import.Register';
        const value = Number(sv.value);
        if (!Number.isFinite(value)) continue;
        const unit = sv.unit ?? (measurand.startsWith('Energy') ? 'Wh' : measurand.startsWith('Power') ? 'W' : null);
        samples.push({ sampledAt, measurand, phase: sv.phase ?? '', value, unit });
        const scaled = unit === 'kWh' || unit === 'kW' ? value * 1000 : value;
        if (measurand === 'Energy.Active.Import.Register' && !sv.phase && sampledAt.getTime() >= latestRegisterAt) {
          registerWh = Math.round(scaled);
          latestRegisterAt = sampledAt.getTime();
        }
        if (measurand === 'Power.Active.Import' && !sv.phase && sampledAt.getTime() >= latestPowerAt) {
          powerW = scaled;
          latestPowerAt = sampledAt.getTime();
        }
      }
    }
    // three statements: the hot path of a fleet sending every 10 s
    const added = await insertMeterValues(db, cp.lotId, cp.chargePointId, transactionId, samples);
    if (added === 0) return; // a resent batch, or a transaction that is not this charge point's
    const session = await updateSessionMeter(db, cp.lotId, transactionId, { registerWh, powerW });
    if (session) await this.recharge(db, cp.lotId, transactionId, this.deps.clock.now(), session);
  }

  /** Keeps the session's charge current (the gate's balance reads it); billed sessions stay as billed. */
  private async recharge(db: Queryable, lotId: number, transactionId: number, at: Date, row?: SessionRow): Promise<void> {
    const s = row ?? (await selectSession(db, lotId, transactionId));
    if (!s || s.billed_at || s.id_tag_status !== 'Accepted') return; // a refused start owes nothing
    const c = sessionCharge(await this.evPricing(lotId), {
      meterStartWh: s.meter_start_wh, meterStopWh: s.meter_stop_wh, meterLastWh: s.meter_last_wh, idleSince: s.idle_since, unpluggedAt: s.unplugged_at,
    }, at);
    if (c.energyMinor !== s.energy_minor || c.idleMinor !== s.idle_minor) await updateSessionCharge(db, lotId, transactionId, c);
  }

  private async evPricing(lotId: number): Promise<EvPricing | undefined> {
    const now = Date.now();
    const cached = this.pricing.get(lotId);
    if (cached && now - cached.at < pricingTtlMs) return cached.ev;
    const ev = (await loadPricing(this.deps.pool, lotId)).ev;
    this.pricing.set(lotId, { ev, at: now });
    return ev;
  }

  private async event(db: Queryable, cp: ChargePointRef, kind: string, detail: Record<string, unknown>, at: Date): Promise<void> {
    await insertEvent(db, { lotId: cp.lotId, kind, reservationId: null, actor: this.deps.actor, detail: { charge_point: cp.chargePointId, ...detail }, at });
  }
}
