-- A validation scanned at an exit lane (issue 15): the lane takes it off the fee offline, judged from its
-- snapshot; when the exit is synced, this applies it by the desk's rules (the validator locked first; its
-- daily limit, once per stay, the prepaid balance). Refused, the amount is owed on the visit instead,
-- visibly due (invariant 9): the barrier has opened already.
create function parkctl_gate_apply_validation(p_lot integer, p_code text, p_visit uuid, p_amount bigint, p_at timestamptz, p_actor text)
  returns text language plpgsql security definer set search_path = public as $$
declare
  v validators%rowtype;
  v_day date;
  v_reason text;
begin
  if p_amount <= 0 then return 'nothing_off'; end if;
  select * into v from validators where lot_id = p_lot and code = upper(p_code) for update;
  select (p_at at time zone l.time_zone)::date into v_day from lots l where l.lot_id = p_lot;
  if v.validator_id is null or not v.active then
    v_reason := 'unknown_validator';
  elsif v.daily_limit is not null
        and (select count(*) from validation_uses u where u.lot_id = p_lot and u.validator_id = v.validator_id and u.local_day = v_day) >= v.daily_limit then
    v_reason := 'daily_limit';
  elsif exists (select 1 from validation_uses u where u.lot_id = p_lot and u.validator_id = v.validator_id and u.visit_id = p_visit) then
    v_reason := 'already_validated';
  elsif v.billing = 'prepaid' and v.balance_minor < p_amount then
    v_reason := 'balance_short';
  else
    update validators set balance_minor = balance_minor - p_amount where lot_id = p_lot and validator_id = v.validator_id and billing = 'prepaid';
    insert into validation_uses (lot_id, validator_id, ticket_id, visit_id, amount_minor, local_day, applied_at, actor)
    select p_lot, v.validator_id,
           (select t.ticket_id from tickets t where t.lot_id = p_lot and t.visit_id = p_visit and t.status <> 'lost' order by t.issued_at desc limit 1),
           p_visit, p_amount, v_day, p_at, p_actor;
    return 'applied';
  end if;
  update visits set amount_due_minor = amount_due_minor + p_amount where lot_id = p_lot and visit_id = p_visit;
  return v_reason;
end $$;
revoke all on function parkctl_gate_apply_validation(integer, text, uuid, bigint, timestamptz, text) from public;
grant execute on function parkctl_gate_apply_validation(integer, text, uuid, bigint, timestamptz, text) to parkctl_gate, parkctl_app;
grant select on validators to parkctl_gate;

-- An unpaid permit past its grace, refused at a gate (issue 15): an alert for the desk (events
-- 'alert.permit_unpaid'), at most one an hour per permit. The gate role may insert events but not read
-- them; this function reads the last alert for it.
create function parkctl_gate_permit_unpaid_alerts(p_lot integer, p_gate text, p_refusals jsonb) returns integer
  language sql security definer set search_path = public as $$
  with inserted as (
    insert into events (lot_id, kind, actor, reason, detail, occurred_at)
    select p_lot, 'alert.permit_unpaid', 'gate:' || p_gate,
           coalesce(a.plate, 'a car') || ' refused at ' || p_gate || ': the permit of ' || p.holder || ' is unpaid past its grace',
           jsonb_build_object('permit_id', p.permit_id, 'plate', a.plate, 'gate', p_gate, 'paid_until', p.paid_until), a.at
      from (select distinct on (x.permit_id) x.permit_id, x.plate, x.at
              from jsonb_to_recordset(p_refusals) as x(permit_id uuid, plate text, at timestamptz) order by x.permit_id, x.at) a
      join permits p on p.lot_id = p_lot and p.permit_id = a.permit_id
     where not exists (select 1 from events e where e.lot_id = p_lot and e.kind = 'alert.permit_unpaid'
                         and e.detail->>'permit_id' = a.permit_id::text and e.occurred_at > a.at - interval '1 hour')
    returning 1
  )
  select count(*)::integer from inserted
$$;
revoke all on function parkctl_gate_permit_unpaid_alerts(integer, text, jsonb) from public;
grant execute on function parkctl_gate_permit_unpaid_alerts(integer, text, jsonb) to parkctl_gate, parkctl_app;
