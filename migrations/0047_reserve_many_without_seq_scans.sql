-- parkctl_reserve_many (0045) plans its per-element statements once per connection and keeps the plan. When
-- reservations was last analysed while nearly empty (a fresh database, a lot just imported, `vacuum analyze`
-- before a benchmark), the plate probe of each element (`not exists (... r.plate_key = ... and r.period &&
-- ...)`) was planned as a sequential scan of reservations: every booking of a batch read every live row, and
-- the cost grew with the table. Measured with bench/reserve-many/cpu.mjs (64 spread bookings a statement,
-- 60 statements from a vacuumed, empty lot, 2-core box at load 6-7): 0.49-0.59 ms of backend CPU a booking
-- before, 0.24-0.25 ms with sequential scans off; perf showed 77% of the backend's time in that probe's seq scan
-- (range_overlaps over heap tuples). Every table the function reads has the index its statements need (the
-- plate constraint's GiST index, spot_days_by_type, the primary keys, the partial indexes of 0007/0046), so
-- the planner is told to use them whatever the statistics say, as 0008 already tells it not to sort or use
-- bitmaps.
--
-- With those plans fixed, the per-element statements were still planned again for each element (custom
-- plans: their estimated cost depends on the element's start spot and window): perf on the backend put 8.8%
-- of a batch in the planner (pg_plan_queries), 1.4% with generic plans, and backend CPU a booking went from
-- 0.19-0.21 to 0.17-0.19 ms. The generic plans are the same index scans (the scans above are the only ones left).
-- Nothing changes in what is checked: the exclusion constraints remain the proof.
alter function parkctl_reserve_many(integer[], vehicle_type[], timestamptz[], timestamptz[], text[], text[], bigint[], char(3)[],
                                    timestamptz[], timestamptz[], text[], integer[], text[])
  set enable_seqscan = off;
alter function parkctl_reserve_many(integer[], vehicle_type[], timestamptz[], timestamptz[], text[], text[], bigint[], char(3)[],
                                    timestamptz[], timestamptz[], text[], integer[], text[])
  set plan_cache_mode = force_generic_plan;
