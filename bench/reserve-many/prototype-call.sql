-- calls prototype-set-insert.sql's proto_many with the same windows as batch-one-day.sql
with x as materialized (select st as s, st + l * interval '15 min' as e from (select date_trunc('day', now()) + interval '1 day' + floor(random()*7)::int * interval '1 day' + floor(random()*(96-l))::int * interval '15 min' as st, l from (select 1 + floor(random()*16)::int as l from generate_series(1,64)) q0) q)
select proto_many(1, 'regular', (select array_agg(s) from x), (select array_agg(e) from x),
  (select array_agg('P' || upper(substr(md5(random()::text), 1, 8))) from generate_series(1,64)),
  (select array_agg(1 + floor(random()*2000)::int) from generate_series(1,64)), now(), 'bench', false)
