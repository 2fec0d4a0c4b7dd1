-- Time added to a booking after it was made (the dashboard's extend) is charged at the exit, priced as an
-- overstay of the same length would have been (same rules, bands and tax; no free minutes, no daily cap).
-- Before, the extension moved the window's end and the overstay was then measured from the new end: the
-- added time was free. Kept on the reservation, because a booking can be extended before its car arrives.
alter table reservations add column extension_minor bigint not null default 0 check (extension_minor >= 0);

-- The gate adds what extensions cost to what a car owes at the exit, also while the database is down.
create or replace view gate_allow_list as
  select r.lot_id, r.reservation_id, r.plate, r.vehicle_type, lower(r.period) as starts_at, upper(r.period) as ends_at,
         r.status, s.label as spot_label, r.extension_minor
    from reservations r join spots s on s.lot_id = r.lot_id and s.spot_id = r.spot_id
   where r.status in ('CONFIRMED', 'CHECKED_IN');
