-- PROTOTYPE, not a migration (issue 14): the batch as one UPDATE ... RETURNING per booking on spot_days (the
-- baseline's allocation) and ONE insert of all the rows (row triggers unchanged). Single-day, quarter-hour windows
-- only; no refusal/error isolation, no bookkeeping, no label or out-of-service check: an upper bound of what a
-- set-based parkctl_reserve_many could save, measured with cpu.mjs against batch-one-day.sql.
create or replace function proto_many(p_lot integer, p_type vehicle_type, p_start timestamptz[], p_end timestamptz[], p_plate text[], p_spot integer[], p_now timestamptz, p_actor text, p_bulk_audit boolean)
returns integer language plpgsql as $$
declare
  k integer; n integer := array_length(p_start, 1);
  v_zero bit(96) := 0::bit(96);
  v_mask bit(96); v_day date; v_spot integer; spots integer[] := '{}'; ids uuid[] := '{}'; ks integer[] := '{}';
begin
  perform set_config('parkctl.actor', p_actor, true);
  for k in 1..n loop
    v_day := (p_start[k] at time zone 'UTC')::date;
    v_mask := parkctl_day_mask(v_day, tstzrange(p_start[k], p_end[k], '[)'));
    update spot_days sd set mask = sd.mask | v_mask
     where (sd.lot_id, sd.day, sd.spot_id) = (select c.lot_id, c.day, c.spot_id from spot_days c
              where c.lot_id = p_lot and c.vehicle_type = p_type and c.day = v_day and c.spot_id >= p_spot[k]
                and (c.mask & v_mask) = v_zero
              order by c.spot_id limit 1 for update skip locked)
       and (sd.mask & v_mask) = v_zero
    returning sd.spot_id into v_spot;
    if found then spots := spots || v_spot; ks := ks || k; ids := ids || gen_random_uuid(); end if;
  end loop;
  insert into reservations (lot_id, reservation_id, customer_ref, plate, vehicle_type, spot_id, period, status, hold_expires_at, price_minor, currency, created_at, updated_at)
  select p_lot, u.id, 'bench', p_plate[u.k], p_type, u.spot, tstzrange(p_start[u.k], p_end[u.k], '[)'), 'TENTATIVE', p_now + interval '15 min', 1000, 'EUR', p_now, p_now
    from unnest(ks, spots, ids) u(k, spot, id);
  if p_bulk_audit then
    insert into events (lot_id, kind, reservation_id, actor, detail, occurred_at)
    select p_lot, 'reservation.tentative', u.id, p_actor, jsonb_build_object('plate', p_plate[u.k], 'spot_id', u.spot, 'from', p_start[u.k], 'to', p_end[u.k]), p_now
      from unnest(ks, spots, ids) u(k, spot, id);
  end if;
  return array_length(ks, 1);
end $$;
