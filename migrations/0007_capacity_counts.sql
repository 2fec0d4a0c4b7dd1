-- Capacity counts from the allocation bits (src/core/sql/capacity.ts): a check reads one index range of
-- spot_days per day of its window (the lot's spots of one type) instead of every booking the window holds.

-- 1. Room on every spot_days page for the row's next versions. A spot-day row is rewritten by every booking,
--    cancellation and expiry that touches it; on a full page each rewrite moves the row to another page
--    (and adds entries to both indexes). In `bench capacity` lots (100,000 bookings, 2,000 spots) a lot-day's
--    rows ended on ~70 pages, ~240 when a day's bookings came in one transaction; with free space the rewrite
--    stays on its page (a HOT update, the old version pruned later) and they stay on ~38 pages, which a count
--    and the allocator's scan read. Applies to pages written from now on: days prepared after this migration.
alter table spot_days set (fillfactor = 60);

-- 2. Spots out of service, which the count takes off (their bits still show their bookings): usually none,
--    so a partial index answers without reading the lot's spots.
create index spots_out_of_service on spots (lot_id, vehicle_type, spot_id) where status <> 'active';
