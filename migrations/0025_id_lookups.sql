-- Issue 13: a reservation, visit or payment is named by its id alone (`booking show 8f83a1`), never with
-- its lot. The primary keys lead with lot_id (invariant 3), so a lookup by id alone scanned the table.
-- These indexes serve the exact lookups and the unique-prefix ones: a prefix of a uuid's text is a
-- range of uuids (8f83 -> 8f830000-... to 8f83ffff-...), which a plain btree on the uuid answers.
create index reservations_by_id on reservations (reservation_id);
create index visits_by_id on visits (visit_id);
create index payments_by_id on payments (payment_id);
