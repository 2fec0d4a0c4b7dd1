-- Sweepers (src/core/sweepers, `parkctl sweeper run`). Hold expiry already has reservations_overdue_holds and
-- no-shows reservations_by_start (0001); these two serve the overstay job.

-- Checked-in reservations by window end: "who is still inside past their end" without scanning every stay.
create index reservations_checked_in_by_end on reservations (lot_id, upper(period)) where status = 'CHECKED_IN';

-- One overstay alert per reservation, whoever sweeps and however often: two sweepers racing on the same
-- overstayer both try the insert and `on conflict do nothing` lets exactly one land. A check-then-insert
-- could not promise that under READ COMMITTED (both checks can run before either insert commits).
create unique index events_one_overstay_alert on events (lot_id, reservation_id) where kind = 'alert.overstay';
