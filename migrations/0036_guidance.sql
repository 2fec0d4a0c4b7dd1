-- Guidance at the entry lane (issue 16, seed 001 5.5): the lane display shows the way to the booked spot
-- ("Level 3 > zone B > L3-B-042") and sends walk-ins to the nearest floor with a free spot of their type.
-- The gate reads only what its role may: the allow-list view gains the spot's floor, zone name and route;
-- free spots per floor come from a SECURITY DEFINER function, counted from sensed occupancy where sensors
-- are bound (unknown is never free) and from bookings and cars inside where not.

-- 0012's view with three columns appended (create or replace view may only add columns at the end).
create or replace view gate_allow_list as
  select r.lot_id, r.reservation_id, r.plate, r.vehicle_type, lower(r.period) as starts_at, upper(r.period) as ends_at,
         r.status, s.label as spot_label, r.extension_minor,
         z.floor as spot_floor, z.name as zone_name, z.route as zone_route
    from reservations r
    join spots s on s.lot_id = r.lot_id and s.spot_id = r.spot_id
    join zones z on z.lot_id = s.lot_id and z.zone_id = s.zone_id
   where r.status in ('CONFIRMED', 'CHECKED_IN') and r.walk_in_visit_id is null;

create function parkctl_gate_floor_free(p_lot integer, p_at timestamptz)
returns table (floor integer, vehicle_type text, free integer)
language plpgsql stable security definer set search_path = public as $$
begin
  return query
  select z.floor, s.vehicle_type::text,
         (count(*) filter (where (b.sensor_id is null or x.state = 'free')
            and not exists (select 1 from reservations r
                             where r.lot_id = s.lot_id and r.spot_id = s.spot_id and r.status in ('TENTATIVE', 'CONFIRMED', 'CHECKED_IN')
                               and (r.status = 'CHECKED_IN' or (r.spot_period @> p_at and (r.status = 'CONFIRMED' or r.hold_expires_at > p_at))))))::integer
    from spots s
    join zones z on z.lot_id = s.lot_id and z.zone_id = s.zone_id
    left join sensors b on b.lot_id = s.lot_id and b.spot_id = s.spot_id
    left join spot_sensed x on x.lot_id = s.lot_id and x.spot_id = s.spot_id
   where s.lot_id = p_lot and s.status = 'active'
   group by z.floor, s.vehicle_type;
end $$;

revoke all on function parkctl_gate_floor_free(integer, timestamptz) from public;
grant execute on function parkctl_gate_floor_free(integer, timestamptz) to parkctl_gate, parkctl_app;
