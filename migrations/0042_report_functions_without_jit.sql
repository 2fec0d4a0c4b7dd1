-- The report functions of 0041 run with jit off, which also keeps them from being inlined into a report's
-- query. Inlined, their generate_series estimates (1,000 rows a visit) made a year's report cost enough
-- for PostgreSQL to JIT-compile it: 77 ms of a 150 ms query on a year of the sample lot; as a function
-- scan the same report took 37 ms.
alter function parkctl_report_visit_hours(integer, timestamptz, timestamptz, timestamptz) rows 500 set jit = off;
alter function parkctl_report_payment_hours(integer, timestamptz, timestamptz) rows 500 set jit = off;
alter function parkctl_report_event_hours(integer, timestamptz, timestamptz) rows 500 set jit = off;
