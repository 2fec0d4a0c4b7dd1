-- lot 1 (CITY-GARAGE in a fresh database), regular spots, 64 spread windows in the coming week; days prepared first:
-- select parkctl_prepare_days(1, current_date, current_date + 10)
-- 64 spread bookings in one parkctl_reserve_many call, lot 1, regular spots 1..2000
with x as materialized (select st as s, st + (1 + floor(random()*16)::int) * interval '15 min' as e from (select date_trunc('day', now()) + interval '1 day' + floor(random()*7*96)::int * interval '15 min' as st from generate_series(1,64)) q)
select count(reservation_id), count(error_code) from parkctl_reserve_many(
  array_fill(1, array[64]), array_fill('regular'::vehicle_type, array[64]),
  (select array_agg(s) from x), (select array_agg(e) from x),
  (select array_agg('P' || upper(substr(md5(random()::text), 1, 8))) from generate_series(1,64)),
  array_fill('bench'::text, array[64]), array_fill(1000::bigint, array[64]), array_fill('EUR'::char(3), array[64]),
  array_fill(now() + interval '15 min', array[64]), array_fill(now(), array[64]), array_fill(null::text, array[64]),
  (select array_agg(1 + floor(random()*2000)::int) from generate_series(1,64)), array_fill('bench'::text, array[64]))
