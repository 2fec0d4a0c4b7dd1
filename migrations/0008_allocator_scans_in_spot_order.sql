-- The allocator's candidate scans are walks of spot_days_by_type in spot order that stop at the first
-- spot whose bits are clear: usually within a few rows. The planner cannot see that. It estimates the bit
-- test and the spot-status subquery at 0.5 % each, so "one row in the whole range", and a custom plan
-- (the first calls of every session, so every `parkctl booking reserve`) could prefer a bitmap scan of the
-- whole range, the status subquery run for every spot of the day, and a sort: 75-250 ms instead of
-- 0.05 ms. Caught with auto_explain in `parkctl bench reserve`, on analysed lots: about 1 % of bookings,
-- the whole p99.
-- No statement of the allocator, nor of the triggers it fires, needs either (their scans are index walks,
-- their de-duplication can hash), so both are turned off for the length of its call: the function's own
-- settings, restored on exit.
-- A later `create or replace function parkctl_reserve` must repeat these settings.
alter function parkctl_reserve(integer, vehicle_type, timestamptz, timestamptz, text, text, bigint, char(3),
                               timestamptz, timestamptz, text, integer, text)
  set enable_bitmapscan = off
  set enable_sort = off;
