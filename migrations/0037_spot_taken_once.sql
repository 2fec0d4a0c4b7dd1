-- One "a car is in your booked spot" alert per booking (issue 16): the sensor listener checks spots still occupied
-- every 30 s, and a booking that cannot be moved (no other spot of its type free: its alert.no_spot says so) would
-- otherwise be alerted again at every check.
create unique index events_one_spot_taken on events (lot_id, reservation_id) where kind = 'alert.spot_taken';
