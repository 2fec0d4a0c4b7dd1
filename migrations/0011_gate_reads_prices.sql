-- The gate prices a walk-in's stay at the exit with the lot's own rules (the same engine as
-- `visit depart`), also while the database is down: it keeps the prices in its allow-list snapshot.
-- Prices are what a lot shows its customers; nothing else of the lot becomes readable.
grant select on pricing_rules to parkctl_gate;
